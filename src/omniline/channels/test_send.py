"""A test message from an admin through a channel: a real delivery in the outbox, so the admin sees the
whole road work (or fail, with the provider's error) before customers depend on it.

Only kinds that can start a message to an address they are given can send a test; the others are
inbound-only here (a call, an office visit), or answer only inside a conversation (a web chat visitor
who is connected, a social post to reply to).
"""

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.channels.models import Channel, Delivery
from omniline.channels.outbox import enqueue_delivery
from omniline.customers.identities import IDENTITY_KINDS, normalise_email, normalise_phone
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.kernel.ids import new_id
from omniline.messages.normalized import OutboundMessage
from omniline.security.access import Actor
from omniline.security.audit import record_audit

PURPOSE = "channel_test"  # in the delivery's reply_context: how a test is told from replies
TEST_SUBJECT = "omniline test message"
MAX_TEST_TEXT = 2000


def _phone(address: str, region: str) -> str:
    return "phone:" + normalise_phone(address.removeprefix("phone:"), region=region)


def _email(address: str, region: str) -> str:
    return "email:" + normalise_email(address.removeprefix("email:"))


def _telegram(address: str, region: str) -> str:
    chat = address.removeprefix("telegram:").strip()
    if not chat.lstrip("-").isdigit():
        raise InvalidInput("a telegram test goes to a numeric chat id (the user's id for a private chat)")
    return f"telegram:{chat}"


def _wechat(address: str, region: str) -> str:
    openid = address.removeprefix("wechat:").strip()
    if not openid or len(openid) > 128:
        raise InvalidInput("a wechat test goes to a follower's OpenID")
    return f"wechat:{openid}"


def _identity(address: str, region: str) -> str:
    kind, separator, rest = address.strip().partition(":")
    if not separator or kind.lower() not in IDENTITY_KINDS or not rest.strip():
        raise InvalidInput("an api channel's test goes to an identity such as app:42 (KIND:ADDRESS)")
    return f"{kind.lower()}:{rest.strip()}"


# kind → how the typed address becomes the recipient identity; kinds absent here cannot send tests.
RECIPIENTS: dict[str, Callable[[str, str], str]] = {
    "api": _identity,
    "email": _email,
    "sms": _phone,
    "telegram": _telegram,
    "wechat": _wechat,
}


def can_send_tests(kind: str) -> bool:
    return kind in RECIPIENTS


def queue_test_message(
    session: Session, *, actor: Actor, channel: Channel, to: str, text: str, region: str, now: datetime
) -> Delivery:
    """A pending delivery of `text` to `to` through `channel`; Conflict for a channel that is disabled
    or cannot send, InvalidInput for an address or text the channel cannot use. The caller commits and
    then announces `delivery.queued` so the outbox worker wakes."""
    recipient_of = RECIPIENTS.get(channel.kind)
    if recipient_of is None:
        raise Conflict(f"a {channel.kind} channel cannot send test messages", code="cannot_send")
    if not channel.is_active:
        raise Conflict("the channel is disabled; enable it first", code="channel_disabled")
    text = text.strip()
    if not text or len(text) > MAX_TEST_TEXT:
        raise InvalidInput(f"the test text is 1 to {MAX_TEST_TEXT} characters")
    recipient = recipient_of(to.strip(), region)
    # Nothing of a customer's: no conversation or message row; the ids only give the provider an
    # idempotency key and keep the outbound form complete.
    synthetic = new_id()
    message = OutboundMessage(
        message_id=synthetic,
        conversation_id=synthetic,
        channel_id=channel.id,
        recipient=recipient,
        text=text,
        sent_at=now,
        author_name=actor.name,
        subject=TEST_SUBJECT,
        reply_context={"purpose": PURPOSE},
    )
    delivery = enqueue_delivery(session, tenant_id=channel.tenant_id, message=message, now=now)
    delivery.message_id = None  # no message row stands behind it
    record_audit(
        session,
        tenant_id=channel.tenant_id,
        actor=actor.ref,
        action="channel.test_sent",
        subject_type="channel",
        subject_id=channel.id,
        data={"delivery_id": str(delivery.id), "recipient": recipient},
    )
    session.flush()
    return delivery


def recent_test_deliveries(session: Session, channel_id: uuid.UUID, limit: int = 10) -> list[Delivery]:
    """The channel's latest test sends, newest first."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.channel_id == channel_id, Delivery.message_id.is_(None))
        .order_by(Delivery.id.desc())
        .limit(limit * 5)
    )
    tests = [row for row in rows if (row.payload.get("reply_context") or {}).get("purpose") == PURPOSE]
    return tests[:limit]
