"""The command line: each command works, and a bad argument gets one clear line and exit code 2."""

import json

import pytest
from typer.testing import CliRunner

from omniline.bootstrap import Container
from omniline.cli.main import app
from omniline.security.tokens import read_token
from omniline.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.support import row_counts

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, container: Container) -> dict[str, str]:
    return {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
    }


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "demo", "tenant", "user", "token", "channel", "files"):
        assert command in result.output


def test_tenant_user_token_and_channel(env: dict[str, str]) -> None:
    assert (
        runner.invoke(app, ["tenant", "create", "--slug", "acme", "--name", "ACME"], env=env).exit_code == 0
    )
    created = runner.invoke(
        app,
        ["user", "create", "--email", "Boss@ACME.test", "--password", "long-password", "--role", "admin"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "boss@acme.test (admin)" in created.output

    token = runner.invoke(app, ["token", "create", "--email", "boss@acme.test"], env=env)
    assert token.exit_code == 0
    assert read_token(token.output.strip(), secret_key=TEST_SECRET_KEY).role == "admin"

    channel = runner.invoke(
        app,
        [
            "channel",
            "add",
            "--kind",
            "api",
            "--name",
            "App",
            "--config",
            '{"webhook_url": "https://x.test/h"}',
        ],
        env=env,
    )
    assert channel.exit_code == 0, channel.output
    view = json.loads(channel.output)
    assert view["kind"] == "api"
    assert view["config"] == {"webhook_url": "https://x.test/h"}
    assert len(view["secret"]) >= 32


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["user", "create", "--email", "a@acme.test", "--password", "long-password", "--role", "boss"],
            "role must be",
        ),
        (
            ["user", "create", "--email", "a@acme.test", "--password", "short", "--role", "agent"],
            "at least 8",
        ),
        (["user", "create", "--email", "not-an-email", "--password", "long-password"], "not an e-mail"),
        (["token", "create", "--email", "nobody@acme.test"], "no active user"),
        (["channel", "add", "--kind", "api", "--name", "X", "--config", "{nope"], "not valid JSON"),
        (["channel", "add", "--kind", "pigeon", "--name", "X"], "unknown channel kind"),
        (
            ["user", "create", "--email", "a@acme.test", "--password", "long-password", "--tenant", "nope"],
            "no tenant",
        ),
    ],
)
def test_bad_arguments_get_a_clear_message_and_change_nothing(
    env: dict[str, str], container: Container, args: list[str], message: str
) -> None:
    runner.invoke(app, ["tenant", "create", "--slug", "acme", "--name", "ACME"], env=env)
    before = row_counts(container)

    result = runner.invoke(app, args, env=env)

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert row_counts(container) == before


def test_production_refuses_the_development_secret(settings: Settings) -> None:
    result = runner.invoke(
        app,
        ["db", "upgrade"],
        env={"OMNILINE_DATABASE_URL": settings.database_url, "OMNILINE_ENVIRONMENT": "production"},
    )
    assert result.exit_code == 2
    assert "OMNILINE_SECRET_KEY is still the development default" in result.output


def test_a_bad_setting_is_named_as_the_operator_sets_it(env: dict[str, str], container: Container) -> None:
    before = row_counts(container)
    result = runner.invoke(
        app,
        ["tenant", "create", "--slug", "shop", "--name", "Магазин"],
        env=env | {"OMNILINE_REDIS_URL": "127.0.0.1:6379"},
    )
    assert result.exit_code == 2
    assert "OMNILINE_REDIS_URL:" in result.output
    assert "Traceback" not in result.output
    assert row_counts(container) == before


def test_demo_load_is_idempotent(env: dict[str, str], container: Container) -> None:
    first = runner.invoke(app, ["demo", "load"], env=env)
    assert first.exit_code == 0, first.output
    assert "ready (0 new demo messages)" not in first.output
    counts = row_counts(container)

    second = runner.invoke(app, ["demo", "load"], env=env)

    assert second.exit_code == 0
    assert "0 new demo messages" in second.output
    assert row_counts(container) == counts
    assert counts["users"] == 4
    assert counts["messages"] >= 7  # the app channel's seven, plus each other channel's demo
    assert counts["customer_merges"] >= 1
