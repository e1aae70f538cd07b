"""Recording what an agent sends: the message, its timeline event and its outbox delivery, together.

`send_reply` answers on a conversation's own channel; `messages.outreach.start_outreach` writes to the
same customer on another channel. Both end in `record_outbound`, the one place an agent's outbound
message is stored and queued.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.models import Case
from omniline.channels.models import Channel, Delivery
from omniline.channels.outbox import enqueue_delivery
from omniline.channels.registry import ChannelRegistry
from omniline.channels.service import channel_info
from omniline.conversations.models import Conversation
from omniline.customers.models import Identity
from omniline.kernel.errors import Conflict
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.messages.normalized import Attachment, OutboundMessage
from omniline.routing.sla_service import record_first_response
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event


def send_reply(
    session: Session,
    *,
    actor: Actor,
    conversation: Conversation,
    text: str,
    now: datetime,
    registry: ChannelRegistry,
    store_attachments: Callable[[], tuple[Attachment, ...]] | None = None,
) -> tuple[Message, Delivery]:
    """Store the reply and queue it for the conversation's channel; Conflict when there is no address
    or the channel's adapter refuses (e.g. the customer opted out). `store_attachments` stores the
    reply's files: it is called only once the channel has agreed, so that a refused reply leaves no
    file behind."""
    channel = session.get_one(Channel, conversation.channel_id)
    identity = session.get(Identity, conversation.identity_id) if conversation.identity_id else None
    if identity is None or identity.customer_id != conversation.customer_id:
        raise Conflict("this conversation has no customer address to reply to")
    recipient = f"{identity.kind}:{identity.address}"
    reply_context = prepare_outbound(session, registry, channel, conversation, recipient)
    return record_outbound(
        session,
        actor=actor,
        conversation=conversation,
        channel=channel,
        recipient=recipient,
        text=text,
        subject=conversation.subject,
        attachments=() if store_attachments is None else store_attachments(),
        reply_context=reply_context,
        now=now,
    )


def prepare_outbound(
    session: Session, registry: ChannelRegistry, channel: Channel, conversation: Conversation, recipient: str
) -> dict[str, Any]:
    """The adapter's reply context; it raises Conflict to refuse (an opt-out, a channel without text)
    before anything is stored."""
    region = session.get_one(Tenant, conversation.tenant_id).default_region
    return registry.get(channel.kind).prepare_reply(
        session, channel_info(channel, region), conversation, recipient
    )


def record_outbound(
    session: Session,
    *,
    actor: Actor,
    conversation: Conversation,
    channel: Channel,
    recipient: str,
    text: str,
    subject: str | None,
    attachments: tuple[Attachment, ...],
    reply_context: dict[str, Any],
    now: datetime,
    message_id: uuid.UUID | None = None,
    audit_data: dict[str, Any] | None = None,
) -> tuple[Message, Delivery]:
    """Store the agent's message on `conversation`, queue its delivery, stop the case's first-response
    clock, and put it on the timeline and in the audit log. The conversation must be in the session."""
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    message = Message(
        id=message_id or new_id(),
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        case_id=case.id if case else None,
        customer_id=conversation.customer_id,
        channel_id=channel.id,
        channel_kind=channel.kind,
        direction="out",
        sender_identity=f"agent:{actor.user_id}",
        sender_name=actor.name,
        author_user_id=actor.user_id,
        text=text,
        subject=subject,
        attachments=[attachment.as_json() for attachment in attachments],
        external_id=None,
        sent_at=now,
        created_at=now,
    )
    session.add(message)
    conversation.last_message_at = now
    if case is not None:
        case.updated_at = now
        record_first_response(session, case=case, now=now)
    outbound = OutboundMessage(
        message_id=message.id,
        conversation_id=conversation.id,
        channel_id=channel.id,
        recipient=recipient,
        text=text,
        sent_at=now,
        author_name=actor.name,
        subject=subject,
        thread_key=conversation.thread_key,
        attachments=attachments,
        reply_context=reply_context,
    )
    delivery = enqueue_delivery(session, tenant_id=conversation.tenant_id, message=outbound, now=now)
    record_event(
        session,
        tenant_id=conversation.tenant_id,
        customer_id=conversation.customer_id,
        type="message.sent",
        at=now,
        channel_id=channel.id,
        channel_kind=channel.kind,
        conversation_id=conversation.id,
        case_id=message.case_id,
        message_id=message.id,
        actor=actor.ref,
    )
    record_audit(
        session,
        tenant_id=conversation.tenant_id,
        actor=actor.ref,
        action="message.sent",
        subject_type="conversation",
        subject_id=conversation.id,
        data={"message_id": str(message.id)} | (audit_data or {}),
    )
    return message, delivery
