import typer
from alembic.util import CommandError

from omniline.cli.common import cli_container
from omniline.db.migrate import current_revision, downgrade_database, upgrade_database
from omniline.security.sealing import SealBroken

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to")) -> None:
    """Create or migrate the schema (idempotent)."""
    with cli_container() as container:
        url = container.settings.sqlalchemy_url
        before = current_revision(url)
        upgrade_database(url, revision)
        after = current_revision(url)
        where = f"database at {container.engine.url.render_as_string(hide_password=True)}"
        if before == after:
            typer.echo(f"{where} is up to date (revision {after})")
        else:
            typer.echo(f"{where} migrated from {before or 'an empty database'} to revision {after}")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Alembic revision to go back to, e.g. 0008 (base: nothing)"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Take the schema back to an older revision, for rolling back a release. Back up first: going
    back past a table's revision drops it, with its rows."""
    with cli_container() as container:
        url = container.settings.sqlalchemy_url
        shown = container.engine.url.render_as_string(hide_password=True)
        current = current_revision(url)
        if current is None:
            typer.secho(f"error: the database at {shown} has no schema to take back", fg="red", err=True)
            raise typer.Exit(2)
        if not yes and not typer.confirm(f"take the schema at {shown} from {current} back to {revision}?"):
            typer.echo("nothing changed")
            raise typer.Exit(1)
        try:
            downgrade_database(url, revision)
        except (CommandError, SealBroken) as error:  # an unknown or newer revision; a changed secret key
            typer.secho(f"error: {error}", fg="red", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"database at {shown} is at {current_revision(url) or 'base (empty)'}")
