"""Two batches in flight at once on PostgreSQL (the group commit runs two writers there): the second
waits at its addresses' locks (pipeline/address_locks.py) instead of creating the same identity and
failing on the unique index; or, storing only what no one holds up (`ingest_unhindered`), it sets the
held-up messages aside, with the later messages of their customers, for a transaction of their own."""

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.customers.models import Identity
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.address_locks import customer_lock, find_taking_free_locks, lock_key
from omniline.pipeline.batch import ingest_batch, ingest_unhindered
from omniline.pipeline.transaction import ingest_and_commit
from tests.support import ApiWorld

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def first_message(channel: ChannelInfo, external_id: str, phone: str, text: str) -> InboundMessage:
    return InboundMessage(
        channel_id=channel.id,
        external_id=external_id,
        identities=(IdentityClaim("phone", phone, verified=True),),
        text=text,
        sent_at=NOW,
    )


def test_two_batches_with_the_first_messages_of_one_person_make_one_customer(
    container: Container, world: ApiWorld
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: two batches cannot overlap there")
    with container.uow() as uow:
        channel = load_channel_info(uow.session, uuid.UUID(world.channel["id"]))
    first_stored = threading.Event()
    release_first = threading.Event()

    def first_batch() -> None:
        with container.uow() as uow:
            ingest_batch(
                uow, [(channel, first_message(channel, "a-1", "+7 916 555-01-01", "Привет"))], now=NOW
            )
            first_stored.set()
            assert release_first.wait(10)
            uow.commit()

    def second_batch() -> None:  # no retry around it: a unique-index failure would surface here
        with container.uow() as uow:
            ingest_batch(
                uow, [(channel, first_message(channel, "b-1", "8 (916) 555-01-01", "你好"))], now=NOW
            )
            uow.commit()

    with ThreadPoolExecutor(2) as pool:
        # given a batch that stored a new person's first message and has not committed yet
        first = pool.submit(first_batch)
        assert first_stored.wait(10)
        # when a second batch brings another first message of the same person
        second = pool.submit(second_batch)
        # then it waits for the first to commit…
        time.sleep(0.3)
        assert not second.done()
        release_first.set()
        first.result(timeout=10)
        second.result(timeout=10)

    # …and joins the customer the first one created
    with container.engine.connect() as connection:
        identities = connection.execute(
            select(Identity.customer_id).where(Identity.address == "+79165550101")
        ).all()
        owners = connection.execute(
            select(Message.customer_id).where(Message.external_id.in_(["a-1", "b-1"]))
        ).all()
    assert len(identities) == 1
    assert {owner for (owner,) in owners} == {identities[0][0]}


def test_an_address_has_the_same_lock_key_however_it_is_asked_for() -> None:
    tenant = uuid.uuid4()
    assert lock_key(tenant, "phone:+79165550101") == lock_key(tenant, "phone:+79165550101")
    assert lock_key(tenant, "phone:+79165550101") != lock_key(uuid.uuid4(), "phone:+79165550101")
    assert -(2**63) <= lock_key(tenant, "email:анна@пример.рф") < 2**63


# ------------------------------------------------------------------ storing what no one else holds up


def app_message(channel: ChannelInfo, external_id: str, text: str, *identities: str) -> InboundMessage:
    claims = tuple(IdentityClaim(*identity.split(":", 1), verified=True) for identity in identities)
    return InboundMessage(
        channel_id=channel.id, external_id=external_id, identities=claims, text=text, sent_at=NOW
    )


@contextmanager
def held_elsewhere(container: Container, name: tuple[uuid.UUID, str]) -> Iterator[None]:
    """Another transaction holds the lock of `name` (an address or a customer) until the block ends."""
    with container.engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(*name)})
        yield


def stored_external_ids(container: Container) -> set[str]:
    with container.engine.connect() as connection:
        return {value for value in connection.execute(select(Message.external_id)).scalars() if value}


@pytest.fixture
def channel(container: Container, world: ApiWorld) -> ChannelInfo:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("the locks are PostgreSQL's: SQLite has one writer at a time")
    with container.uow() as uow:
        return load_channel_info(uow.session, uuid.UUID(world.channel["id"]))


@pytest.fixture
def anna(container: Container, channel: ChannelInfo) -> uuid.UUID:
    """A customer known by a phone and an e-mail."""
    result = ingest_and_commit(
        container,
        channel,
        [app_message(channel, "anna-0", "Здравствуйте", "phone:+79165550202", "email:anna@пример.рф")],
    )
    return result[0].customer_id


def test_a_message_whose_address_is_held_elsewhere_is_set_aside_with_the_messages_of_its_customer(
    container: Container, channel: ChannelInfo, anna: uuid.UUID
) -> None:
    tenant = channel.tenant_id
    with held_elsewhere(container, (tenant, "phone:+79165550202")):
        with container.uow() as uow:
            results = ingest_unhindered(
                uow,
                [
                    (channel, app_message(channel, "u-1", "Где мой заказ?", "phone:+79165550202")),
                    (channel, app_message(channel, "u-2", "Это снова Анна", "email:anna@пример.рф")),
                    (channel, app_message(channel, "u-3", "我的包裹在哪里？", "wechat:o6_wang")),
                ],
                now=NOW,
            )
            uow.commit()
        # the held address's message, and the next one of the same customer (by another address), wait
        assert results[0] is None and results[1] is None
        assert results[2] is not None and results[2].customer_id != anna
        assert stored_external_ids(container) == {"anna-0", "u-3"}


def test_a_message_whose_customer_is_held_elsewhere_is_set_aside(
    container: Container, channel: ChannelInfo, anna: uuid.UUID
) -> None:
    with held_elsewhere(container, customer_lock(channel.tenant_id, anna)):
        with container.uow() as uow:
            results = ingest_unhindered(
                uow,
                [
                    (channel, app_message(channel, "c-1", "Это Анна", "email:anna@пример.рф")),
                    (channel, app_message(channel, "c-2", "Hello", "email:john@example.com")),
                ],
                now=NOW,
            )
            uow.commit()
        assert results[0] is None
        assert results[1] is not None
        assert stored_external_ids(container) == {"anna-0", "c-2"}


def test_ingest_and_commit_stores_the_free_messages_at_once_and_the_held_up_ones_when_the_lock_is_freed(
    container: Container, channel: ChannelInfo, anna: uuid.UUID
) -> None:
    messages = [
        app_message(channel, "h-1", "Где мой заказ?", "phone:+79165550202"),
        app_message(channel, "h-2", "Where is my parcel?", "email:john@example.com"),
    ]
    release = threading.Event()

    def hold() -> None:
        with held_elsewhere(container, (channel.tenant_id, "phone:+79165550202")):
            holding.set()
            assert release.wait(10)

    holding = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(hold)
        assert holding.wait(10)
        storing = pool.submit(ingest_and_commit, container, channel, messages)
        # the free message is committed while the other waits for the lock
        deadline = time.monotonic() + 10
        while "h-2" not in stored_external_ids(container):
            assert time.monotonic() < deadline, "the free message was not committed"
            time.sleep(0.01)
        assert not storing.done()
        assert "h-1" not in stored_external_ids(container)
        release.set()
        holder.result(timeout=10)
        results = storing.result(timeout=10)
    assert [result.duplicate for result in results] == [False, False]
    assert results[0].customer_id == anna
    with container.engine.connect() as connection:
        rows = connection.execute(
            select(Message.id, Message.external_id).where(Message.external_id.in_(["h-1", "h-2"]))
        )
        assert {external_id: message_id for message_id, external_id in rows} == {
            "h-1": results[0].message_id,
            "h-2": results[1].message_id,
        }


def test_a_message_that_goes_alone_is_set_aside_too_when_its_customer_is_held_elsewhere(
    container: Container, channel: ChannelInfo, anna: uuid.UUID
) -> None:
    auto_reply = app_message(channel, "auto-1", "Я в отпуске до понедельника", "email:anna@пример.рф")
    auto_reply = replace(auto_reply, auto_generated=True)  # an auto-reply goes alone
    with held_elsewhere(container, customer_lock(channel.tenant_id, anna)):
        with container.uow() as uow:
            results = ingest_unhindered(
                uow,
                [(channel, auto_reply), (channel, app_message(channel, "free-1", "你好", "wechat:o6_li"))],
                now=NOW,
            )
            uow.commit()
        assert results[0] is None and results[1] is not None
        assert stored_external_ids(container) == {"anna-0", "free-1"}


def test_one_statement_finds_the_identities_and_takes_the_free_locks_of_addresses_and_customers(
    container: Container, channel: ChannelInfo, anna: uuid.UUID
) -> None:
    tenant = channel.tenant_id
    held_address = (tenant, "wechat:o6_busy")
    free_address = (tenant, "phone:+79165550202")
    claims = [IdentityClaim("phone", "+79165550202", verified=True), IdentityClaim("wechat", "o6_new")]
    with (
        held_elsewhere(container, held_address),
        held_elsewhere(container, customer_lock(tenant, anna)),
        container.uow() as uow,
    ):
        found, busy = find_taking_free_locks(uow.session, tenant, claims, {held_address, free_address})
        # the known phone is found with its owner; the new WeChat id is not known
        assert [(known.claim_key, known.customer_id) for known, _ in found] == [("phone:+79165550202", anna)]
        # the address held elsewhere, and Anna (the server derived her key as lock_key does), are busy
        assert busy == {held_address, customer_lock(tenant, anna)}
        # the free address's lock is now this transaction's
        with container.engine.connect() as other:
            taken = other.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(*free_address)}
            ).scalar_one()
            assert taken is False
        uow.rollback()
