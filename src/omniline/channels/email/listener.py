"""The built-in SMTP listener (aiosmtpd), started by `omniline serve` when OMNILINE_SMTP_PORT is set.

RCPT TO is accepted only for the address of an active email channel (case-insensitive), others get
`550`. Each accepted mail goes through receiving.receive_mail once per recipient channel (one
transaction each) before the `250` answer, so an acknowledged mail is stored; a failure to store
answers `451` and the sending server tries again later (the Message-ID dedupes).
"""

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.email.mailboxes import MailboxDirectory, active_email_channels
from omniline.channels.email.receiving import receive_mail

log = logging.getLogger(__name__)


class MailboxHandler:
    """aiosmtpd handler: the hooks are looked up by name (handle_RCPT, handle_DATA)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self.directory = MailboxDirectory(self._load_channels)

    def _load_channels(self) -> list[ChannelInfo]:
        with self._container.uow() as uow:
            return active_email_channels(uow.session)

    async def handle_RCPT(
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            channels = await asyncio.to_thread(self.directory.channels_for, address)
        except Exception:
            log.exception("could not look up mailbox %s", address)
            return "451 4.3.0 temporary failure, try again later"
        if not channels:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await asyncio.to_thread(self.deliver, list(envelope.rcpt_tos), raw or b"")
        except Exception:
            log.exception("could not store a mail from %s", envelope.mail_from)
            return "451 4.3.0 could not store the mail, try again later"
        return "250 2.0.0 OK: queued"

    def deliver(self, recipients: list[str], raw: bytes) -> None:
        seen = set()
        for address in recipients:
            for channel in self.directory.channels_for(address):
                if channel.id not in seen:
                    seen.add(channel.id)
                    receive_mail(self._container, channel, raw)


def smtp_factory(container: Container) -> tuple[MailboxHandler, Any]:
    handler = MailboxHandler(container)
    limit = container.settings.max_file_bytes * 2  # a mail carries its attachments base64-encoded

    def factory() -> SMTP:
        return SMTP(handler, data_size_limit=limit, enable_SMTPUTF8=True, hostname="omniline")

    return handler, factory


async def run_smtp_listener(container: Container) -> None:
    port = container.settings.smtp_port
    if port is None:
        return
    _, factory = smtp_factory(container)
    # The worker processes of `omniline serve --workers` each listen on the port; the kernel spreads
    # the connections (SO_REUSEPORT). What a mail changes is claimed in the database, as for hooks.
    server = await asyncio.get_running_loop().create_server(
        factory, container.settings.smtp_host, port, reuse_port=container.settings.workers > 1
    )
    log.info("SMTP listener on %s:%s", container.settings.smtp_host, port)
    async with server:
        await server.serve_forever()
