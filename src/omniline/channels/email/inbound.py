"""ParsedMail → what the pipeline takes: an InboundBatch for one channel.

Contract of `mail_to_batch` (no database): an ordinary mail or an auto-reply becomes one
InboundMessage (auto-replies with auto_generated=True, so they never open a case); a bounce becomes
a DeliveryUpdate(outcome="failed") per returned Message-ID of ours and no message; our own mail
coming back becomes an empty batch. Attachments are written to the file store (content-addressed,
so a retried mail writes nothing twice); one that is too large is left out and named in meta.
"""

import hashlib
from datetime import datetime
from typing import Any

from omniline.channels.base import AdapterContext, ChannelInfo, DeliveryUpdate, InboundBatch
from omniline.channels.email.loops import classify_mail
from omniline.channels.email.mail_threading import case_number_in, is_our_message_id
from omniline.channels.email.parsing import ParsedMail
from omniline.channels.email.quoting import strip_quoted
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import PayloadTooLarge
from omniline.messages.normalized import Attachment, InboundMessage

MAX_TEXT_CHARS = 200_000
_BARE_ADDRESS_CHARS = set("<>\"' \t,;()[]")


def mail_to_batch(
    channel: ChannelInfo,
    mail: ParsedMail,
    raw: bytes,
    context: AdapterContext,
    *,
    thread_key: str | None,
    received_at: datetime,
) -> InboundBatch:
    address = str(channel.config["address"])
    kind = classify_mail(mail, channel_address=address)
    if kind == "own":
        return InboundBatch()
    if kind == "bounce":
        return InboundBatch(delivery_updates=_bounce_updates(mail, address))
    full_text = clean(mail.text)[:MAX_TEXT_CHARS]
    shown = strip_quoted(full_text)
    attachments, refused = _store_attachments(mail, context)
    meta: dict[str, Any] = {
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to[0] if mail.in_reply_to else None,
        "references": mail.references[-20:],
        "case_ref": case_number_in(mail.subject),
        "to": mail.to[:20],
        "cc": mail.cc[:20],
    }
    if shown != full_text:
        meta["full_text"] = full_text
    if mail.html:
        meta["html"] = clean(mail.html)[:MAX_TEXT_CHARS]
    if mail.forwarded:
        meta["forwarded"] = [{key: clean(value) for key, value in item.items()} for item in mail.forwarded]
    if refused:
        meta["attachments_refused"] = refused
    if mail.defects:
        meta["defects"] = [clean(defect)[:300] for defect in mail.defects[:10]]
    message = InboundMessage(
        channel_id=channel.id,
        external_id=external_id(mail, raw),
        identities=(IdentityClaim("email", sender_address(mail), verified=False),),
        text=shown,
        sent_at=mail.sent_at or received_at,
        sender_name=clean(mail.from_display_name)[:200] or None,
        subject=clean(mail.subject)[:500] or None,
        thread_key=(thread_key or external_id(mail, raw))[:300],
        attachments=tuple(attachments),
        meta=meta,
        auto_generated=kind == "auto_reply",
    )
    return InboundBatch(messages=[message])


def external_id(mail: ParsedMail, raw: bytes) -> str:
    """The Message-ID (a retried delivery or a second IMAP pass dedupes on it); mail without one,
    or with an absurdly long one, is named by the digest of its bytes."""
    if mail.message_id and len(mail.message_id) <= 300:
        return mail.message_id
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@omniline.invalid>"


def sender_address(mail: ParsedMail) -> str:
    """An address the identity can hold: the From address, or the something@something inside an
    unparseable From; mail with no sender at all gets one that says so."""
    candidates = [mail.from_email, *mail.from_email.split()]
    for candidate in candidates:
        candidate = candidate.strip("<>\"' ")
        local, at, domain = candidate.rpartition("@")
        if at and local and domain and not _BARE_ADDRESS_CHARS & set(candidate):
            return candidate
    return "unknown-sender@omniline.invalid"


def clean(text: str) -> str:
    """Text a database accepts: no NUL characters (PostgreSQL refuses them), no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _bounce_updates(mail: ParsedMail, address: str) -> list[DeliveryUpdate]:
    report = mail.report
    if report is None or not report.failed:
        return []
    ids = [item for item in report.original_message_ids if is_our_message_id(item, address)]
    error = clean(f"bounced: {report.status} {report.diagnostic}".strip())[:2000]
    return [
        DeliveryUpdate(provider_message_id=item, outcome="failed", provider_status="bounced", error=error)
        for item in ids
    ]


def _store_attachments(mail: ParsedMail, context: AdapterContext) -> tuple[list[Attachment], list[str]]:
    stored: list[Attachment] = []
    refused: list[str] = []
    for part in mail.attachments:
        try:
            stored.append(
                context.files.save(part.data, filename=part.filename, declared_type=part.content_type)
            )
        except PayloadTooLarge:
            refused.append(clean(part.filename)[:255])
    return stored, refused
