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
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, IntegrityError

from omniline.channels.base import ChannelInfo
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import TemporarilyUnavailable
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.batch import ingest_batch
from omniline.pipeline.ingest import IngestResult

if TYPE_CHECKING:
    from omniline.bootstrap import Container

ATTEMPTS = 6

AlsoInTransaction = Callable[[UnitOfWork, list[IngestResult]], None]


def ingest_and_commit(
    container: "Container",
    channel: ChannelInfo,
    messages: list[InboundMessage],
    *,
    also: AlsoInTransaction | None = None,
) -> list[IngestResult]:
    """Ingest `messages` (and run `also`) in one transaction, commit, and return the results."""
    for attempt in range(ATTEMPTS):
        with container.uow() as uow:
            try:
                now = container.clock()
                results = ingest_batch(uow, [(channel, message) for message in messages], now=now)
                if also is not None:
                    also(uow, results)
                uow.commit()
                return results
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
