"""`omniline telegram set-webhook | delete-webhook | deep-link` against the fake Bot API."""

import uuid
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from omniline.channels.telegram.deep_links import verify_deep_link_token
from omniline.cli.main import app
from omniline.settings import Settings
from tests.channels.telegram.bot_api import SECRET_TOKEN, fixture
from tests.channels.telegram.conftest import TelegramWorld
from tests.conftest import TEST_SECRET_KEY

runner = CliRunner()


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    return {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
        "OMNILINE_PUBLIC_URL": "https://cc.example.com",
    }


def test_set_webhook_registers_the_hook_url_and_secret(telegram: TelegramWorld, env: dict[str, str]) -> None:
    telegram.bot_api.answer("setWebhook", (200, fixture("set_webhook_ok.json")))

    result = runner.invoke(app, ["telegram", "set-webhook", "--channel", telegram.channel["id"]], env=env)

    assert result.exit_code == 0, result.output
    hook = f"https://cc.example.com/hooks/{telegram.channel['id']}"
    assert result.output == f"webhook set: {hook}\n"
    (call,) = telegram.bot_api.calls_to("setWebhook")
    assert call.body == {
        "url": hook,
        "secret_token": SECRET_TOKEN,
        "allowed_updates": ["message", "edited_message"],
    }


def test_delete_webhook(telegram: TelegramWorld, env: dict[str, str]) -> None:
    telegram.bot_api.answer("deleteWebhook", (200, fixture("delete_webhook_ok.json")))

    result = runner.invoke(app, ["telegram", "delete-webhook", "--channel", telegram.channel["id"]], env=env)

    assert (result.exit_code, result.output) == (0, "webhook deleted\n")
    assert [call.body for call in telegram.bot_api.calls_to("deleteWebhook")] == [{}]


def test_telegrams_refusal_is_one_clear_line(telegram: TelegramWorld, env: dict[str, str]) -> None:
    telegram.bot_api.answer("setWebhook", (400, fixture("bad_webhook.json")))

    result = runner.invoke(app, ["telegram", "set-webhook", "--channel", telegram.channel["id"]], env=env)

    assert result.exit_code == 2
    assert "Bad Request: bad webhook: An HTTPS URL must be provided for webhook" in result.output


@pytest.mark.parametrize("which", ["not an id", "unknown", "api channel"])
def test_only_a_telegram_channel_will_do(telegram: TelegramWorld, env: dict[str, str], which: str) -> None:
    channel = {"not an id": "bot", "unknown": str(uuid.uuid4()), "api channel": telegram.api.channel["id"]}[
        which
    ]

    result = runner.invoke(app, ["telegram", "set-webhook", "--channel", channel], env=env)

    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert telegram.bot_api.calls == []


def test_deep_link_names_the_bot_and_the_customer(telegram: TelegramWorld, env: dict[str, str]) -> None:
    customer_id = telegram.api.post_app_message(
        {
            "external_id": "app-1",
            "sender": {"identities": ["app:77"], "name": "John"},
            "text": "Hi",
            "sent_at": "2015-09-07T10:00:00+00:00",
        }
    ).json()["customer_id"]
    telegram.bot_api.answer("getMe", (200, fixture("get_me.json")))

    result = runner.invoke(
        app,
        ["telegram", "deep-link", "--channel", telegram.channel["id"], "--customer", customer_id],
        env=env,
    )

    assert result.exit_code == 0, result.output
    prefix = "https://t.me/demo_shop_bot?start="
    assert result.output.startswith(prefix)
    token = result.output.strip()[len(prefix) :]
    assert verify_deep_link_token(telegram.channel["secret"], token, now=datetime.now(UTC)) == uuid.UUID(
        customer_id
    )


def test_deep_link_for_an_unknown_customer_is_refused(telegram: TelegramWorld, env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["telegram", "deep-link", "--channel", telegram.channel["id"], "--customer", str(uuid.uuid4())],
        env=env,
    )

    assert result.exit_code == 2
    assert "not found" in result.output
