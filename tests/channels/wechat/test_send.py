"""Agents' replies leave through WeChat's customer-service message API, from the outbox: the exact
request, one access token for many sends, a refused token refreshed once, WeChat's errcodes sorted
into retried and failed-for-good."""

import json
import socket
from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.channels.wechat.support import (
    APP_ID,
    APP_SECRET,
    OK,
    SEND_PATH,
    TOKEN_PATH,
    create_wechat_channel,
    fake_wechat_api,
    fixture,
    plain_config,
    post_plain,
)
from tests.support import ApiWorld, drain_outbox

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
REPLY = "您好！订单 88417 的付款已确认，状态已更新。Спасибо за ожидание!"


def follower_writes(world: ApiWorld, api_base_url: str) -> str:
    """A wechat channel pointed at `api_base_url` and a follower's message on it; the conversation id."""
    channel = create_wechat_channel(world, plain_config(api_base_url=api_base_url))
    response = post_plain(world.client, channel["id"], fixture("text_chinese.xml"))
    assert response.text == "success"
    customers = world.client.get(
        "/api/v1/customers", params={"identity": f"wechat:{OPENID}"}, headers=world.agent_headers
    ).json()["items"]
    entries = world.client.get(
        f"/api/v1/customers/{customers[0]['id']}/timeline", headers=world.agent_headers
    ).json()["items"]
    return str(entries[0]["conversation_id"])


def reply(world: ApiWorld, conversation_id: str, text: str = REPLY) -> dict[str, Any]:
    response = world.client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text}, headers=world.agent_headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def delivery(world: ApiWorld, sent: dict[str, Any]) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/deliveries/{sent['delivery']['id']}", headers=world.agent_headers)
    return dict(response.json())


def test_replies_go_to_custom_send_with_one_cached_token(world: ApiWorld, container: Container) -> None:
    with fake_wechat_api() as api:
        # given a follower wrote, and the agent answers twice
        conversation_id = follower_writes(world, api.url)
        first = reply(world, conversation_id)
        second = reply(world, conversation_id, "Ещё вопрос? 还有问题吗？")

        # when the outbox runs
        drain_outbox(container)

    # then one token was fetched with the account's credentials
    (token_call,) = api.of(TOKEN_PATH)
    assert token_call.method == "GET"
    assert token_call.query == {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    # and each reply went to custom/send with that token and WeChat's JSON, Chinese left unescaped
    sends = api.of(SEND_PATH)
    assert [call.method for call in sends] == ["POST", "POST"]
    assert [call.query for call in sends] == [{"access_token": "TOKEN-1"}] * 2
    assert sends[0].headers["content-type"] == "application/json; charset=utf-8"
    assert sends[0].body == json.dumps(
        {"touser": OPENID, "msgtype": "text", "text": {"content": REPLY}}, ensure_ascii=False
    ).encode("utf-8")
    assert "您好".encode() in sends[0].body
    assert sends[1].json() == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "Ещё вопрос? 还有问题吗？"},
    }
    assert [call.path for call in api.calls] == [TOKEN_PATH, SEND_PATH, SEND_PATH]
    for sent in (first, second):
        assert delivery(world, sent)["status"] == "sent"
        assert delivery(world, sent)["attempts"] == 1


@pytest.mark.parametrize("errcode", [42001, 40001])
def test_a_refused_token_is_refreshed_once_and_the_reply_resent(
    world: ApiWorld, container: Container, errcode: int
) -> None:
    refused = {"errcode": errcode, "errmsg": "access_token expired rid: 6560c1a5-2b4a1c3d-5e6f7a8b"}
    with fake_wechat_api(send_answers=[(200, refused), (200, OK)]) as api:
        conversation_id = follower_writes(world, api.url)
        sent = reply(world, conversation_id)

        drain_outbox(container)

    assert [(call.path, call.query.get("access_token")) for call in api.calls] == [
        (TOKEN_PATH, None),
        (SEND_PATH, "TOKEN-1"),
        (TOKEN_PATH, None),
        (SEND_PATH, "TOKEN-2"),
    ]
    assert api.calls[1].body == api.calls[3].body
    assert delivery(world, sent)["status"] == "sent"
    assert delivery(world, sent)["attempts"] == 1


def test_busy_and_rate_limited_answers_are_retried_from_the_outbox(
    world: ApiWorld, container: Container
) -> None:
    answers = [
        (200, {"errcode": -1, "errmsg": "system error"}),
        (200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
        (503, {}),
        (200, OK),
    ]
    with fake_wechat_api(send_answers=answers) as api:
        conversation_id = follower_writes(world, api.url)
        sent = reply(world, conversation_id)

        drain_outbox(container)

    assert len(api.of(SEND_PATH)) == 4
    assert len(api.of(TOKEN_PATH)) == 1  # the token was fine all along: it is reused across attempts
    assert {call.body for call in api.of(SEND_PATH)} == {api.of(SEND_PATH)[0].body}
    final = delivery(world, sent)
    assert (final["status"], final["attempts"], final["last_error"]) == ("sent", 4, None)


def test_a_permanent_errcode_fails_at_once_and_shows_on_the_timeline(
    world: ApiWorld, container: Container
) -> None:
    answer = {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
    with fake_wechat_api(send_answers=[(200, answer)]) as api:
        conversation_id = follower_writes(world, api.url)
        sent = reply(world, conversation_id)

        drain_outbox(container)

    assert len(api.of(SEND_PATH)) == 1
    failed = delivery(world, sent)
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"] == (
        "WeChat errcode 45015: response out of time limit or subscription is canceled (WeChat allows "
        "customer-service messages only within 48 hours of the follower's last message)"
    )
    entries = world.client.get(
        f"/api/v1/customers/{sent['customer_id']}/timeline", headers=world.agent_headers
    ).json()["items"]
    assert entries[0]["type"] == "message.delivery_failed"
    assert entries[0]["message"]["id"] == sent["id"]


def test_a_refused_app_secret_fails_without_sending_or_leaking_it(
    world: ApiWorld, container: Container
) -> None:
    answer = {"errcode": 40125, "errmsg": "invalid appsecret, view more at http://t.cn/RAEkdVq"}
    with fake_wechat_api(token_answers=[(200, answer)]) as api:
        conversation_id = follower_writes(world, api.url)
        sent = reply(world, conversation_id)

        drain_outbox(container)

    assert [call.path for call in api.calls] == [TOKEN_PATH]
    failed = delivery(world, sent)
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"].startswith("WeChat errcode 40125: invalid appsecret")


def test_an_unreachable_api_is_retried_then_failed(world: ApiWorld, container: Container) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    conversation_id = follower_writes(world, f"http://127.0.0.1:{closed_port}")
    sent = reply(world, conversation_id)

    drain_outbox(container)

    failed = delivery(world, sent)
    assert (failed["status"], failed["attempts"]) == ("failed", container.settings.outbox_max_attempts)
    assert failed["last_error"].startswith("ConnectError")
    assert APP_SECRET not in failed["last_error"]
