"""What every command shares: the container, and turning our errors into one clear line."""

import contextlib
from collections.abc import Iterator
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from omniline.bootstrap import Container, bootstrap
from omniline.db.migrate import current_revision
from omniline.kernel.errors import OmnilineError
from omniline.settings import Settings

CLI_ACTOR = "cli"


def cli_settings() -> Settings:
    """The settings from the environment; refused ones end the command with exit code 2, named."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(_setting_problem(item) for item in error.errors())
        typer.secho(f"error: bad settings: {problems}", fg="red", err=True)
        raise typer.Exit(2) from None


@contextlib.contextmanager
def cli_container() -> Iterator[Container]:
    """A container for one command; settings or domain errors end the command with exit code 2."""
    settings = cli_settings()
    container = bootstrap(settings)
    try:
        yield container
    except OmnilineError as error:
        typer.secho(f"error: {error.message}", fg="red", err=True)
        raise typer.Exit(2) from None
    except DBAPIError:
        if not _has_no_schema(settings):
            raise  # the schema is there (or the database cannot be reached): a real failure, shown as one
        where = container.engine.url.render_as_string(hide_password=True)
        typer.secho(
            f"error: the database at {where} has no schema yet: run `omniline db upgrade`", fg="red", err=True
        )
        raise typer.Exit(2) from None
    finally:
        container.close()


def _has_no_schema(settings: Settings) -> bool:
    """Whether the database answers and holds no schema (a command run before `db upgrade`)."""
    try:
        return current_revision(settings.sqlalchemy_url) is None
    except DBAPIError:
        return False


def _setting_problem(item: Any) -> str:
    """One refused setting, named as the operator sets it: `OMNILINE_PORT: …`."""
    names = [str(part) for part in item.get("loc", ()) if isinstance(part, str)]
    variable = f"OMNILINE_{names[0].upper()}: " if names else ""
    return f"{variable}{item['msg']}"
