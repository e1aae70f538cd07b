"""The demo's outgoing mail, caught: a development-only SMTP server that accepts every mail and keeps
the latest ones in memory, so a new user sees agents' e-mail replies (and web chat confirmation codes)
arrive without a real mail server. `GET /demo/mailbox` lists them.

It runs when OMNILINE_DEMO_MAILBOX_PORT is set (`make run` sets 2526) in the development environment;
the demo mailbox channel sends through it. With several worker processes (`--workers`) the first to
bind the port catches the mail, and only its `/demo/mailbox` lists it: a demo runs one process.
"""

import asyncio
import email
import email.policy
import errno
import logging
from collections import deque
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi import APIRouter

if TYPE_CHECKING:
    from omniline.bootstrap import Container

log = logging.getLogger(__name__)
router = APIRouter(prefix="/demo", tags=["demo"], include_in_schema=False)
_caught: deque[dict[str, Any]] = deque(maxlen=200)


class CatchAll:
    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        body = mail.get_body(preferencelist=("plain",))
        _caught.appendleft(
            {
                "mail_from": envelope.mail_from,
                "rcpt_to": list(envelope.rcpt_tos),
                "subject": str(mail.get("Subject", "")),
                "message_id": str(mail.get("Message-ID", "")),
                "in_reply_to": str(mail.get("In-Reply-To", "")),
                "text": body.get_content() if isinstance(body, EmailMessage) else "",
            }
        )
        return "250 2.0.0 caught by the demo mailbox"


@router.get("/mailbox")
def list_caught_mail() -> dict[str, Any]:
    return {"items": list(_caught)}


async def run_demo_mail_catcher(container: "Container") -> None:
    settings = container.settings
    if settings.environment != "development" or settings.demo_mailbox_port is None:
        return
    handler = CatchAll()
    try:
        server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="omniline-demo"),
            "127.0.0.1",
            settings.demo_mailbox_port,
        )
    except OSError as error:
        if error.errno != errno.EADDRINUSE or settings.workers == 1:
            raise
        log.info("another worker process catches the demo's mail on port %s", settings.demo_mailbox_port)
        return
    log.info("demo mailbox catching outgoing mail on 127.0.0.1:%s", settings.demo_mailbox_port)
    async with server:
        await server.serve_forever()
