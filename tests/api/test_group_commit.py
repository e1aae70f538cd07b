"""Group commit (pipeline/group_commit.py): hook jobs that arrive together share one transaction, and
a job that fails is answered alone while the others are stored.

The first job's `also` holds a single writer until the test has handed in the others, so the grouping
is deterministic on SQLite and PostgreSQL alike; commits are counted on the engine.
"""

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import InvalidInput
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.address_locks import lock_key
from omniline.pipeline.group_commit import IngestWriter
from omniline.pipeline.ingest import IngestResult
from tests.support import ApiWorld, row_counts


@pytest.fixture
def channel(container: Container, world: ApiWorld) -> ChannelInfo:
    with container.uow() as uow:
        return load_channel_info(uow.session, uuid.UUID(world.channel["id"]))


@pytest.fixture
def commits(container: Container) -> Iterator[list[int]]:
    counted: list[int] = []

    def count(_connection: object) -> None:
        counted.append(1)

    engines = [engine for engine in (container.engine, container.ingest_engine) if engine is not None]
    for engine in engines:  # the writers commit on their own engine on PostgreSQL
        event.listen(engine, "commit", count)
    yield counted
    for engine in engines:
        event.remove(engine, "commit", count)


def inbound(channel: ChannelInfo, external_id: str, identity: str, text: str) -> InboundMessage:
    kind, _, address = identity.partition(":")
    return InboundMessage(
        channel_id=channel.id,
        external_id=external_id,
        identities=(IdentityClaim(kind, address, verified=True),),
        text=text,
        sent_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        sender_name="Анна",
    )


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def stored_texts(container: Container) -> list[str]:
    with container.engine.connect() as connection:
        return sorted(connection.execute(select(Message.text)).scalars())


class HeldWriter:
    """Hand in a first job whose `also` waits, then more jobs; release them all together."""

    def __init__(self, container: Container, channel: ChannelInfo) -> None:
        self.writer = IngestWriter(container, writers=1)
        self.channel = channel
        self.pool = ThreadPoolExecutor(8)
        self.release = threading.Event()
        self.holding = threading.Event()

    def _hold(self, _uow: UnitOfWork, _results: list[IngestResult]) -> None:
        self.holding.set()
        assert self.release.wait(10)

    def first(self, message: InboundMessage) -> "Future[list[IngestResult]]":
        future = self.pool.submit(self.writer.ingest, self.channel, [message], also=self._hold)
        assert self.holding.wait(10)
        return future

    def more(
        self, message: InboundMessage, also: Callable[[UnitOfWork, list[IngestResult]], None] | None = None
    ) -> "Future[list[IngestResult]]":
        waiting = self.writer.waiting
        future = self.pool.submit(self.writer.ingest, self.channel, [message], also=also)
        wait_until(lambda: self.writer.waiting == waiting + 1)
        return future

    def close(self) -> None:
        self.release.set()
        self.pool.shutdown(wait=True)
        self.writer.close()


@pytest.fixture
def held(container: Container, channel: ChannelInfo) -> Iterator[HeldWriter]:
    held = HeldWriter(container, channel)
    yield held
    held.close()


def test_jobs_that_arrive_together_are_stored_in_one_transaction(
    container: Container, channel: ChannelInfo, held: HeldWriter, commits: list[int]
) -> None:
    first = held.first(inbound(channel, "g-0", "email:first@example.com", "Первое"))
    texts = ["Где заказ?", "我的订单在哪里？", "Where is my parcel?", "Верните деньги"]
    others = [
        held.more(inbound(channel, f"g-{n}", f"phone:+7916000000{n}", text))
        for n, text in enumerate(texts, start=1)
    ]
    commits.clear()
    held.release.set()
    results = [future.result(timeout=10) for future in [first, *others]]
    # The first job committed alone (the writer had already started on it), the four others once.
    assert len(commits) == 2
    assert len({result[0].message_id for result in results}) == 5
    assert len({result[0].customer_id for result in results}) == 5
    assert stored_texts(container) == sorted(["Первое", *texts])
    # Each caller got the ids of its own message.
    with container.engine.connect() as connection:
        for n, result in enumerate(results):
            external_id = connection.execute(
                select(Message.external_id).where(Message.id == result[0].message_id)
            ).scalar_one()
            assert external_id == f"g-{n}"


def test_a_failing_job_is_answered_alone_and_the_others_are_stored(
    container: Container, channel: ChannelInfo, held: HeldWriter
) -> None:
    def refuse(_uow: UnitOfWork, _results: list[IngestResult]) -> None:
        raise InvalidInput("refused by the channel after the message was ingested")

    first = held.first(inbound(channel, "f-0", "email:first@example.com", "Первое"))
    good = held.more(inbound(channel, "f-1", "email:good@example.com", "Хорошее"))
    bad_identity = held.more(inbound(channel, "f-2", "phone:not a number", "Плохой номер"))
    refused = held.more(inbound(channel, "f-3", "email:refused@example.com", "Отказано"), also=refuse)
    last = held.more(inbound(channel, "f-4", "wechat:o6_last", "最后一条"))
    held.release.set()

    assert first.result(timeout=10)[0].duplicate is False
    assert good.result(timeout=10)[0].duplicate is False
    assert last.result(timeout=10)[0].duplicate is False
    with pytest.raises(InvalidInput):
        bad_identity.result(timeout=10)
    with pytest.raises(InvalidInput, match="refused by the channel"):
        refused.result(timeout=10)
    # Nothing of the two failed jobs was kept, although the refused one was ingested in the group.
    assert stored_texts(container) == sorted(["Первое", "Хорошее", "最后一条"])
    counts = row_counts(container)
    assert counts["messages"] == counts["inbound_receipts"] == counts["customers"] == 3


def test_a_message_repeated_within_a_group_is_stored_once(
    container: Container, channel: ChannelInfo, held: HeldWriter
) -> None:
    first = held.first(inbound(channel, "d-0", "email:first@example.com", "Первое"))
    once = held.more(inbound(channel, "d-1", "telegram:4242", "Повтор"))
    again = held.more(inbound(channel, "d-1", "telegram:4242", "Повтор"))
    held.release.set()
    first.result(timeout=10)
    original, repeat = once.result(timeout=10)[0], again.result(timeout=10)[0]
    assert repeat.duplicate is True
    assert repeat.message_id == original.message_id
    assert stored_texts(container) == ["Первое", "Повтор"]


def test_a_closed_writer_still_stores_on_the_callers_thread(
    container: Container, channel: ChannelInfo
) -> None:
    writer = IngestWriter(container)
    writer.ingest(channel, [inbound(channel, "c-0", "email:before@example.com", "До")])
    writer.close()
    before = row_counts(container)["messages"]
    result = writer.ingest(channel, [inbound(channel, "c-1", "email:after@example.com", "После")])
    assert result[0].duplicate is False
    assert row_counts(container)["messages"] == before + 1


def test_on_postgresql_a_group_waiting_on_a_lock_does_not_hold_up_the_other_writers(
    container: Container, channel: ChannelInfo
) -> None:
    if container.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the writer threads would queue on it anyway")
    writer = IngestWriter(container)  # PostgreSQL: several writer threads
    release = threading.Event()
    holding = threading.Event()

    def hold(_uow: UnitOfWork, _results: list[IngestResult]) -> None:
        holding.set()
        assert release.wait(10)

    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(
            writer.ingest, channel, [inbound(channel, "p-0", "email:held@example.com", "Жду")], also=hold
        )
        assert holding.wait(10)
        # Another hook is stored and answered while the first one's transaction is still open.
        other = writer.ingest(channel, [inbound(channel, "p-1", "email:other@example.com", "Не жду")])
        assert other[0].duplicate is False
        assert stored_texts(container) == ["Не жду"]
        release.set()
        held.result(timeout=10)
    writer.close()
    assert stored_texts(container) == ["Жду", "Не жду"]


def test_an_async_caller_awaits_the_writer_and_gets_its_error_too(
    container: Container, channel: ChannelInfo
) -> None:
    writer = IngestWriter(container)

    async def store(message: InboundMessage) -> list[IngestResult]:
        return await asyncio.wrap_future(writer.submit(channel, [message]))

    stored = asyncio.run(store(inbound(channel, "a-1", "telegram:777", "Ждём ответа")))
    assert stored[0].duplicate is False
    with pytest.raises(InvalidInput):
        asyncio.run(store(inbound(channel, "a-2", "phone:not a number", "Плохой номер")))
    writer.close()
    assert stored_texts(container) == ["Ждём ответа"]


def test_on_postgresql_a_job_held_up_at_a_lock_waits_while_the_rest_of_its_group_is_answered(
    container: Container, channel: ChannelInfo, held: HeldWriter
) -> None:
    if container.engine.dialect.name == "sqlite":
        pytest.skip("the locks are PostgreSQL's: SQLite has one writer at a time")
    bookkeeping: list[list[IngestResult]] = []
    lock_held, lock_release = threading.Event(), threading.Event()

    def hold_the_address() -> None:  # another transaction has the address's lock (pipeline/address_locks.py)
        with container.engine.connect() as connection, connection.begin():
            key = lock_key(channel.tenant_id, "email:busy@example.com")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            lock_held.set()
            assert lock_release.wait(10)

    holder = held.pool.submit(hold_the_address)
    assert lock_held.wait(10)
    first = held.first(inbound(channel, "l-0", "email:first@example.com", "Первое"))
    busy = held.more(
        inbound(channel, "l-1", "email:busy@example.com", "Жду замка"),
        also=lambda _uow, r: bookkeeping.append(r),
    )
    free = held.more(inbound(channel, "l-2", "wechat:o6_free", "不用等"))
    held.release.set()
    first.result(timeout=10)
    # The free job of the group is committed and answered; the held-up one waits for the lock…
    assert free.result(timeout=10)[0].duplicate is False
    assert stored_texts(container) == sorted(["Первое", "不用等"])
    assert not busy.done() and bookkeeping == []
    lock_release.set()
    holder.result(timeout=10)
    # …then is stored as a first delivery, and its bookkeeping runs once, with its results.
    results = busy.result(timeout=10)
    assert results[0].duplicate is False
    assert bookkeeping == [results]
    assert stored_texts(container) == sorted(["Первое", "不用等", "Жду замка"])


def test_the_writers_plan_each_statement_once_on_postgresql_and_other_sessions_do_not(
    container: Container, channel: ChannelInfo
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's")
    seen: list[str] = []

    def note_mode(uow: UnitOfWork, _results: list[IngestResult]) -> None:
        seen.append(uow.session.execute(text("SHOW plan_cache_mode")).scalar_one())

    writer = IngestWriter(container)
    try:
        writer.ingest(channel, [inbound(channel, "plan-1", "email:plan@пример.рф", "Привет")], also=note_mode)
    finally:
        writer.close()
    with container.uow() as uow:
        shared = uow.session.execute(text("SHOW plan_cache_mode")).scalar_one()
    assert seen == ["force_generic_plan"]
    assert shared == "auto"
