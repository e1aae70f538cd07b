"""`omniline db downgrade`: rolling back a release takes the schema back, and migration 0009's way back
opens the sealed signing secrets that the older code reads in clear (and that the older column is too
short for). Run on a database of its own (SQLite in a file, or a throwaway PostgreSQL database)."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from omniline.accounts.service import create_tenant
from omniline.bootstrap import bootstrap
from omniline.channels.service import create_channel, load_channel_info
from omniline.cli.main import app
from omniline.db.migrate import current_revision, upgrade_database
from omniline.security.sealing import SEALED_PREFIX, Sealer, use_sealer
from tests.conftest import TEST_SECRET_KEY, make_settings


@pytest.fixture(autouse=True)
def test_key_afterwards() -> Iterator[None]:
    """A command run with another key leaves that key as the process's sealer; the others expect the
    test key's."""
    yield
    use_sealer(Sealer(TEST_SECRET_KEY))


def cli_env(database_url: str) -> dict[str, str]:
    return {
        "OMNILINE_DATABASE_URL": database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
    }


def api_channel(database_url: str) -> tuple[uuid.UUID, str]:
    """A new `api` channel (its secret sealed by the column type): its id and its secret in clear."""
    container = bootstrap(make_settings(database_url))
    try:
        with container.uow() as uow:
            tenant = create_tenant(uow.session, slug="rollback", name="Откат / 回滚")
            channel = create_channel(
                uow.session,
                container.channels,
                tenant_id=tenant.id,
                kind="api",
                name="Приложение 应用",
                config={"webhook_url": "http://127.0.0.1:9/replies"},
                actor="test",
            )
            uow.commit()
            return channel.id, channel.secret
    finally:
        container.close()


def stored_secret(database_url: str, channel_id: uuid.UUID) -> str:
    engine = create_engine(make_settings(database_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            key = channel_id if engine.dialect.name == "postgresql" else channel_id.hex
            return str(
                connection.execute(
                    text("SELECT secret FROM channels WHERE id = :id"), {"id": key}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_going_back_past_0009_opens_the_sealed_secrets_and_coming_back_reads_them(
    fresh_database: str,
) -> None:
    upgrade_database(fresh_database)
    channel_id, secret = api_channel(fresh_database)
    assert stored_secret(fresh_database, channel_id).startswith(SEALED_PREFIX)

    result = CliRunner().invoke(app, ["db", "downgrade", "0008", "--yes"], env=cli_env(fresh_database))

    assert result.exit_code == 0, result.output
    assert "is at 0008" in result.output
    assert current_revision(fresh_database) == "0008"
    assert stored_secret(fresh_database, channel_id) == secret  # in clear, as the older code reads it
    assert len(secret) <= 100  # the older column's length

    upgrade_database(fresh_database)
    container = bootstrap(make_settings(fresh_database))
    try:
        with container.uow() as uow:
            assert load_channel_info(uow.session, channel_id).secret == secret
    finally:
        container.close()


def test_a_downgrade_not_confirmed_or_to_an_unknown_revision_changes_nothing(fresh_database: str) -> None:
    upgrade_database(fresh_database)
    channel_id, _secret = api_channel(fresh_database)
    head = current_revision(fresh_database)
    runner = CliRunner()

    declined = runner.invoke(app, ["db", "downgrade", "0007"], input="n\n", env=cli_env(fresh_database))
    unknown = runner.invoke(app, ["db", "downgrade", "0042", "--yes"], env=cli_env(fresh_database))

    assert declined.exit_code == 1
    assert "nothing changed" in declined.output
    assert unknown.exit_code == 2
    assert "0042" in unknown.output
    assert "Traceback" not in unknown.output
    assert current_revision(fresh_database) == head
    assert stored_secret(fresh_database, channel_id).startswith(SEALED_PREFIX)


def test_a_downgrade_of_an_empty_database_is_refused(fresh_database: str) -> None:
    result = CliRunner().invoke(app, ["db", "downgrade", "base", "--yes"], env=cli_env(fresh_database))

    assert result.exit_code == 2
    assert "no schema" in result.output
    assert current_revision(fresh_database) is None


def test_a_downgrade_with_a_key_that_does_not_open_the_secrets_stops_and_changes_nothing(
    fresh_database: str,
) -> None:
    upgrade_database(fresh_database)
    channel_id, _secret = api_channel(fresh_database)
    env = cli_env(fresh_database) | {"OMNILINE_SECRET_KEY": "another-secret-key-that-is-long-enough"}

    result = CliRunner().invoke(app, ["db", "downgrade", "0008", "--yes"], env=env)

    assert result.exit_code == 2
    assert "OMNILINE_PREVIOUS_SECRET_KEYS" in result.output
    assert "Traceback" not in result.output
    assert current_revision(fresh_database) == "0009"
    assert stored_secret(fresh_database, channel_id).startswith(SEALED_PREFIX)
