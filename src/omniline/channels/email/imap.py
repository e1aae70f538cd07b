"""IMAP polling: fetch new mail from each email channel's mailbox over TLS and receive it.

Nothing is read twice: the channel's config keeps `imap_state` {"uidvalidity", "last_uid"}, moved
forward after each stored mail (if the server's UIDVALIDITY changes, every UID is new again and
the Message-IDs dedupe). Processed mail is moved to `processed_folder`, or else flagged \\Seen.
The password crosses the wire only inside TLS (IMAP4_SSL, or STARTTLS before LOGIN); the server's
certificate is verified against the system's trust store (SSL_CERT_FILE adds a private CA).
"""

import asyncio
import contextlib
import imaplib
import logging
import re
import ssl
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from omniline.bootstrap import Container
from omniline.channels.email.config import ImapConfig, read_config
from omniline.channels.email.mailboxes import active_email_channels
from omniline.channels.email.receiving import receive_mail
from omniline.channels.models import Channel
from omniline.channels.service import load_channel_info
from omniline.pipeline.address_locks import lock_key

log = logging.getLogger(__name__)

BATCH = 200  # mails per pass and mailbox; the next pass continues


def poll_channel(container: Container, channel_id: uuid.UUID) -> int:
    """Receive the mailbox's new mail; returns how many mails were processed. Raises imaplib/OS
    errors (the polling loop logs them and tries again next time).

    Several app processes poll every mailbox (`omniline serve --workers`, or servers behind a load
    balancer); on PostgreSQL one pass at a time per mailbox, under a lock held for the pass, so that
    two do not fetch and move the same mail. A pass that finds the lock taken returns 0 at once: the
    other process is fetching."""
    with exclusive_pass(container, channel_id) as mine:
        return _poll(container, channel_id) if mine else 0


@contextlib.contextmanager
def exclusive_pass(container: Container, channel_id: uuid.UUID) -> Iterator[bool]:
    """Whether this process may poll the mailbox now; the lock is held until the block ends. A
    session-level advisory lock on a connection of its own, so no transaction stays open across the
    IMAP session; if that connection breaks, the server frees the lock with it. SQLite: one process."""
    engine = container.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(channel_id, "imap-poll")  # the channel in place of a tenant: a name of its own
    with engine.connect() as connection:
        taken = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.scalar(select(func.pg_advisory_unlock(key)))
                connection.commit()


def _poll(container: Container, channel_id: uuid.UUID) -> int:
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
    config = read_config(channel.config)
    if config.imap is None:
        return 0
    imap = config.imap
    state = dict(config.imap_state or {})
    client = _connect(imap, container.settings.outbound_timeout_seconds)
    try:
        client.login(imap.username, imap.password)
        _check(client.select(_quoted(imap.folder)))
        validity = _uidvalidity(client)
        last_uid = int(state.get("last_uid", 0)) if state.get("uidvalidity") == validity else 0
        _, found = client.uid("SEARCH", f"UID {last_uid + 1}:*")
        uids = sorted(int(item) for item in (found[0] or b"").split() if int(item) > last_uid)[:BATCH]
        for uid in uids:
            typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None) if typ == "OK" else None
            if raw is not None:
                receive_mail(container, channel, raw)
            _mark_processed(client, imap, uid)
            _save_state(container, channel_id, {"uidvalidity": validity, "last_uid": uid})
        if uids and imap.processed_folder:
            client.expunge()
        return len(uids)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _connect(imap: ImapConfig, timeout: float) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if imap.tls == "ssl":
        return imaplib.IMAP4_SSL(imap.host, imap.port, ssl_context=context, timeout=timeout)
    client = imaplib.IMAP4(imap.host, imap.port, timeout=timeout)
    client.starttls(ssl_context=context)
    return client


def _uidvalidity(client: imaplib.IMAP4) -> int:
    _, values = client.response("UIDVALIDITY")
    value = values[0] if values else None
    if isinstance(value, bytes):
        return int(value)
    _, status = client.status("INBOX", "(UIDVALIDITY)")
    found = re.search(rb"UIDVALIDITY (\d+)", status[0] or b"")
    return int(found.group(1)) if found else 0


def _mark_processed(client: imaplib.IMAP4, imap: ImapConfig, uid: int) -> None:
    if not imap.processed_folder:
        client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
        return
    target = _quoted(imap.processed_folder)
    if "MOVE" in client.capabilities:
        _check(client.uid("MOVE", str(uid), target))
        return
    _check(client.uid("COPY", str(uid), target))
    client.uid("STORE", str(uid), "+FLAGS", "(\\Deleted \\Seen)")


def _save_state(container: Container, channel_id: uuid.UUID, state: dict[str, int]) -> None:
    with container.uow() as uow:
        row = uow.session.get_one(Channel, channel_id)
        row.config = {**row.config, "imap_state": state}  # a new dict, so the JSON column is written
        uow.commit()


def _check(answer: tuple[str, list[Any]]) -> None:
    if answer[0] != "OK":
        raise imaplib.IMAP4.error(f"IMAP server answered {answer[0]}: {answer[1]!r}")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def run_imap_polling(container: Container) -> None:
    """Poll every email channel with IMAP settings every `imap_poll_seconds`, until cancelled."""
    while True:
        try:
            with container.uow() as uow:
                ids = [
                    channel.id for channel in active_email_channels(uow.session) if channel.config.get("imap")
                ]
        except Exception:
            log.exception("could not list email channels to poll")
            ids = []
        for channel_id in ids:
            try:
                await asyncio.to_thread(poll_channel, container, channel_id)
            except Exception:  # one unreachable mailbox must not stop the others
                log.exception("IMAP polling of channel %s failed", channel_id)
        await asyncio.sleep(container.settings.imap_poll_seconds)
