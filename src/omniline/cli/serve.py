import logging

import typer
import uvicorn

from omniline.app import create_app
from omniline.cli.common import cli_container
from omniline.kernel.gc_tuning import settle_for_serving


def serve(
    host: str | None = typer.Option(None, help="defaults to OMNILINE_HOST"),
    port: int | None = typer.Option(None, help="defaults to OMNILINE_PORT"),
) -> None:
    """Serve the API, the provider hooks and the agents' WebSocket."""
    with cli_container() as container:
        settings = container.settings
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        bind_host, bind_port = host or settings.host, port or settings.port
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
