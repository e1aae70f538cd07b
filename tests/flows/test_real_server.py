"""The real thing: the CLI sets up, `omniline serve` runs as its own process, and we talk HTTP and
WebSocket to it like the app and an agent's browser would."""

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from omniline.channels.signing import sign_body
from tests.flows.real_server import free_port, next_of_type, serving, set_up_shop
from tests.redis_server import wait_for_listeners
from tests.support import app_message
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.server


def test_app_message_reaches_the_agent_live_and_the_reply_reaches_the_app(
    server_env: dict[str, str], server: str
) -> None:
    with webhook_receiver([503, 200]) as receiver:
        # given a tenant, an agent and an app channel set up with the CLI
        token, channel = set_up_shop(server_env, receiver.url)
        assert channel["webhook_url"] == f"{server}/hooks/{channel['id']}"

        with connect(f"ws://{server.removeprefix('http://')}/ws?access_token={token}", open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "hello"

            # when the app posts a signed message
            body = json.dumps(
                app_message("m-1", ["app:7", "phone:+86 138 0013 8000"], "你好，订单在哪里？")
            ).encode()
            posted = httpx.post(
                channel["webhook_url"],
                content=body,
                headers={"X-Omniline-Signature": sign_body(channel["secret"], body)},
            )
            assert posted.status_code == 202
            ids = posted.json()

            # then the agent's socket hears of it at once
            event = next_of_type(ws, "message.received")
            assert event["data"]["message"]["text"] == "你好，订单在哪里？"
            assert event["data"]["message"]["customer_id"] == ids["customer_id"]

            # when the agent replies
            headers = {"Authorization": f"Bearer {token}"}
            reply = httpx.post(
                f"{server}/api/v1/conversations/{ids['conversation_id']}/messages",
                json={"text": "您的订单明天到。"},
                headers=headers,
            )
            assert reply.status_code == 201
            sent = next_of_type(ws, "message.sent")
            assert sent["data"]["message"]["text"] == "您的订单明天到。"

        # then the server's own outbox worker delivers it, retrying past the 503
        deadline = time.monotonic() + 15
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.received) == 2
        assert json.loads(receiver.received[1].body)["text"] == "您的订单明天到。"
    timeline = httpx.get(f"{server}/api/v1/customers/{ids['customer_id']}/timeline", headers=headers).json()
    # the message opened the case and was routed (the agent never went available: no offer)
    assert [item["type"] for item in timeline["items"]] == [
        "message.sent",
        "case.routed",
        "message.received",
        "case.opened",
    ]


def test_websocket_without_a_valid_token_is_closed(server: str) -> None:
    url = f"ws://{server.removeprefix('http://')}/ws?access_token=nonsense"
    with connect(url, open_timeout=10) as ws, pytest.raises(ConnectionClosedError) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


def test_two_server_processes_share_live_events_through_redis(
    server_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    """Production runs several `omniline serve` behind a load balancer: the agent's socket is held by
    one process, the provider's hook and the agent's reply land on another."""
    channel_name = f"omniline:test:{uuid.uuid4().hex}"
    env = server_env | {"OMNILINE_REDIS_URL": redis_url, "OMNILINE_REDIS_CHANNEL": channel_name}
    with webhook_receiver([200]) as receiver:
        token, channel = set_up_shop(env, receiver.url)
        other_env = env | {"OMNILINE_PORT": str(free_port())}
        with serving(env, tmp_path / "a.log") as first, serving(other_env, tmp_path / "b.log") as second:
            wait_for_listeners(redis_url, channel_name, 2)
            with connect(
                f"ws://{first.removeprefix('http://')}/ws?access_token={token}", open_timeout=10
            ) as ws:
                assert json.loads(ws.recv(timeout=10))["type"] == "hello"

                # when the app's message reaches the second process
                body = json.dumps(app_message("m-1", ["app:7"], "Где мой заказ? 我的订单在哪里？")).encode()
                posted = httpx.post(
                    f"{second}/hooks/{channel['id']}",
                    content=body,
                    headers={"X-Omniline-Signature": sign_body(channel["secret"], body)},
                )
                assert posted.status_code == 202
                ids = posted.json()

                # then the agent's socket on the first hears of it
                event = next_of_type(ws, "message.received")
                assert event["data"]["message"]["id"] == ids["message_id"]
                assert event["data"]["message"]["text"] == "Где мой заказ? 我的订单在哪里？"

                # and so of the reply another agent's browser sent through the second
                reply = httpx.post(
                    f"{second}/api/v1/conversations/{ids['conversation_id']}/messages",
                    json={"text": "Заказ приедет завтра. 明天到。"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert reply.status_code == 201
                sent = next_of_type(ws, "message.sent")
                assert sent["data"]["message"]["id"] == reply.json()["id"]
