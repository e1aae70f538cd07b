"""The ASGI application factory."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from omniline import __version__
from omniline.accounts.api import router as auth_router
from omniline.accounts.users_api import router as users_router
from omniline.agents.api import router as agents_router
from omniline.bootstrap import Container, bootstrap
from omniline.cases.api import router as cases_router
from omniline.channels.admin_routes import router as channel_admin_router
from omniline.channels.background import background_services
from omniline.channels.hooks import HookFastPath
from omniline.channels.hooks import router as hooks_router
from omniline.channels.routes import router as channels_router
from omniline.channels.walkin.routes import router as visits_router
from omniline.channels.webchat.routes import router as webchat_router
from omniline.conversations.api import router as conversations_router
from omniline.customers.api import router as customers_router
from omniline.customers.outreach_api import router as outreach_router
from omniline.demo.mail_catcher import router as demo_mailbox_router
from omniline.demo.receiver import router as demo_receiver_router
from omniline.messages.api import router as message_files_router
from omniline.realtime.ws import router as ws_router
from omniline.routing.api import router as tasks_router
from omniline.routing.calendar_api import router as calendar_router
from omniline.routing.policy_api import router as routing_policy_router
from omniline.routing.work_api import router as work_router
from omniline.taxonomy.api import router as taxonomy_router
from omniline.web.admin.routes import router as admin_pages_router
from omniline.web.desktop.routes import router as desktop_pages_router
from omniline.web.errors import install_error_handlers
from omniline.web.health import router as health_router
from omniline.web.limits import BodySizeLimit
from omniline.web.login import router as login_router
from omniline.web.static import mount_static
from omniline.web.wallboard.api import router as wallboard_api_router
from omniline.web.wallboard.routes import router as wallboard_pages_router


def create_app(
    container: Container | None = None, *, run_workers: bool = True, close_container: bool = False
) -> FastAPI:
    """The app; `run_workers=False` starts no background services (the outbox worker, listeners):
    tests then drive them themselves. `close_container`: the app owns the container and closes it at
    shutdown (a worker process of `omniline serve --workers`)."""
    container = container or bootstrap()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        services = background_services() if run_workers else []
        tasks = [asyncio.create_task(service(container)) for service in services]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if close_container:
                container.close()

    app = FastAPI(
        title="omniline",
        version=__version__,
        description="One customer, one timeline, every channel.",
        lifespan=lifespan,
        # No OpenTelemetry here: without this FastAPI looks for its providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    install_error_handlers(app)
    for router in (
        hooks_router,  # first: providers call it most, and routes are matched in order
        health_router,
        auth_router,
        channels_router,
        channel_admin_router,
        users_router,
        customers_router,
        outreach_router,
        message_files_router,
        conversations_router,
        cases_router,
        tasks_router,
        agents_router,
        work_router,
        calendar_router,
        routing_policy_router,
        taxonomy_router,
        visits_router,
        webchat_router,
        ws_router,
        login_router,
        desktop_pages_router,
        wallboard_pages_router,
        wallboard_api_router,
        admin_pages_router,
    ):
        app.include_router(router)
    mount_static(app)
    if container.settings.environment == "development":
        app.include_router(demo_receiver_router)
        app.include_router(demo_mailbox_router)
    app.add_middleware(HookFastPath)  # added before the limit, so it runs inside it
    app.add_middleware(
        BodySizeLimit,
        max_bytes=container.settings.max_body_bytes,
        upload_max_bytes=container.settings.max_file_bytes,
    )
    return app
