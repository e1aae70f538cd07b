"""Running the pipeline in its own transaction, as every entry point does (hooks, the SMTP listener,
the web chat socket, the demo, the benchmarks).

Two first messages of one new person can race on PostgreSQL: both insert the same identity and the
loser's transaction fails on the unique index (batches lock their addresses first, see
pipeline/address_locks.py, but other writers of identities do not), or two transactions deadlock on
rows of one customer. It is run again (a few times, with a short pause so the winner can commit) and
then finds the identity. If contention persists, the caller gets a 503.
"""

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from omniline.channels.base import ChannelInfo
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import TemporarilyUnavailable
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.batch import fill_in, ingest_batch, ingest_unhindered
from omniline.pipeline.ingest import IngestResult

if TYPE_CHECKING:
    from omniline.bootstrap import Container

ATTEMPTS = 6

AlsoInTransaction = Callable[[UnitOfWork, list[IngestResult]], None]
_T = TypeVar("_T")


def ingest_and_commit(
    container: "Container",
    channel: ChannelInfo,
    messages: list[InboundMessage],
    *,
    also: AlsoInTransaction | None = None,
    stored_before: list[IngestResult | None] | None = None,
) -> list[IngestResult]:
    """Ingest `messages` (and run `also`) in one transaction, commit, and return the results.

    Without `also`, the messages that another transaction holds up at a lock (PostgreSQL) are stored in
    a second transaction, after the first has committed the others (`ingest_unhindered`).
    `stored_before`: the results of those of the messages that an earlier transaction committed (None
    for the others); only the others are ingested, and `also` is given all."""
    earlier = stored_before if stored_before is not None else [None] * len(messages)
    missing = [
        (channel, message) for message, result in zip(messages, earlier, strict=True) if result is None
    ]
    if also is not None:

        def with_also(uow: UnitOfWork, now: datetime) -> list[IngestResult]:
            results = fill_in(earlier, ingest_batch(uow, missing, now=now))
            also(uow, results)
            return results

        return commit_retrying(container, with_also)
    first = commit_retrying(container, lambda uow, now: ingest_unhindered(uow, missing, now=now))
    held_up = [item for item, result in zip(missing, first, strict=True) if result is None]
    later: list[IngestResult] = []
    if held_up:  # now the other writer's locks are waited for
        later = commit_retrying(container, lambda uow, now: ingest_batch(uow, held_up, now=now))
    return fill_in(earlier, fill_in(first, later))


def commit_retrying(container: "Container", work: Callable[[UnitOfWork, datetime], _T]) -> _T:
    """Run `work` in a unit of work and commit; run it again (a few times, after a short pause) when it
    lost a race to a concurrent transaction. Raises TemporarilyUnavailable when contention persists."""
    for attempt in range(ATTEMPTS):
        with container.uow() as uow:
            try:
                answer = work(uow, container.clock())
                uow.commit()
                return answer
            except DBAPIError as error:
                if not retryable(error):
                    raise
                uow.rollback()
        time.sleep(random.uniform(0.001, 0.005) * (attempt + 1))
    raise TemporarilyUnavailable("too many concurrent changes to the same customer; please retry")


# PostgreSQL's deadlock and serialization failures: the transaction lost a race and may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def retryable(error: DBAPIError) -> bool:
    """A unique index refused a row another transaction just wrote, or the server broke a deadlock."""
    return isinstance(error, IntegrityError) or getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
