"""A tenant with a telegram channel whose Bot API is the fake one on loopback; files in a temp folder."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.settings import Settings
from tests.channels.telegram.bot_api import BOT_TOKEN, SECRET_TOKEN, FakeBotApi, fake_bot_api
from tests.conftest import make_settings
from tests.support import ApiWorld

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, files_dir=str(tmp_path / "files"), public_url="https://cc.example.com")


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as api:
        yield api


@dataclass
class TelegramWorld:
    api: ApiWorld
    channel: dict[str, Any]
    bot_api: FakeBotApi
    container: Container

    @property
    def client(self) -> TestClient:
        return self.api.client

    @property
    def info(self) -> ChannelInfo:
        with self.container.uow() as uow:
            return load_channel_info(uow.session, uuid.UUID(self.channel["id"]))

    def post_update(self, update: dict[str, Any], *, secret: str | bytes | None = SECRET_TOKEN) -> Response:
        return self.post_raw(json.dumps(update, ensure_ascii=False).encode(), secret=secret)

    def post_raw(self, raw: bytes, *, secret: str | bytes | None = SECRET_TOKEN) -> Response:
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return self.client.post(f"/hooks/{self.channel['id']}", content=raw, headers=headers)

    def customer(self, identity: str) -> dict[str, Any] | None:
        found = self.client.get(
            "/api/v1/customers", params={"identity": identity}, headers=self.api.agent_headers
        ).json()["items"]
        return found[0] if found else None

    def timeline(self, customer_id: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/api/v1/customers/{customer_id}/timeline", headers=self.api.agent_headers
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def telegram_config(bot_api: FakeBotApi) -> dict[str, str]:
    return {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN, "api_base_url": bot_api.base_url}


@pytest.fixture
def telegram(world: ApiWorld, bot_api: FakeBotApi, container: Container) -> TelegramWorld:
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "telegram", "name": "Bot", "config": telegram_config(bot_api)},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    return TelegramWorld(world, response.json(), bot_api, container)
