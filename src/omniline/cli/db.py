import typer

from omniline.cli.common import cli_container
from omniline.db.migrate import upgrade_database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to")) -> None:
    """Create or migrate the schema (idempotent)."""
    with cli_container() as container:
        upgrade_database(container.settings.sqlalchemy_url, revision)
        typer.echo(f"database at {container.engine.url.render_as_string(hide_password=True)} is up to date")
