"""Long-running channel services the server starts beside the web app (e.g. the SMTP listener, IMAP
polling). Each is a coroutine function taking the container; it runs until cancelled at shutdown."""

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omniline.bootstrap import Container

BackgroundService = Callable[["Container"], Coroutine[Any, Any, None]]


def background_services() -> list[BackgroundService]:
    """Every service to start with `omniline serve`, outbox worker first."""
    from omniline.channels.email.imap import run_imap_polling
    from omniline.channels.email.listener import run_smtp_listener
    from omniline.channels.tasks import run_outbox_worker
    from omniline.channels.webchat.hub import run_webchat_fanout
    from omniline.demo.mail_catcher import run_demo_mail_catcher
    from omniline.files.sweep import run_file_sweeps
    from omniline.routing.dispatch_job import dispatch_service
    from omniline.routing.sla_job import run_sla_service

    return [
        run_outbox_worker,
        run_webchat_fanout,
        run_smtp_listener,
        run_imap_polling,
        run_demo_mail_catcher,
        run_sla_service,
        dispatch_service,
        run_file_sweeps,
    ]
