"""The visitor socket through the TestClient: handshake, exactly-once messages, history, live replies,
identity claims, refusals and limits. Each refusal is checked to have stored nothing."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from omniline.bootstrap import Container
from omniline.channels.webchat import limits
from omniline.channels.webchat.tokens import issue_visitor_token, user_hash
from omniline.customers.models import Identity
from omniline.messages.models import Message
from tests.channels.webchat.support import SITE, add_webchat_channel, widget
from tests.support import ApiWorld, row_counts


def test_a_new_visitor_gets_a_token_and_an_empty_history(world: ApiWorld, client: TestClient) -> None:
    channel = add_webchat_channel(world, greeting="Здравствуйте! 你好!")
    with widget(client, channel, token=None) as chat:
        welcome = chat.welcome
    visitor_id = uuid.UUID(welcome["visitor_id"])
    assert welcome["token"] == issue_visitor_token(channel["secret"], uuid.UUID(channel["id"]), visitor_id)
    assert welcome["messages"] == []
    assert welcome["conversation_id"] is None
    assert welcome["greeting"] == "Здравствуйте! 你好!"
    assert welcome["app_user_verified"] is False
    assert welcome["online"] is False  # no agent has the desk open


def test_an_agent_at_work_makes_the_chat_online_whichever_process_holds_their_desk(
    world: ApiWorld, client: TestClient
) -> None:
    """No live feed in this process (with several app processes it may be held by another), but an
    agent is at work by their presence: visitors are told someone is there; paused, nobody is."""
    channel = add_webchat_channel(world)
    presence = "/api/v1/agents/me/presence"
    assert client.put(presence, json={"state": "available"}, headers=world.agent_headers).status_code == 200
    with widget(client, channel, token=None) as chat:
        assert chat.welcome["online"] is True
    paused = {"state": "paused", "reason": "обед 午饭"}
    assert client.put(presence, json=paused, headers=world.agent_headers).status_code == 200
    with widget(client, channel, token=None) as chat:
        assert chat.welcome["online"] is False


def test_the_same_client_id_twice_stores_one_message(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        first = chat.say("Где мой заказ?", client_id="c0ffee-0001")
        token = chat.welcome["token"]
    # the browser lost the ack and sends its queue again after reconnecting
    with widget(client, channel, token=token) as chat:
        again = chat.say("Где мой заказ?", client_id="c0ffee-0001")
        other = chat.say("还有一个问题", client_id="c0ffee-0002")
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["message_id"] == first["message_id"]
    assert other["conversation_id"] == first["conversation_id"]
    with container.uow() as uow:
        rows = uow.session.scalars(select(Message).order_by(Message.id)).all()
        assert [(row.text, row.external_id, row.sender_identity) for row in rows] == [
            (
                "Где мой заказ?",
                f"{chat.welcome['visitor_id']}:c0ffee-0001",
                f"webchat:{chat.welcome['visitor_id']}",
            ),
            (
                "还有一个问题",
                f"{chat.welcome['visitor_id']}:c0ffee-0002",
                f"webchat:{chat.welcome['visitor_id']}",
            ),
        ]
        assert rows[0].channel_kind == "webchat" and rows[0].meta == {"offline": True}


def test_history_comes_back_on_reconnect_with_the_agents_reply(world: ApiWorld, client: TestClient) -> None:
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        ack = chat.say("Hello, is my order shipped?", client_id="client-1")
        token = chat.welcome["token"]
    reply = client.post(
        f"/api/v1/conversations/{ack['conversation_id']}/messages",
        json={"text": "Да, заказ отправлен."},
        headers=world.agent_headers,
    )
    assert reply.status_code == 201, reply.text
    with widget(client, channel, token=token) as chat:
        welcome = chat.welcome
    assert welcome["conversation_id"] == ack["conversation_id"]
    assert [(item["direction"], item["text"], item["client_id"]) for item in welcome["messages"]] == [
        ("in", "Hello, is my order shipped?", "client-1"),
        ("out", "Да, заказ отправлен.", None),
    ]
    assert welcome["messages"][1]["author"] == "agent"
    assert set(welcome["messages"][1]) == {"id", "direction", "text", "author", "sent_at", "client_id"}


def test_an_agent_reply_reaches_the_open_widget_at_once(world: ApiWorld, client: TestClient) -> None:
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        ack = chat.say("你好，请问退款到账了吗？")
        typing = client.post(
            f"/api/v1/webchat/conversations/{ack['conversation_id']}/typing",
            json={"active": True},
            headers=world.agent_headers,
        )
        assert typing.status_code == 202
        assert chat.expect("typing") == {"type": "typing", "active": True}
        reply = client.post(
            f"/api/v1/conversations/{ack['conversation_id']}/messages",
            json={"text": "退款已经到账。"},
            headers=world.agent_headers,
        )
        frame = chat.expect("message")
        while frame["message"]["direction"] != "out":  # our own message comes back to every tab too
            frame = chat.expect("message")
    assert frame["message"] == {
        "id": reply.json()["id"],
        "direction": "out",
        "text": "退款已经到账。",
        "author": "agent",
        "sent_at": reply.json()["sent_at"],
        "client_id": None,
    }


def test_a_forged_visitor_token_is_refused(world: ApiWorld, client: TestClient, container: Container) -> None:
    channel = add_webchat_channel(world)
    forged = issue_visitor_token("not-the-channel-secret", uuid.UUID(channel["id"]), uuid.uuid4())
    before = row_counts(container)
    with client.websocket_connect(f"/webchat/{channel['id']}/ws", headers={"origin": SITE}) as ws:
        ws.send_json({"type": "hello", "token": forged})
        assert ws.receive_json()["code"] == "bad_token"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401
    assert row_counts(container) == before


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_a_page_from_another_origin_is_refused(
    world: ApiWorld, client: TestClient, container: Container, origin: str | None
) -> None:
    channel = add_webchat_channel(world)
    headers = {"origin": origin} if origin else {}
    before = row_counts(container)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(f"/webchat/{channel['id']}/ws", headers=headers),
    ):
        pass
    assert refused.value.code == 4403
    assert row_counts(container) == before


def test_an_unknown_channel_or_another_kind_is_refused(world: ApiWorld, client: TestClient) -> None:
    for channel_id in (world.channel["id"], str(uuid.uuid4()), "not-a-uuid"):
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(f"/webchat/{channel_id}/ws", headers={"origin": SITE}),
        ):
            pass


def test_a_wrong_user_hash_links_no_app_identity(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    channel = add_webchat_channel(world)
    with client.websocket_connect(f"/webchat/{channel['id']}/ws", headers={"origin": SITE}) as ws:
        ws.send_json({"type": "hello", "user_id": "42", "user_hash": user_hash("guess", "42")})
        assert ws.receive_json()["code"] == "user_not_verified"
        assert ws.receive_json()["app_user_verified"] is False
        ws.send_json({"type": "message", "client_id": "msg-00001", "text": "I am user 42"})
        assert ws.receive_json()["type"] == "ack"
    with container.uow() as uow:
        kinds = uow.session.scalars(select(Identity.kind).where(Identity.tenant_id == world.tenant_id)).all()
    assert sorted(kinds) == ["webchat"]


def test_a_right_user_hash_links_the_app_identity_and_finds_the_customer(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    channel = add_webchat_channel(world)
    # the app already knows user 42 (from the mobile app channel)
    posted = world.post_app_message(
        {
            "external_id": "app-1",
            "sender": {"identities": ["app:42"], "name": "Анна"},
            "text": "Из приложения",
            "sent_at": "2026-11-23T10:00:00+00:00",
        }
    )
    assert posted.status_code == 202
    hello = {"user_id": "42", "user_hash": user_hash(channel["secret"], "42")}
    with widget(client, channel, **hello) as chat:
        assert chat.welcome["app_user_verified"] is True
        ack = chat.say("А теперь из чата на сайте")
    with container.uow() as uow:
        identities = uow.session.execute(
            select(Identity.kind, Identity.customer_id, Identity.verified)
            .where(Identity.tenant_id == world.tenant_id)
            .order_by(Identity.kind)
        ).all()
        message_customer = uow.session.get_one(Message, uuid.UUID(ack["message_id"])).customer_id
    assert [tuple(row) for row in identities] == [
        ("app", uuid.UUID(posted.json()["customer_id"]), True),
        ("webchat", uuid.UUID(posted.json()["customer_id"]), True),
    ]
    assert message_customer == uuid.UUID(posted.json()["customer_id"])
    # the same user on another device (a new visitor) sees that chat's history
    with widget(client, channel, **hello) as chat:
        assert [item["text"] for item in chat.welcome["messages"]] == ["А теперь из чата на сайте"]


def test_messages_over_the_size_limit_are_refused(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        before = row_counts(container)
        chat.send(type="message", client_id="too-long-1", text="я" * 4001)
        error = chat.expect("error")
        chat.send(type="message", client_id="bad id!", text="hi")
        invalid = chat.expect("error")
        chat.ws.send_text("{not json")
        malformed = chat.expect("error")
    assert error == {
        "type": "error",
        "code": "too_long",
        "message": "messages are limited to 4000 characters",
        "client_id": "too-long-1",
    }
    assert invalid["code"] == "invalid" and malformed["code"] == "malformed"
    assert row_counts(container) == before


def test_a_visitor_who_floods_is_rate_limited(
    world: ApiWorld, client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "VISITOR_LIMIT", limits.RateLimiter(capacity=3, per_second=0.001))
    monkeypatch.setattr("omniline.channels.webchat.connection.VISITOR_LIMIT", limits.VISITOR_LIMIT)
    channel = add_webchat_channel(world)
    with widget(client, channel) as chat:
        for number in range(3):
            chat.say(f"сообщение {number}")
        before = row_counts(container)
        chat.send(type="message", client_id="flood-0004", text="ещё одно")
        error = chat.expect("error")
    assert error["code"] == "rate_limited" and error["client_id"] == "flood-0004"
    assert row_counts(container) == before


def test_one_address_is_limited_across_visitors(
    world: ApiWorld, client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "omniline.channels.webchat.connection.IP_LIMIT", limits.RateLimiter(capacity=2, per_second=0.001)
    )
    channel = add_webchat_channel(world)
    with widget(client, channel) as first, widget(client, channel) as second:
        first.say("one")
        second.say("two")
        second.send(type="message", client_id="third-0003", text="three")
        assert second.expect("error")["code"] == "rate_limited"
    with container.uow() as uow:
        assert uow.session.scalars(select(Message.text).order_by(Message.id)).all() == ["one", "two"]


def test_visitor_typing_reaches_the_agents_feed(world: ApiWorld, client: TestClient) -> None:
    channel = add_webchat_channel(world)
    token = world.agent_headers["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/ws?access_token={token}") as agent:
        assert agent.receive_json()["type"] == "hello"
        with widget(client, channel) as chat:
            assert chat.welcome["online"] is True  # an agent has the desk open
            ack = chat.say("Минутку, сейчас напишу")
            chat.send(type="typing", active=True)
            seen = agent.receive_json()
            while seen["type"] != "webchat.typing":
                seen = agent.receive_json()
    assert seen["data"] == {
        "conversation_id": ack["conversation_id"],
        "visitor_id": chat.welcome["visitor_id"],
        "active": True,
    }


def test_outside_business_hours_the_widget_collects_an_email(
    world: ApiWorld, client: TestClient, container: Container
) -> None:
    from datetime import UTC, datetime

    from tests.channels.webchat.support import add_email_channel_row

    mailbox_id = add_email_channel_row(container, world.tenant_id)
    hours = {"timezone": "Europe/Moscow", "days": {"mon": ["09:00", "18:00"]}}
    channel = add_webchat_channel(world, business_hours=hours)
    container.clock = lambda: datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Monday 23:00 in Moscow
    token = world.agent_headers["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/ws?access_token={token}") as agent:
        assert agent.receive_json()["type"] == "hello"
        with widget(client, channel) as chat:
            assert chat.welcome["online"] is False  # an agent is connected, but it is after hours
            ack = chat.say("Можно вернуть товар?")
            chat.send(type="offline_email", email="Olga@Example.RU")
            recorded = chat.expect("offline_email")
    assert recorded == {"type": "offline_email", "status": "recorded", "email": "olga@example.ru"}
    with container.uow() as uow:
        rows = uow.session.execute(
            select(Message.text, Message.event, Message.meta, Message.conversation_id).order_by(Message.id)
        ).all()
        kinds = uow.session.scalars(select(Identity.kind)).all()
    assert [tuple(row[:3]) for row in rows] == [
        ("Можно вернуть товар?", None, {"offline": True}),
        (
            "Reply by e-mail: olga@example.ru",
            "webchat.offline_email",
            {
                "offline": True,
                "reply_by_email": "olga@example.ru",
                "reply_channel_id": str(mailbox_id),
                "unverified_claims": ["email:olga@example.ru"],
            },
        ),
    ]
    assert {str(row[3]) for row in rows} == {ack["conversation_id"]}
    assert sorted(kinds) == ["webchat"]  # the typed address links nothing
