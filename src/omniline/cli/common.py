"""What every command shares: the container, and turning our errors into one clear line."""

import contextlib
from collections.abc import Iterator

import typer
from pydantic import ValidationError

from omniline.bootstrap import Container, bootstrap
from omniline.kernel.errors import OmnilineError
from omniline.settings import Settings

CLI_ACTOR = "cli"


@contextlib.contextmanager
def cli_container() -> Iterator[Container]:
    """A container for one command; settings or domain errors end the command with exit code 2."""
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(str(item["msg"]) for item in error.errors())
        typer.secho(f"error: bad settings: {problems}", fg="red", err=True)
        raise typer.Exit(2) from None
    container = bootstrap(settings)
    try:
        yield container
    except OmnilineError as error:
        typer.secho(f"error: {error.message}", fg="red", err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
