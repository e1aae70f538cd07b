"""Two batches in flight at once on PostgreSQL (the group commit runs two writers there): the second
waits at its addresses' locks (pipeline/address_locks.py) instead of creating the same identity and
failing on the unique index."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.customers.models import Identity
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.address_locks import address_key
from omniline.pipeline.batch import ingest_batch
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
    assert address_key(tenant, "phone:+79165550101") == address_key(tenant, "phone:+79165550101")
    assert address_key(tenant, "phone:+79165550101") != address_key(uuid.uuid4(), "phone:+79165550101")
    assert -(2**63) <= address_key(tenant, "email:анна@пример.рф") < 2**63
