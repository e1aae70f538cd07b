"""The unit of work: one transaction owned by the edge (request, job or CLI command).

Services receive the unit of work, add rows to `session`, `flush` when they need ids back, and
`emit` domain events. Only the edge calls `commit`; the events go to the bus after the commit
succeeds, never before and never for a transaction that rolled back.
"""

from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from omniline.kernel.events import DomainEvent


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> None: ...


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], publisher: EventPublisher) -> None:
        self._session_factory = session_factory
        self._publisher = publisher
        self._pending: list[DomainEvent] = []
        self._after_commit: list[Callable[[], None]] = []
        self.session: Session

    def __enter__(self) -> "UnitOfWork":
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

    def emit(self, event: DomainEvent) -> None:
        """Queue an event to publish once this transaction commits."""
        self._pending.append(event)

    def commit(self) -> None:
        self.session.commit()
        events, self._pending = self._pending, []
        for event in events:
            self._publisher.publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        self._pending.clear()
