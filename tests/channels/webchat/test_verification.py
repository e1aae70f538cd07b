"""The pre-chat e-mail: linked only after the mailed code comes back; a confirmed address that another
customer owns (Anna, who mailed yesterday) merges the two, and the chat joins the case her mail opened."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.models import Delivery
from omniline.channels.service import load_channel_info
from omniline.channels.webchat.limits import RateLimiter
from omniline.customers.identities import IdentityClaim
from omniline.customers.models import Customer, CustomerMerge, Identity, IdentityVerification
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.ingest import ingest_message
from tests.channels.webchat.support import Widget, add_email_channel_row, add_webchat_channel, widget
from tests.support import ApiWorld, row_counts


def _mailed_code(container: Container, address: str) -> str:
    with container.uow() as uow:
        payloads = uow.session.scalars(select(Delivery.payload).order_by(Delivery.id)).all()
    mails = [item for item in payloads if item["recipient"] == f"email:{address}"]
    assert mails, f"no code was mailed to {address}"
    found = re.search(r"Your code: (\d{6})", mails[-1]["text"])
    assert found is not None
    return found.group(1)


def _identity_rows(container: Container, tenant_id: uuid.UUID) -> list[tuple[str, str, bool]]:
    with container.uow() as uow:
        rows = uow.session.execute(
            select(Identity.kind, Identity.address, Identity.verified)
            .where(Identity.tenant_id == tenant_id)
            .order_by(Identity.kind, Identity.address)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _ask_for_code(chat: Widget, email: str) -> dict[str, object]:
    chat.send(type="prechat", name="Анна", email=email)
    return chat.expect("verification")


def test_the_code_is_mailed_through_the_outbox_and_a_wrong_code_links_nothing(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    mailbox_id = add_email_channel_row(container, world.tenant_id)
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        sent = _ask_for_code(chat, "Anna@Example.com")
        assert sent["status"] == "sent"
        with container.uow() as uow:
            delivery = uow.session.scalars(select(Delivery)).one()
            assert (delivery.channel_id, delivery.status) == (mailbox_id, "pending")
            assert delivery.payload["recipient"] == "email:anna@example.com"
            assert delivery.payload["subject"].startswith("Your chat verification code")
        code = _mailed_code(container, "anna@example.com")
        before = row_counts(container)
        chat.send(type="verify", code=f"{(int(code) + 1) % 1_000_000:06d}")
        assert chat.expect("verification")["status"] == "wrong_code"
    assert row_counts(container) == before  # only the attempt counter moved
    assert _identity_rows(container, world.tenant_id) == [("webchat", chat.welcome["visitor_id"], True)]
    with container.uow() as uow:
        verification = uow.session.scalars(select(IdentityVerification)).one()
        assert (verification.attempts, verification.confirmed_at) == (1, None)
        assert code not in verification.code_hash


def test_the_right_code_links_the_address(world: ApiWorld, client: TestClient, container: Container) -> None:
    add_email_channel_row(container, world.tenant_id)
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        _ask_for_code(chat, "ivan@example.ru")
        chat.send(type="verify", code=_mailed_code(container, "ivan@example.ru"))
        assert chat.expect("verification")["status"] == "confirmed"
    assert _identity_rows(container, world.tenant_id) == [
        ("email", "ivan@example.ru", True),
        ("webchat", chat.welcome["visitor_id"], True),
    ]


def test_an_expired_code_is_refused(world: ApiWorld, client: TestClient, container: Container) -> None:
    add_email_channel_row(container, world.tenant_id)
    channel = add_webchat_channel(world)
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    container.clock = lambda: start
    with widget(client, channel) as chat:
        _ask_for_code(chat, "late@example.com")
        code = _mailed_code(container, "late@example.com")
        container.clock = lambda: start + timedelta(minutes=15, seconds=1)
        chat.send(type="verify", code=code)
        assert chat.expect("verification")["status"] == "expired"
    assert [row[0] for row in _identity_rows(container, world.tenant_id)] == ["webchat"]


def test_five_wrong_codes_lock_the_verification(
    world: ApiWorld, client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the visitor's token bucket would stop this burst first; here we test the verification's own limit
    monkeypatch.setattr(
        "omniline.channels.webchat.connection.VISITOR_LIMIT", RateLimiter(capacity=100, per_second=1)
    )
    add_email_channel_row(container, world.tenant_id)
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        _ask_for_code(chat, "guess@example.com")
        code = _mailed_code(container, "guess@example.com")
        wrong = f"{(int(code) + 7) % 1_000_000:06d}"
        outcomes = []
        for attempt in [wrong] * 5 + [code]:
            chat.send(type="verify", code=attempt)
            outcomes.append(chat.expect("verification")["status"])
    assert outcomes == ["wrong_code"] * 5 + ["too_many_attempts"]
    assert [row[0] for row in _identity_rows(container, world.tenant_id)] == ["webchat"]


def test_without_an_email_channel_no_code_is_sent_and_nothing_is_linked(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        assert _ask_for_code(chat, "anna@example.com")["status"] == "no_email_channel"
        chat.say("Здравствуйте")
    assert [row[0] for row in _identity_rows(container, world.tenant_id)] == ["webchat"]
    with container.uow() as uow:
        meta = uow.session.scalars(select(Message.meta)).one()
    assert meta == {"offline": True, "unverified_claims": ["email:anna@example.com"]}


def test_anna_who_mailed_yesterday_confirms_her_address_in_the_chat(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    # given Anna's mail from yesterday, which opened a case
    add_email_channel_row(container, world.tenant_id)
    with container.uow() as uow:
        api_channel = load_channel_info(uow.session, uuid.UUID(world.channel["id"]))
    yesterday = container.clock() - timedelta(days=1)
    mail = InboundMessage(
        channel_id=api_channel.id,
        external_id="mail-<anna-1@example.com>",
        identities=(IdentityClaim("email", "anna@example.com"),),
        text="Мой заказ 45821 не пришёл",
        sent_at=yesterday,
        sender_name="Anna Ivanova",
    )
    with container.uow() as uow:
        anna = ingest_message(uow, api_channel, mail, now=yesterday)
        uow.commit()
    channel = add_webchat_channel(world)

    # when she opens the chat, confirms the same address, and writes
    with widget(client, channel) as chat:
        _ask_for_code(chat, "ANNA@example.com")
        chat.send(type="verify", code=_mailed_code(container, "anna@example.com"))
        assert chat.expect("verification")["status"] == "confirmed"
        ack = chat.say("Я писала вчера про заказ 45821")

    # then she is one customer with one timeline, and the chat joined the case her mail opened
    with container.uow() as uow:
        session = uow.session
        live = session.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None))).all()
        assert live == [anna.customer_id]
        merge = session.scalars(select(CustomerMerge)).one()
        assert (merge.survivor_id, merge.actor, merge.reason) == (
            anna.customer_id,
            "system:webchat",
            "e-mail confirmed in web chat",
        )
        chat_message = session.get_one(Message, uuid.UUID(ack["message_id"]))
        assert (chat_message.customer_id, chat_message.case_id) == (anna.customer_id, anna.case_id)
    timeline = client.get(
        f"/api/v1/customers/{anna.customer_id}/timeline", headers=world.agent_headers
    ).json()["items"]
    # the mail opened the case and was routed; the chat message joined it and its waiting work
    assert [item["type"] for item in timeline] == [
        "message.received",
        "customer.merged",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    messages = [
        (item["channel_kind"], item["message"]["text"])
        for item in timeline
        if item["type"] == "message.received"
    ]
    assert messages == [("webchat", "Я писала вчера про заказ 45821"), ("api", "Мой заказ 45821 не пришёл")]
    assert {item["case_id"] for item in timeline if item["type"].startswith("message.")} == {
        str(anna.case_id)
    }
