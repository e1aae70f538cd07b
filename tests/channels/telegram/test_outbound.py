"""Agents' replies to Telegram users: sendMessage through the outbox, retried on flood control and
server errors, failed at once when the user blocked the bot."""

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.models import Delivery
from omniline.channels.telegram.adapter import TelegramChannelAdapter
from omniline.channels.telegram.outbound import split_text
from omniline.messages.normalized import OutboundMessage
from tests.channels.telegram.bot_api import BOT_TOKEN, fixture
from tests.channels.telegram.conftest import TelegramWorld
from tests.support import drain_outbox


def reply(telegram: TelegramWorld, text: str) -> dict[str, Any]:
    telegram.post_update(fixture("message_text.json"))
    customer = telegram.customer("telegram:1111111")
    assert customer is not None
    conversation_id = telegram.timeline(customer["id"])[0]["conversation_id"]
    response = telegram.client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"text": text},
        headers=telegram.api.agent_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def delivery(telegram: TelegramWorld, sent: dict[str, Any]) -> dict[str, Any]:
    response = telegram.client.get(
        f"/api/v1/deliveries/{sent['delivery']['id']}", headers=telegram.api.agent_headers
    )
    body: dict[str, Any] = response.json()
    return body


def provider_message_id(container: Container, delivery_id: str) -> str | None:
    with container.uow() as uow:
        return uow.session.scalar(
            select(Delivery.provider_message_id).where(Delivery.id == uuid.UUID(delivery_id))
        )


def test_a_reply_is_sent_to_the_users_chat(telegram: TelegramWorld, container: Container) -> None:
    # when the agent answers Anna and the outbox runs
    sent = reply(telegram, "Курьер приедет завтра с 10 до 14. 明天送到。")
    drain_outbox(container)

    # then the Bot API got exactly one sendMessage to her chat
    (call,) = telegram.bot_api.calls_to("sendMessage")
    assert call.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert call.headers["content-type"] == "application/json"
    assert call.body == {"chat_id": 1111111, "text": "Курьер приедет завтра с 10 до 14. 明天送到。"}
    # and the delivery is sent, with Telegram's message id kept for later reports
    assert (delivery(telegram, sent)["status"], delivery(telegram, sent)["attempts"]) == ("sent", 1)
    assert provider_message_id(container, sent["delivery"]["id"]) == "4242"


def test_flood_control_is_waited_out_and_retried(telegram: TelegramWorld, container: Container) -> None:
    # given Telegram throttles the first attempt
    telegram.bot_api.answer(
        "sendMessage", (429, fixture("too_many_requests.json")), (200, fixture("send_message_ok.json"))
    )

    sent = reply(telegram, "Ответ")
    drain_outbox(container)

    assert len(telegram.bot_api.calls_to("sendMessage")) == 2
    state = delivery(telegram, sent)
    assert (state["status"], state["attempts"], state["last_error"]) == ("sent", 2, None)


def test_a_server_error_is_retried(telegram: TelegramWorld, container: Container) -> None:
    bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    telegram.bot_api.answer("sendMessage", (502, bad_gateway), (200, fixture("send_message_ok.json")))

    sent = reply(telegram, "Ответ")
    drain_outbox(container)

    assert delivery(telegram, sent)["status"] == "sent"
    assert len(telegram.bot_api.calls_to("sendMessage")) == 2


def test_a_user_who_blocked_the_bot_fails_at_once_and_visibly(
    telegram: TelegramWorld, container: Container
) -> None:
    telegram.bot_api.answer("sendMessage", (403, fixture("bot_blocked.json")))

    sent = reply(telegram, "Ответ")
    drain_outbox(container)

    assert len(telegram.bot_api.calls_to("sendMessage")) == 1
    state = delivery(telegram, sent)
    assert (state["status"], state["attempts"]) == ("failed", 1)
    assert state["last_error"] == "HTTP 403: Forbidden: bot was blocked by the user"
    newest = telegram.timeline(sent["customer_id"])[0]
    assert (newest["type"], newest["message"]["id"]) == ("message.delivery_failed", sent["id"])


def test_a_long_reply_goes_out_in_pieces_telegram_accepts(
    telegram: TelegramWorld, container: Container
) -> None:
    text = ("Слово " * 700 + "\n") * 2  # 8,402 characters

    reply(telegram, text)
    drain_outbox(container)

    pieces = [call.body["text"] for call in telegram.bot_api.calls_to("sendMessage")]
    assert len(pieces) == 3
    assert all(len(piece) <= 4096 for piece in pieces)
    assert "".join(pieces) == text


def outbound(recipient: str, **extra: Any) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        channel_id=uuid.uuid4(),
        recipient=recipient,
        text="Ответ",
        sent_at=datetime(2026, 11, 23, tzinfo=UTC),
        **extra,
    )


def test_the_result_carries_telegrams_retry_after(telegram: TelegramWorld, container: Container) -> None:
    telegram.bot_api.answer("sendMessage", (429, fixture("too_many_requests.json")))

    result = TelegramChannelAdapter().send(
        telegram.info, outbound("telegram:1111111"), container.adapter_context
    )

    assert (result.ok, result.retryable, result.retry_after_seconds) == (False, True, 3.0)
    assert result.error == "HTTP 429: Too Many Requests: retry after 3"


def test_a_reply_context_chat_id_wins_and_a_foreign_recipient_is_refused(
    telegram: TelegramWorld, container: Container
) -> None:
    adapter, context = TelegramChannelAdapter(), container.adapter_context

    with_context = adapter.send(
        telegram.info, outbound("telegram:1111111", reply_context={"chat_id": 5550001}), context
    )
    foreign = adapter.send(telegram.info, outbound("email:anna@example.com"), context)

    assert with_context.ok
    assert [call.body["chat_id"] for call in telegram.bot_api.calls_to("sendMessage")] == [5550001]
    assert (foreign.ok, foreign.retryable) == (False, False)
    assert foreign.error == "a telegram channel cannot send to 'email:anna@example.com'"


def test_an_unreachable_bot_api_is_retryable(telegram: TelegramWorld, container: Container) -> None:
    info = telegram.info
    unreachable = dataclasses.replace(info, config=info.config | {"api_base_url": "http://127.0.0.1:9"})

    result = TelegramChannelAdapter().send(
        unreachable, outbound("telegram:1111111"), container.adapter_context
    )

    assert (result.ok, result.retryable) == (False, True)
    assert BOT_TOKEN not in (result.error or "")


def test_split_text_keeps_words_whole() -> None:
    assert split_text("короткий") == ["короткий"]
    assert split_text("ab cd ef", limit=5) == ["ab ", "cd ef"]
    assert split_text("abcdefghij", limit=4) == ["abcd", "efgh", "ij"]
    assert split_text("你好世界你好世界", limit=3) == ["你好世", "界你好", "世界"]
