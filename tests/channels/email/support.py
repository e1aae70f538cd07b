"""Email test helpers: a tenant with an email channel, a local SMTP sink, an SMTP listener thread."""

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.email.listener import smtp_factory
from omniline.channels.service import channel_info, create_channel

FIXTURES = Path(__file__).parent / "fixtures"
ADDRESS = "support@demo.omniline.local"


def fixture(name: str, **replace: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for placeholder, value in replace.items():
        raw = raw.replace(f"<{placeholder}>".encode(), value.encode())
    return raw


def make_email_channel(container: Container, config: dict[str, Any] | None = None) -> ChannelInfo:
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug=f"t{uuid.uuid4().hex[:8]}", name="Mail tenant")
        uow.session.flush()
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="email",
            name="Support",
            config=config or {"address": ADDRESS},
            actor="test",
        )
        uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return info


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_listener(container: Container) -> Iterator[int]:
    """The production listener (listener.smtp_factory) on a real socket, in its own event loop."""
    port = free_port()
    loop = asyncio.new_event_loop()
    _, factory = smtp_factory(container)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(server.wait_closed())
        loop.close()


@dataclass
class SinkHandler:
    """A stand-in SMTP server: records mails, or answers RCPT with a fixed refusal."""

    refuse_with: str | None = None
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@contextmanager
def smtp_sink(handler: SinkHandler) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
