"""Writing to a customer on another channel: an SMS to a caller, an e-mail to a chat visitor.

The agent picks one of the tenant's channels and an address that fits it: one of the customer's
identities, or a new one typed in (normalised; it becomes the customer's unverified identity). The
message goes on a conversation of that channel for the same customer and case and leaves through the
outbox exactly like a reply (`record_outbound`).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.service import get_case
from omniline.channels.email.mail_threading import outbound_message_id
from omniline.channels.models import Channel, Delivery
from omniline.channels.registry import ChannelRegistry
from omniline.conversations.models import Conversation
from omniline.conversations.outbound import open_outbound_conversation
from omniline.customers.identities import IDENTITY_KINDS, normalise_address
from omniline.customers.models import Customer, Identity
from omniline.customers.service import get_customer
from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.messages.service import prepare_outbound, record_outbound
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

# The identity kinds each channel kind can write to (the first is what a bare typed address means).
# Voice carries no text and an office visit is not a channel one writes on: neither is here.
ADDRESS_KINDS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "sms": ("phone",),
    "telegram": ("telegram",),
    "wechat": ("wechat",),
    "webchat": ("webchat",),
    "social": ("social",),
    "api": ("app", "email", "phone"),  # the tenant's app delivers to whatever identity it knows
}


@dataclass(frozen=True, slots=True)
class Outreach:
    message: Message
    delivery: Delivery
    conversation: Conversation


def start_outreach(
    session: Session,
    *,
    actor: Actor,
    customer_id: uuid.UUID,
    channel_id: uuid.UUID,
    to: str,
    text: str,
    subject: str | None,
    case_id: uuid.UUID | None,
    registry: ChannelRegistry,
    now: datetime,
) -> Outreach:
    """Store and queue the message. NotFound for another tenant's customer, channel or case;
    InvalidInput for a channel one cannot write on, an address that does not fit it, or a case of
    another customer; Conflict for an address of another customer, a merged-away customer, or a
    recipient the channel refuses (an SMS opt-out). The caller's transaction rolls back on any."""
    customer = get_customer(session, actor.tenant_id, customer_id)
    if customer.merged_into_id is not None:
        raise Conflict("this customer was merged into another; write from the surviving customer")
    channel = _writable_channel(session, actor.tenant_id, channel_id)
    case = get_case(session, actor.tenant_id, case_id) if case_id is not None else None
    if case is not None and case.customer_id != customer.id:
        raise InvalidInput(f"case C-{case.number} belongs to another customer")
    identity = _recipient_identity(session, actor, customer, channel, to, now=now)
    message_id = new_id()
    conversation = open_outbound_conversation(
        session,
        tenant_id=actor.tenant_id,
        channel_id=channel.id,
        customer_id=customer.id,
        identity_id=identity.id,
        case_id=case.id if case else None,
        subject=subject,
        thread_key=new_thread_key(channel, message_id),
        now=now,
    )
    recipient = f"{identity.kind}:{identity.address}"
    reply_context = prepare_outbound(session, registry, channel, conversation, recipient)
    message, delivery = record_outbound(
        session,
        actor=actor,
        conversation=conversation,
        channel=channel,
        recipient=recipient,
        text=text,
        subject=subject if channel.kind == "email" else None,
        attachments=(),
        reply_context=reply_context,
        now=now,
        message_id=message_id,
        audit_data={"to": recipient, "channel_id": str(channel.id), "outreach": True},
    )
    return Outreach(message, delivery, conversation)


def new_thread_key(channel: Channel, message_id: uuid.UUID) -> str | None:
    """E-mail threads by Message-ID: the customer's answer references our first mail's, and the
    mail receiver finds the conversation by it. Other channels thread without a key."""
    if channel.kind == "email" and channel.config.get("address"):
        return outbound_message_id(message_id, str(channel.config["address"]))
    return None


def _writable_channel(session: Session, tenant_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.tenant_id != tenant_id:
        raise NotFound(f"channel {channel_id} not found")
    if not channel.is_active:
        raise InvalidInput(f"the channel {channel.name!r} is switched off")
    if channel.kind not in ADDRESS_KINDS:
        raise InvalidInput(f"one cannot start a written message on a {channel.kind} channel")
    return channel


def _recipient_identity(
    session: Session, actor: Actor, customer: Customer, channel: Channel, to: str, *, now: datetime
) -> Identity:
    """The customer's identity `to` names ("KIND:ADDRESS" or a bare address of the channel's kind),
    added to the customer when it is new."""
    fitting = ADDRESS_KINDS[channel.kind]
    kind, separator, address = to.strip().partition(":")
    if not separator or kind.strip().lower() not in IDENTITY_KINDS:
        kind, address = fitting[0], to.strip()
    kind = kind.strip().lower()
    if kind not in fitting:
        raise InvalidInput(f"a {channel.kind} channel writes to {' or '.join(fitting)}, not to {kind}")
    region = session.get_one(Tenant, actor.tenant_id).default_region
    address = normalise_address(kind, address, region=region)
    identity = session.scalar(
        select(Identity).where(
            Identity.tenant_id == actor.tenant_id, Identity.kind == kind, Identity.address == address
        )
    )
    if identity is not None:
        if identity.customer_id != customer.id:
            raise Conflict(
                f"{kind}:{address} belongs to another customer; merge them first if it is the same person"
            )
        return identity
    identity = Identity(
        id=new_id(),
        tenant_id=actor.tenant_id,
        customer_id=customer.id,
        kind=kind,
        address=address,
        verified=False,
    )
    session.add(identity)
    record_event(
        session,
        tenant_id=actor.tenant_id,
        customer_id=customer.id,
        type="identity.added",
        at=now,
        channel_id=channel.id,
        channel_kind=channel.kind,
        actor=actor.ref,
        data={"identity": f"{kind}:{address}", "verified": False},
    )
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action="identity.added",
        subject_type="customer",
        subject_id=customer.id,
        data={"identity": f"{kind}:{address}", "verified": False},
    )
    session.flush()
    return identity
