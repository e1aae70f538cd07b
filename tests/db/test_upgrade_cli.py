"""`omniline db upgrade` says what it did, and a command run before it says what to do instead of
failing with a traceback. Run on a database of its own."""

from typer.testing import CliRunner

from omniline.cli.main import app
from omniline.db.migrate import current_revision
from tests.db.test_downgrade import cli_env

runner = CliRunner()


def test_a_command_on_an_empty_database_says_to_upgrade_and_upgrade_says_what_it_did(
    fresh_database: str,
) -> None:
    env = cli_env(fresh_database)
    refused = runner.invoke(app, ["tenant", "create", "--slug", "shop", "--name", "Магазин 商店"], env=env)
    assert refused.exit_code == 2
    assert "has no schema yet: run `omniline db upgrade`" in refused.output
    assert "Traceback" not in refused.output
    assert current_revision(fresh_database) is None  # nothing was created

    first = runner.invoke(app, ["db", "upgrade"], env=env)
    assert first.exit_code == 0
    head = current_revision(fresh_database)
    assert f"migrated from an empty database to revision {head}" in first.output
    again = runner.invoke(app, ["db", "upgrade"], env=env)
    assert f"is up to date (revision {head})" in again.output

    created = runner.invoke(app, ["tenant", "create", "--slug", "shop", "--name", "Магазин 商店"], env=env)
    assert created.exit_code == 0, created.output
