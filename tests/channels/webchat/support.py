"""Helpers for web chat tests: a webchat channel, a widget socket speaking the protocol."""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.kernel.ids import new_id
from tests.support import ApiWorld

SITE = "https://shop.example"


def add_webchat_channel(world: ApiWorld, **config: Any) -> dict[str, Any]:
    body = {"kind": "webchat", "name": "Site chat", "config": {"allowed_origins": [SITE], **config}}
    response = world.client.post("/api/v1/channels", json=body, headers=world.admin_headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def add_email_channel_row(container: Container, tenant_id: uuid.UUID) -> uuid.UUID:
    """An e-mail mailbox for the tenant, written directly: the codes are only queued in these tests."""
    with container.uow() as uow:
        channel = Channel(
            id=new_id(),
            tenant_id=tenant_id,
            kind="email",
            name="Support mailbox",
            config={"address": "support@shop.example"},
            secret="mailbox-secret",
            is_active=True,
        )
        uow.session.add(channel)
        uow.commit()
        return channel.id


@contextmanager
def widget(
    client: TestClient, channel: dict[str, Any], *, origin: str = SITE, **hello: Any
) -> Iterator["Widget"]:
    with client.websocket_connect(f"/webchat/{channel['id']}/ws", headers={"origin": origin}) as ws:
        ws.send_text(json.dumps({"type": "hello", **hello}))
        yield Widget(ws)


class Widget:
    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.welcome = self.expect("welcome")

    def send(self, **frame: Any) -> None:
        self.ws.send_text(json.dumps(frame, ensure_ascii=False))

    def expect(self, frame_type: str) -> dict[str, Any]:
        """The next frame of `frame_type`, keeping the others seen on the way in `frames`."""
        for _ in range(50):
            frame: dict[str, Any] = json.loads(self.ws.receive_text())
            if frame["type"] == frame_type:
                return frame
            if frame["type"] == "error":  # fail now rather than wait for a frame that will not come
                raise AssertionError(f"expected {frame_type}, got {frame}")
            self.frames.append(frame)
        raise AssertionError(f"no {frame_type} frame; saw {self.frames}")

    def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        self.send(type="message", client_id=client_id or uuid.uuid4().hex, text=text)
        return self.expect("ack")
