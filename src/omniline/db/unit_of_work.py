"""The unit of work: one transaction owned by the edge (request, job or CLI command).

Services receive the unit of work, add rows to `session`, `flush` when they need ids back, and
`emit` domain events. Only the edge calls `commit`; the events go to the bus after the commit
succeeds, never before and never for a transaction that rolled back.

On SQLite (one writer at a time) the units of work of one process also queue on a lock: waiting on
a Python lock wakes the next writer at once, where SQLite's busy handler would sleep and poll.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from omniline.kernel.events import DomainEvent

if TYPE_CHECKING:
    from omniline.settings import Settings


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> None: ...


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publisher: EventPublisher,
        *,
        write_lock: AbstractContextManager[Any] | None = None,
        settings: "Settings | None" = None,
    ) -> None:
        self._session_factory = session_factory
        self._publisher = publisher
        self._pending: list[DomainEvent] = []
        self._write_lock = write_lock
        # The installation's settings, for steps that read them deep inside a use case (routing's
        # confidence threshold and sticky window). None in bare units of work: those steps are skipped.
        self.settings = settings
        self.session: Session

    def __enter__(self) -> "UnitOfWork":
        if self._write_lock is not None:
            self._write_lock.__enter__()
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self._pending.clear()
            self.session.close()
            if self._write_lock is not None:
                self._write_lock.__exit__(None, None, None)

    def emit(self, event: DomainEvent) -> None:
        """Queue an event to publish once this transaction commits."""
        self._pending.append(event)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: when the block raises, its writes and the events it emitted are
        undone and the error propagates; the outer transaction goes on."""
        emitted = len(self._pending)
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._pending[emitted:]
            raise
        nested.commit()

    def commit(self) -> None:
        self.session.commit()
        events, self._pending = self._pending, []
        for event in events:
            self._publisher.publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        self._pending.clear()
