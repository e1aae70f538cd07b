"""Group commit: the messages of callers that arrive together are stored in one transaction.

Every provider hook used to run its own transaction. Under load the hooks queue on the database's
write lock (SQLite has one writer; PostgreSQL pays a round trip and a WAL flush per commit), and each
pays for its own BEGIN and COMMIT. The `IngestWriter` runs writer threads: a hook hands it its
messages and waits; a free writer takes every job waiting (up to `MAX_JOBS`), runs them in order in
one unit of work and commits once. A lone request is not held back: a writer starts on it at once
(unless the other writer is storing; it then waits up to LINGER_SECONDS for company), and only the
requests that arrive meanwhile form the next group.

SQLite gets one writer (it has one writer anyway). PostgreSQL gets `POSTGRES_WRITERS`, so that one
group waiting on a row lock (a customer an agent's transaction holds) does not hold up every hook.
The writers do not wait for each other: a group is stored unhindered (pipeline/batch.py), the jobs
whose messages the other writer holds up at a lock are left unanswered, and their remaining messages
are stored in a second transaction once the first has committed; only then are those jobs answered
and their bookkeeping done.

When anything in a group fails (bad input, a conflicting write, a bug), the group is rolled back and
each job runs again alone, in its own transaction with the usual retries, so the failure reaches its
own caller only and the others' messages are stored as if they had come one by one. Events are
published after the commit, as always.
"""

import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omniline.channels.base import ChannelInfo
from omniline.kernel.errors import TemporarilyUnavailable
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.batch import fill_in, ingest_batch, ingest_unhindered
from omniline.pipeline.ingest import IngestResult
from omniline.pipeline.transaction import AlsoInTransaction, ingest_and_commit

if TYPE_CHECKING:
    from omniline.bootstrap import Container

log = logging.getLogger(__name__)

MAX_JOBS = 64  # jobs in one transaction: bounds how long the first caller of a group waits
LINGER_SECONDS = 0.002
LINGER_UNTIL_JOBS = 8
POSTGRES_WRITERS = 2  # measured: 2 beat 1 and 4 over HTTP (bench/ingest.py, 2 cores)


@dataclass
class _Job:
    channel: ChannelInfo
    messages: list[InboundMessage]
    also: AlsoInTransaction | None
    done: "Future[list[IngestResult]]" = field(default_factory=Future)  # the results, or the error


# A job and its messages' results so far (None: not stored yet).
_Partial = tuple[_Job, list[IngestResult | None]]

_STOP = object()


class IngestWriter:
    """Writer threads, started on first use and stopped by `close`. `writers`: how many (default: one
    on SQLite, `POSTGRES_WRITERS` otherwise)."""

    def __init__(
        self, container: "Container", *, writers: int | None = None, max_jobs: int = MAX_JOBS
    ) -> None:
        self._container = container
        self._max_jobs = max_jobs
        if writers is None:
            writers = 1 if container.engine.dialect.name == "sqlite" else POSTGRES_WRITERS
        self._writers = writers
        self._jobs: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._closed = False
        self._storing = 0  # writers in the middle of a transaction
        self._storing_lock = threading.Lock()

    def ingest(
        self,
        channel: ChannelInfo,
        messages: list[InboundMessage],
        *,
        also: AlsoInTransaction | None = None,
    ) -> list[IngestResult]:
        """Store `messages` (and run `also`) in a transaction shared with whoever arrives at the same
        time; blocks until committed. Raises what `ingest_and_commit` would raise for this job alone."""
        return self.submit(channel, messages, also=also).result()

    def submit(
        self,
        channel: ChannelInfo,
        messages: list[InboundMessage],
        *,
        also: AlsoInTransaction | None = None,
    ) -> "Future[list[IngestResult]]":
        """`ingest` without waiting: the future is done once the messages are committed (or failed).
        An async caller awaits it with `asyncio.wrap_future`, holding no thread meanwhile."""
        job = _Job(channel, messages, also)
        with self._start_lock:  # a job is queued before close() queues the stops, or not at all
            closed = self._closed
            if not closed:
                self._start()
                self._jobs.put(job)
        if closed:  # shutting down: no writer left, so it is stored here and now
            self._store_alone(job)
        return job.done

    @property
    def waiting(self) -> int:
        """Jobs handed in and not yet taken by a writer (approximate, as any queue's size)."""
        return self._jobs.qsize()

    def close(self) -> None:
        """Finish the jobs already handed in, then stop the threads."""
        with self._start_lock:
            self._closed = True
            threads = list(self._threads)
            for _ in threads:
                self._jobs.put(_STOP)  # after every queued job: each writer stops at its own
        for thread in threads:
            thread.join(timeout=30)

    def _start(self) -> None:
        """Writers up to `writers` (again, if one died); the caller holds `_start_lock`."""
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        while len(self._threads) < self._writers:
            thread = threading.Thread(
                target=self._run, name=f"omniline-ingest-writer-{len(self._threads)}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if not isinstance(first, _Job):  # _STOP
                return
            group, stop = self._gather(first)
            with self._storing_lock:
                self._storing += 1
            try:
                self._store(group)
            finally:
                with self._storing_lock:
                    self._storing -= 1
            if stop:
                return

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        """The group that starts with `first`: every job waiting, up to `max_jobs`; and whether a stop
        was met. While another writer is storing, the hooks arrive faster than one writer takes them:
        this one then waits up to LINGER_SECONDS for a group of LINGER_UNTIL_JOBS, rather than paying a
        whole transaction for one or two (measured over HTTP on PostgreSQL: 620 of 1,100 transactions
        stored a single message without it)."""
        group = [first]
        linger_until = time.monotonic() + LINGER_SECONDS if self._storing > 0 else None
        while len(group) < self._max_jobs:
            try:
                if linger_until is not None and len(group) < LINGER_UNTIL_JOBS:
                    more = self._jobs.get(timeout=max(linger_until - time.monotonic(), 0.0))
                else:
                    more = self._jobs.get_nowait()
            except queue.Empty:
                break
            if more is _STOP:
                return group, True
            assert isinstance(more, _Job)
            group.append(more)
        return group, False

    def _store(self, group: list[_Job]) -> None:
        try:
            held_up = self._store_together([(job, [None] * len(job.messages)) for job in group])
            if held_up == [] or (held_up and self._store_together(held_up, wait=True) == []):
                return
            # Something failed: each job not answered yet is stored alone, after what it already has.
            partial = {id(job): results for job, results in held_up or []}
            for job in group:
                if not job.done.done():
                    self._store_alone(job, partial.get(id(job)))
        finally:
            for job in group:
                if not job.done.done():  # the writer itself was interrupted
                    job.done.set_exception(
                        TemporarilyUnavailable("the message could not be stored; please retry")
                    )

    def _store_together(self, group: list[_Partial], *, wait: bool = False) -> list[_Partial] | None:
        """One transaction for the messages of the whole group that are not stored yet (None in a job's
        results); None (nothing stored) when anything in it failed.

        Without `wait`, a message that another transaction holds up at a lock (`ingest_unhindered`)
        is set aside: its job is not answered and its bookkeeping not done, and the jobs so held up
        come back with the results they have, for a transaction of their own once this one has
        committed. With `wait`, every job is answered and the list is empty."""
        container = self._container
        held_up: list[_Partial] = []
        answered: list[tuple[_Job, list[IngestResult]]] = []
        try:
            with container.ingest_uow() as uow:
                now = container.clock()
                # Every job's messages in one batch (set-based, pipeline/batch.py), then each job's own
                # bookkeeping with its results.
                items = [
                    (job.channel, message)
                    for job, results in group
                    for message, result in zip(job.messages, results, strict=True)
                    if result is None
                ]
                stored: Iterator[IngestResult | None] = iter(
                    ingest_batch(uow, items, now=now) if wait else ingest_unhindered(uow, items, now=now)
                )
                for job, earlier in group:
                    mine = fill_in(earlier, stored)
                    complete = [result for result in mine if result is not None]
                    if len(complete) < len(mine):
                        held_up.append((job, mine))
                        continue
                    if job.also is not None:
                        job.also(uow, complete)
                    answered.append((job, complete))
                uow.commit()
        except Exception:
            # Rolled back by the unit of work; each job is tried alone and answered on its own.
            log.debug("a group of %d hook jobs failed together; storing them one by one", len(group))
            return None
        for job, results in answered:
            job.done.set_result(results)
        return held_up

    def _store_alone(self, job: _Job, stored_before: list[IngestResult | None] | None = None) -> None:
        try:
            results = ingest_and_commit(
                self._container, job.channel, job.messages, also=job.also, stored_before=stored_before
            )
        except BaseException as error:  # handed to the caller through the future
            job.done.set_exception(error)
        else:
            job.done.set_result(results)
