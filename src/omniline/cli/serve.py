"""`omniline serve`: the API, the provider hooks and the agents' WebSocket, in one process or several.

One process (the default) is the embedded set-up. With `--workers N` (or `OMNILINE_WORKERS`) uvicorn's
supervisor binds the port once and runs N app processes on it, restarting any that dies; each builds
its own container from the environment (`worker_app`). The interpreter lock caps one process at about
one core, so more cores serve more hooks only through more processes. What the processes share is in
PostgreSQL and on the Redis bus, which the settings therefore require (settings.py); the background
services are safe to run in each (docs/architecture.md, "Several app processes").
"""

import logging
import os

import typer
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.app import create_app
from omniline.bootstrap import bootstrap
from omniline.cli.common import cli_container, cli_settings
from omniline.kernel.gc_tuning import settle_for_serving
from omniline.settings import Settings


def serve(
    host: str | None = typer.Option(None, help="defaults to OMNILINE_HOST"),
    port: int | None = typer.Option(None, help="defaults to OMNILINE_PORT"),
    workers: int | None = typer.Option(
        None, min=1, max=64, help="app processes on the port; defaults to OMNILINE_WORKERS (1)"
    ),
) -> None:
    """Serve the API, the provider hooks and the agents' WebSocket."""
    if workers is not None:
        # The worker processes read their settings from the environment they inherit.
        os.environ["OMNILINE_WORKERS"] = str(workers)
    settings = cli_settings()
    _configure_logging(settings)
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.workers > 1:
        _serve_workers(settings, bind_host, bind_port)
        return
    with cli_container() as container:
        typer.echo(f"omniline serving on http://{bind_host}:{bind_port} (API docs: /docs)")
        app = create_app(container)
        settle_for_serving()
        uvicorn.run(
            app,
            host=bind_host,
            port=bind_port,
            log_level=settings.log_level,
            access_log=settings.log_level == "debug",
        )


def _serve_workers(settings: Settings, host: str, port: int) -> None:
    # Checked here, once: a worker that cannot start would only be restarted by the supervisor, again
    # and again (no schema yet, say).
    with cli_container() as container, container.uow() as uow:
        uow.session.execute(select(Tenant.id).limit(1)).all()
    typer.echo(
        f"omniline serving on http://{host}:{port} with {settings.workers} worker processes (API docs: /docs)"
    )
    uvicorn.run(
        "omniline.cli.serve:worker_app",
        factory=True,
        workers=settings.workers,
        host=host,
        port=port,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
    )


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this in each): its own container, closed when the
    process stops."""
    settings = Settings()
    _configure_logging(settings)
    app = create_app(bootstrap(settings), close_container=True)
    settle_for_serving()
    return app


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
