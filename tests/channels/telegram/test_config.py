"""A telegram channel's config: required keys, formats, unknown keys, and the stored result."""

from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.channels.telegram.bot_api import BOT_TOKEN, SECRET_TOKEN
from tests.support import ApiWorld, row_counts


def add(world: ApiWorld, config: dict[str, Any]) -> Any:
    return world.client.post(
        "/api/v1/channels",
        json={"kind": "telegram", "name": "Bot", "config": config},
        headers=world.admin_headers,
    )


def test_a_good_config_is_stored_with_the_default_api(world: ApiWorld) -> None:
    response = add(world, {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN})

    assert response.status_code == 201, response.text
    # people see the credentials masked
    assert response.json()["config"] == {
        "bot_token": "********",
        "secret_token": "********",
        "api_base_url": "https://api.telegram.org",
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"secret_token": SECRET_TOKEN}, "bot_token is required for a telegram channel"),
        ({"bot_token": BOT_TOKEN}, "secret_token is required for a telegram channel"),
        (
            {"bot_token": "not-a-token", "secret_token": SECRET_TOKEN},
            "bot_token must look like 123456789:AAH… (as @BotFather gives it)",
        ),
        (
            {"bot_token": BOT_TOKEN, "secret_token": "short"},
            "secret_token must be 16-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"bot_token": BOT_TOKEN, "secret_token": "секретный-токен-бота-0001"},
            "secret_token must be 16-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN, "webhook_url": "https://x.test"},
            "unknown config key 'webhook_url' for a telegram channel",
        ),
        (
            {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN, "api_base_url": "ftp://api"},
            "api_base_url: Value error, must be an http:// or https:// URL",
        ),
    ],
)
def test_an_unusable_config_is_refused_and_nothing_is_stored(
    world: ApiWorld, container: Container, config: dict[str, Any], message: str
) -> None:
    before = row_counts(container)

    response = add(world, config)

    assert response.status_code == 422
    assert response.json()["error"]["message"] == message
    assert row_counts(container) == before
