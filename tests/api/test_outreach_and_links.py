"""Replies with files and their download; writing to a customer on another channel (an SMS to a caller,
an e-mail to a chat visitor, whose answer threads back); linking a conversation to another case. Each
refusal is checked to store nothing."""

import email
import email.policy
import smtplib
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.channels.models import ChannelOptOut, Delivery
from omniline.conversations.models import Conversation
from omniline.customers.models import Identity
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.routing.models import Task
from omniline.routing.sla_service import running_clocks
from omniline.security.models import AuditEntry
from omniline.settings import Settings
from omniline.timeline.models import TimelineEvent
from tests.channels.email.support import ADDRESS, SinkHandler, running_listener, smtp_sink, wait_for
from tests.channels.sms.support import make_twilio_channel, sms_config
from tests.channels.sms.twilio_api import PNG, TwilioApi, twilio_api
from tests.channels.voice.support import post_abandoned_call
from tests.channels.webchat.support import add_webchat_channel, widget
from tests.conftest import make_settings
from tests.support import ApiWorld, app_message, drain_outbox, make_world, row_counts

MAX_FILE_BYTES = 4096
CALLER = "+8613800138000"  # the abandoned call's number (tests/channels/voice/fixtures)


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(
        database_url, max_file_bytes=MAX_FILE_BYTES, files_dir=str(tmp_path_factory.mktemp("files"))
    )


@pytest.fixture
def twilio() -> Iterator[TwilioApi]:
    with twilio_api() as server:
        yield server


def _conversation(world: ApiWorld, external_id: str = "m-1", **extra: Any) -> dict[str, Any]:
    response = world.post_app_message(app_message(external_id, ["app:anna"], **extra))
    assert response.status_code == 202, response.text
    return dict(response.json())


def _audit_actions(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# ---- files on replies ----


def test_a_reply_with_files_stores_them_and_they_download_as_attachments(
    container: Container, world: ApiWorld
) -> None:
    ids = _conversation(world)

    response = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        data={"text": "Квитанция и фото / 收据"},
        files=[
            ("files", ("квитанция 2026.txt", "Сумма: 100 ₽".encode(), "text/plain")),
            ("files", ("photo.html", PNG, "text/html")),  # the declared type is not trusted
        ],
        headers=world.agent_headers,
    )

    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["text"] == "Квитанция и фото / 收据"
    assert sent["attachments"] == [
        {
            "filename": "квитанция 2026.txt",
            "content_type": "text/plain",
            "size": len("Сумма: 100 ₽".encode()),
        },
        {"filename": "photo.html", "content_type": "image/png", "size": len(PNG)},
    ]
    with container.uow() as uow:
        payload = uow.session.scalars(select(Delivery.payload)).one()
    assert [item["filename"] for item in payload["attachments"]] == ["квитанция 2026.txt", "photo.html"]
    assert all(item["storage_key"] for item in payload["attachments"])

    first = world.client.get(f"/api/v1/messages/{sent['id']}/attachments/0", headers=world.agent_headers)
    assert first.status_code == 200
    assert first.content == "Сумма: 100 ₽".encode()
    assert first.headers["content-type"].startswith("text/plain")
    assert first.headers["content-disposition"] == (
        'attachment; filename="_________ 2026.txt"; '
        "filename*=UTF-8''%D0%BA%D0%B2%D0%B8%D1%82%D0%B0%D0%BD%D1%86%D0%B8%D1%8F%202026.txt"
    )
    assert first.headers["x-content-type-options"] == "nosniff"
    second = world.client.get(f"/api/v1/messages/{sent['id']}/attachments/1", headers=world.agent_headers)
    assert (second.content, second.headers["content-type"]) == (PNG, "image/png")


def test_an_html_file_is_served_as_bytes_never_as_a_page(container: Container, world: ApiWorld) -> None:
    ids = _conversation(world)
    page = b"<html><script>alert(1)</script></html>"
    sent = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        data={"text": ""},
        files=[("files", ("x;a.html", page, "text/html"))],
        headers=world.agent_headers,
    ).json()

    response = world.client.get(f"/api/v1/messages/{sent['id']}/attachments/0", headers=world.agent_headers)

    assert response.content == page
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith('attachment; filename="x_a.html"; ')
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"


def test_a_file_above_the_limit_is_refused_with_413_and_nothing_is_stored(
    container: Container, world: ApiWorld
) -> None:
    ids = _conversation(world)
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        data={"text": "big"},
        files=[("files", ("big.bin", b"x" * (MAX_FILE_BYTES + 1), "application/octet-stream"))],
        headers=world.agent_headers,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [({"text": "   "}, 422), ({"text": "x", "extra": 1}, 422), (b"{not json", 400)],
)
def test_the_json_reply_keeps_its_validation(
    container: Container, world: ApiWorld, body: Any, status: int
) -> None:
    ids = _conversation(world)
    before = row_counts(container)
    url = f"/api/v1/conversations/{ids['conversation_id']}/messages"

    if isinstance(body, bytes):
        headers = world.agent_headers | {"Content-Type": "application/json"}
        response = world.client.post(url, content=body, headers=headers)
    else:
        response = world.client.post(url, json=body, headers=world.agent_headers)

    assert response.status_code == status, response.text
    assert row_counts(container) == before


def test_another_tenants_agent_cannot_download_a_file(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    ids = _conversation(world)
    sent = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        data={"text": "file"},
        files=[("files", ("a.txt", b"secret", "text/plain"))],
        headers=world.agent_headers,
    ).json()
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")

    response = client.get(f"/api/v1/messages/{sent['id']}/attachments/0", headers=other.agent_headers)
    missing = client.get(f"/api/v1/messages/{sent['id']}/attachments/5", headers=world.agent_headers)

    assert response.status_code == 404
    assert missing.status_code == 404


# ---- writing on another channel ----


def _caller(world: ApiWorld) -> dict[str, str]:
    """A caller who hung up in the queue: a customer with a phone identity and an open case."""
    ids = post_abandoned_call(world)
    return {
        "customer_id": ids["customer_id"],
        "case_id": ids["case_id"],
        "conversation_id": ids["conversation_id"],
    }


def test_an_sms_to_a_caller_goes_out_on_the_sms_channel_for_the_same_case(
    container: Container, world: ApiWorld, twilio: TwilioApi
) -> None:
    caller = _caller(world)
    sms = make_twilio_channel(world, "sms", sms_config(twilio.url))

    response = world.client.post(
        f"/api/v1/customers/{caller['customer_id']}/messages",
        json={
            "channel_id": sms.id,
            "to": f"phone:{CALLER}",
            "text": "Мы перезвоним через 10 минут. 稍后回电。",
            "case_id": caller["case_id"],
        },
        headers=world.agent_headers,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"]["channel_kind"] == "sms"
    assert body["message"]["case_id"] == caller["case_id"]
    assert body["message"]["delivery"]["status"] == "pending"
    assert body["conversation_id"] != caller["conversation_id"]
    drain_outbox(container)
    (request,) = twilio.received
    form = parse_qs(request.body.decode())
    assert form["To"] == [CALLER]
    assert form["Body"] == ["Мы перезвоним через 10 минут. 稍后回电。"]
    with container.uow() as uow:
        conversation = uow.session.get_one(Conversation, uuid.UUID(body["conversation_id"]))
        identity = uow.session.get_one(Identity, conversation.identity_id)
        events = uow.session.scalars(
            select(TimelineEvent.type).where(TimelineEvent.conversation_id == conversation.id)
        ).all()
        assert (str(conversation.channel_id), str(conversation.case_id)) == (sms.id, caller["case_id"])
        assert (identity.kind, identity.address) == ("phone", CALLER)
    assert events == ["message.sent"]
    assert _audit_actions(container)[-1] == "message.sent"


def test_a_second_sms_continues_the_same_sms_conversation(
    container: Container, world: ApiWorld, twilio: TwilioApi
) -> None:
    caller = _caller(world)
    sms = make_twilio_channel(world, "sms", sms_config(twilio.url))
    url = f"/api/v1/customers/{caller['customer_id']}/messages"
    body = {"channel_id": sms.id, "to": CALLER, "text": "one", "case_id": caller["case_id"]}

    first = world.client.post(url, json=body, headers=world.agent_headers).json()
    second = world.client.post(url, json=body | {"text": "two"}, headers=world.agent_headers).json()

    assert first["conversation_id"] == second["conversation_id"]


def test_an_email_to_a_chat_visitor_threads_the_answer_back_into_the_conversation(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    chat = add_webchat_channel(world)
    with widget(client, chat) as visitor:
        visitor.say("Где мой заказ? 我的订单在哪里？")
    with container.uow() as uow:
        customer_id, case_id = uow.session.execute(
            select(Message.customer_id, Message.case_id).where(Message.direction == "in")
        ).one()
    sink = SinkHandler()
    with smtp_sink(sink) as smtp_port, running_listener(container) as listener_port:
        config = {"address": ADDRESS, "smtp": {"host": "127.0.0.1", "port": smtp_port, "tls": "none"}}
        mailbox = world.client.post(
            "/api/v1/channels",
            json={"kind": "email", "name": "Support", "config": config},
            headers=world.admin_headers,
        ).json()

        response = world.client.post(
            f"/api/v1/customers/{customer_id}/messages",
            json={
                "channel_id": mailbox["id"],
                "to": "Anna@Example.COM",
                "subject": "Ваш заказ 45821",
                "text": "Заказ отправлен сегодня.",
                "case_id": str(case_id),
            },
            headers=world.agent_headers,
        )
        assert response.status_code == 201, response.text
        sent = response.json()
        drain_outbox(container)
        ((_, recipients, raw),) = sink.received
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        our_id = f"<{sent['message']['id']}@demo.omniline.local>"
        assert recipients == ["anna@example.com"]
        # The first mail of a thread we start answers nothing: no "Re:", but the case token.
        assert (mail["Message-ID"], mail["Subject"]) == (our_id, "Ваш заказ 45821 [#C-1]")

        answer = EmailMessage()
        answer["From"], answer["To"], answer["Subject"] = "anna@example.com", ADDRESS, "Re: Ваш заказ"
        answer["Message-ID"], answer["In-Reply-To"] = "<answer-1@example.com>", our_id
        answer.set_content("Спасибо!")
        with smtplib.SMTP("127.0.0.1", listener_port) as smtp:
            smtp.send_message(answer)
        wait_for(lambda: _message_count(container) == 3)

    with container.uow() as uow:
        reply = uow.session.execute(
            select(Message.conversation_id, Message.case_id).where(
                Message.channel_kind == "email", Message.direction == "in"
            )
        ).one()
        identity = uow.session.execute(
            select(Identity.address, Identity.verified).where(
                Identity.kind == "email", Identity.customer_id == customer_id
            )
        ).one()
    assert (str(reply.conversation_id), reply.case_id) == (sent["conversation_id"], case_id)
    assert tuple(identity) == ("anna@example.com", False)
    assert "identity.added" in _audit_actions(container)


def _message_count(container: Container) -> int:
    with container.uow() as uow:
        return len(uow.session.scalars(select(Message.id)).all())


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"channel_id": "unknown"}, 404, "not_found"),
        ({"to": "email:anna@example.com"}, 422, "invalid_input"),
        ({"to": "not a phone"}, 422, "invalid_input"),
        ({"channel_id": "voice"}, 422, "invalid_input"),
        ({"to": "phone:+79161234567"}, 409, "conflict"),  # another customer's number
        ({"case_id": "other customer"}, 422, "invalid_input"),
        ({"case_id": "other tenant"}, 404, "not_found"),
        ({"opted_out": True}, 409, "opted_out"),
        ({"text": "  "}, 422, "invalid_input"),
    ],
)
def test_refused_outreach_stores_nothing(
    container: Container,
    client: TestClient,
    world: ApiWorld,
    twilio: TwilioApi,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    caller = _caller(world)
    sms = make_twilio_channel(world, "sms", sms_config(twilio.url))
    someone = world.post_app_message(app_message("m-9", ["app:boris", "phone:+79161234567"])).json()
    stranger = make_world(container, client, slug=f"s{uuid.uuid4().hex[:8]}")
    foreign = stranger.post_app_message(app_message("m-1", ["app:zed"])).json()
    with container.uow() as uow:
        if change.pop("opted_out", False):
            uow.session.add(
                ChannelOptOut(
                    id=new_id(), tenant_id=world.tenant_id, channel_id=uuid.UUID(sms.id), address=CALLER
                )
            )
        uow.commit()
    voice_channel = _channel_of(container, uuid.UUID(caller["conversation_id"]))
    body = {"channel_id": sms.id, "to": CALLER, "text": "Перезвоним", "case_id": caller["case_id"]} | change
    body["channel_id"] = {"unknown": str(uuid.uuid4()), "voice": voice_channel}.get(
        body["channel_id"], body["channel_id"]
    )
    body["case_id"] = {"other customer": someone["case_id"], "other tenant": foreign["case_id"]}.get(
        body["case_id"], body["case_id"]
    )
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/customers/{caller['customer_id']}/messages", json=body, headers=world.agent_headers
    )

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert row_counts(container) == before


def _channel_of(container: Container, conversation_id: uuid.UUID) -> str:
    with container.uow() as uow:
        return str(uow.session.get_one(Conversation, conversation_id).channel_id)


def test_another_tenants_customer_cannot_be_written_to(
    container: Container, client: TestClient, world: ApiWorld, twilio: TwilioApi
) -> None:
    caller = _caller(world)
    stranger = make_world(container, client, slug=f"s{uuid.uuid4().hex[:8]}")
    sms = make_twilio_channel(stranger, "sms", sms_config(twilio.url))
    before = row_counts(container)

    response = client.post(
        f"/api/v1/customers/{caller['customer_id']}/messages",
        json={"channel_id": sms.id, "to": CALLER, "text": "hi"},
        headers=stranger.agent_headers,
    )

    assert response.status_code == 404
    assert row_counts(container) == before


# ---- linking a conversation to another case ----


def _two_cases(world: ApiWorld) -> tuple[dict[str, Any], dict[str, Any]]:
    """Anna's first conversation (case C-1, resolved) and a later one in another thread (case C-2)."""
    first = _conversation(world, "m-1", thread_id="order-1")
    resolved = world.client.post(f"/api/v1/cases/{first['case_id']}/resolve", headers=world.agent_headers)
    assert resolved.status_code == 200, resolved.text
    second = _conversation(world, "m-2", thread_id="order-2", text="Снова про заказ")
    assert second["case_id"] != first["case_id"]
    return first, second


def _link(world: ApiWorld, conversation: dict[str, Any], case_id: str) -> Any:
    """The agent links the conversation to the case."""
    return world.client.post(
        f"/api/v1/conversations/{conversation['conversation_id']}/case",
        json={"case_id": case_id},
        headers=world.agent_headers,
    )


def test_linking_a_conversation_moves_it_and_its_work_to_the_other_case(
    container: Container, world: ApiWorld
) -> None:
    first, second = _two_cases(world)
    with container.uow() as uow:  # routing gave the new conversation its task
        (task_id,) = uow.session.scalars(
            select(Task.id).where(Task.conversation_id == uuid.UUID(second["conversation_id"]))
        ).all()

    response = _link(world, second, first["case_id"])

    assert response.status_code == 200, response.text
    assert (response.json()["case_id"], response.json()["previous_case_id"]) == (
        first["case_id"],
        second["case_id"],
    )
    with container.uow() as uow:
        conversation_case = uow.session.get_one(Conversation, uuid.UUID(second["conversation_id"])).case_id
        message_case = uow.session.get_one(Message, uuid.UUID(second["message_id"])).case_id
        task_case = uow.session.get_one(Task, task_id).case_id
        event = uow.session.execute(
            select(TimelineEvent.case_id, TimelineEvent.data).where(
                TimelineEvent.type == "conversation.linked"
            )
        ).one()
    assert str(conversation_case) == first["case_id"]
    assert str(message_case) == second["case_id"]  # what was written stays in its case
    assert str(task_case) == first["case_id"]
    assert (str(event.case_id), event.data) == (
        first["case_id"],
        {"from_case_id": second["case_id"], "from_number": 2, "to_number": 1},
    )
    assert "conversation.linked" in _audit_actions(container)


def test_linking_reopens_a_resolved_case_and_resolves_the_one_left_empty(
    container: Container, world: ApiWorld
) -> None:
    """C-1 was resolved and the customer came back about it in a chat that opened C-2: linked to C-1,
    the chat reopens C-1, and C-2, which no conversation serves any more, is resolved as `linked`, its
    clocks stopped (left running they would breach)."""
    first, second = _two_cases(world)
    with container.uow() as uow:
        assert running_clocks(uow.session, uuid.UUID(second["case_id"]))  # routing started C-2's clocks

    response = _link(world, second, first["case_id"])

    assert response.status_code == 200, response.text
    with container.uow() as uow:
        target = uow.session.get_one(Case, uuid.UUID(first["case_id"]))
        left = uow.session.get_one(Case, uuid.UUID(second["case_id"]))
        assert (target.status, target.reopen_count, target.resolved_at) == ("open", 1, None)
        assert [clock.kind for clock in running_clocks(uow.session, target.id)] == ["resolution"]
        assert (left.status, left.resolution_code) == ("resolved", "linked")
        assert running_clocks(uow.session, left.id) == []
        timeline = uow.session.execute(
            select(TimelineEvent.type, TimelineEvent.case_id).where(
                TimelineEvent.type.in_(["conversation.linked", "case.reopened", "case.resolved"])
            )
        ).all()
    assert [(row.type, str(row.case_id)) for row in timeline][-3:] == [
        ("conversation.linked", first["case_id"]),
        ("case.reopened", first["case_id"]),
        ("case.resolved", second["case_id"]),
    ]
    case_page = world.client.get(f"/api/v1/cases/{second['case_id']}", headers=world.agent_headers)
    assert case_page.json()["status"] == "resolved"


def test_a_case_that_keeps_another_conversation_stays_open_after_a_link(
    container: Container, world: ApiWorld
) -> None:
    first, second = _two_cases(world)
    third = _conversation(world, "m-3", thread_id="order-3", text="И ещё вопрос 还有一个问题")
    assert third["case_id"] == second["case_id"]  # the customer's open case serves both threads

    response = _link(world, second, first["case_id"])

    assert response.status_code == 200, response.text
    with container.uow() as uow:
        left = uow.session.get_one(Case, uuid.UUID(second["case_id"]))
        assert (left.status, left.resolution_code) == ("open", None)
        assert running_clocks(uow.session, left.id)
        assert uow.session.get_one(Case, uuid.UUID(first["case_id"])).status == "open"


@pytest.mark.parametrize(
    ("target", "status"),
    [("other customer", 422), ("other tenant", 404), ("same case", 409), ("nonsense", 422)],
)
def test_refused_links_change_nothing(
    container: Container, client: TestClient, world: ApiWorld, target: str, status: int
) -> None:
    _, second = _two_cases(world)
    boris = world.post_app_message(app_message("m-9", ["app:boris"])).json()
    stranger = make_world(container, client, slug=f"s{uuid.uuid4().hex[:8]}")
    foreign = stranger.post_app_message(app_message("m-1", ["app:zed"])).json()
    case_id = {
        "other customer": boris["case_id"],
        "other tenant": foreign["case_id"],
        "same case": second["case_id"],
        "nonsense": "C-1",
    }[target]
    before = row_counts(container)

    response = _link(world, second, case_id)

    assert response.status_code == status, response.text
    assert row_counts(container) == before
    with container.uow() as uow:
        assert (
            str(uow.session.get_one(Conversation, uuid.UUID(second["conversation_id"])).case_id)
            == second["case_id"]
        )
