"""A tenant with a social channel; events signed with the channel's secret like an integration would."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from omniline.channels.signing import sign_body
from tests.support import ApiWorld

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


@dataclass
class SocialWorld:
    api: ApiWorld
    channel: dict[str, Any]

    @property
    def client(self) -> TestClient:
        return self.api.client

    def post_event(self, event: dict[str, Any], *, secret: str | None = None) -> Response:
        return self.post_raw(json.dumps(event, ensure_ascii=False).encode(), secret=secret)

    def post_raw(
        self, raw: bytes, *, secret: str | None = None, signature: str | bytes | None = None
    ) -> Response:
        signed = signature if signature is not None else sign_body(secret or self.channel["secret"], raw)
        return self.client.post(
            f"/hooks/{self.channel['id']}",
            content=raw,
            headers={"X-Omniline-Signature": signed, "Content-Type": "application/json"},
        )

    def customer(self, identity: str) -> dict[str, Any] | None:
        found = self.client.get(
            "/api/v1/customers", params={"identity": identity}, headers=self.api.agent_headers
        ).json()["items"]
        return found[0] if found else None

    def messages(self, customer_id: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/api/v1/customers/{customer_id}/timeline", headers=self.api.agent_headers
        )
        assert response.status_code == 200, response.text
        return [item["message"] for item in response.json()["items"] if item["type"] == "message.received"]


def add_social_channel(world: ApiWorld, config: dict[str, Any]) -> Response:
    return world.client.post(
        "/api/v1/channels",
        json={"kind": "social", "name": "Listening", "config": config},
        headers=world.admin_headers,
    )


@pytest.fixture
def social(world: ApiWorld) -> SocialWorld:
    response = add_social_channel(world, {"webhook_url": "http://127.0.0.1:9/not-used"})
    assert response.status_code == 201, response.text
    return SocialWorld(world, response.json())
