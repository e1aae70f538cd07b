"""The demo as a new user meets it: an agent answers Anna's demo mail, and the reply arrives by SMTP
at the development mail catcher (`GET /demo/mailbox`), threaded on her mail."""

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniline.app import create_app
from omniline.bootstrap import Container, bootstrap
from omniline.demo.loader import load_demo
from omniline.settings import Settings
from tests.conftest import empty_all_tables, make_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_container(database_url: str) -> Iterator[Container]:
    settings: Settings = make_settings(
        database_url, environment="development", demo_mailbox_port=_free_port(), outbox_poll_seconds=0.05
    )
    container = bootstrap(settings)
    try:
        yield container
    finally:
        empty_all_tables(container)
        container.close()


def test_an_agent_reply_to_the_demo_mail_is_caught_by_the_demo_mailbox(demo_container: Container) -> None:
    load_demo(demo_container)
    with TestClient(create_app(demo_container)) as client:
        token = client.post(
            "/api/v1/auth/token", json={"email": "agent1@demo.omniline.local", "password": "demo-agent-pass"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        anna = client.get("/api/v1/customers", params={"identity": "email:anna@example.com"}, headers=headers)
        customer_id = anna.json()["items"][0]["id"]
        timeline = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=headers).json()["items"]
        mail = next(item["message"] for item in timeline if item["channel_kind"] == "email")

        reply = client.post(
            f"/api/v1/conversations/{mail['conversation_id']}/messages",
            json={"text": "Анна, возврат оформлен. 退款已办理。"},
            headers=headers,
        )
        assert reply.status_code == 201, reply.text

        deadline = time.monotonic() + 10
        caught: list[dict[str, object]] = []
        while not caught and time.monotonic() < deadline:
            caught = client.get("/demo/mailbox").json()["items"]
            time.sleep(0.05)
    assert len(caught) == 1
    assert caught[0]["rcpt_to"] == ["anna@example.com"]
    assert caught[0]["in_reply_to"] == "<demo-anna-1@example.com>"
    assert "[#C-" in str(caught[0]["subject"])
    assert "Анна, возврат оформлен. 退款已办理。" in str(caught[0]["text"])
