"""Recording an agent's reply: the message, its timeline event and its outbox delivery, together."""

from datetime import datetime

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
from omniline.messages.normalized import OutboundMessage
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
) -> tuple[Message, Delivery]:
    """Store the reply and queue it for the conversation's channel; Conflict when there is no address
    or the channel's adapter refuses (e.g. the customer opted out)."""
    channel = session.get_one(Channel, conversation.channel_id)
    identity = session.get(Identity, conversation.identity_id) if conversation.identity_id else None
    if identity is None or identity.customer_id != conversation.customer_id:
        raise Conflict("this conversation has no customer address to reply to")
    recipient = f"{identity.kind}:{identity.address}"
    region = session.get_one(Tenant, conversation.tenant_id).default_region
    reply_context = registry.get(channel.kind).prepare_reply(
        session, channel_info(channel, region), conversation, recipient
    )
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    message = Message(
        id=new_id(),
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
        subject=conversation.subject,
        attachments=[],
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
        subject=conversation.subject,
        thread_key=conversation.thread_key,
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
        data={"message_id": str(message.id)},
    )
    return message, delivery
