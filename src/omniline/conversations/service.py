"""Conversation use cases: thread an inbound message, load a conversation within a tenant."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.conversations.message_threading import (
    DEFAULT_IDLE_TIMEOUT,
    ConversationSummary,
    choose_conversation,
)
from omniline.conversations.models import Conversation
from omniline.kernel.errors import NotFound
from omniline.kernel.ids import new_id


def thread_message(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID,
    thread_key: str | None,
    subject: str | None,
    now: datetime,
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> tuple[Conversation, bool]:
    """The conversation this message continues, or a new one; the flag says whether it is new."""
    # Only the sender's own conversations: a thread id sent by someone else must not pull this
    # message into another customer's conversation.
    query = select(Conversation).where(
        Conversation.channel_id == channel_id, Conversation.customer_id == customer_id
    )
    if thread_key is not None:
        query = query.where(Conversation.thread_key == thread_key)
    else:
        query = query.where(Conversation.thread_key.is_(None), Conversation.status == "open")
    rows = session.scalars(query.order_by(Conversation.last_message_at.desc()).limit(5)).all()
    summaries = [
        ConversationSummary(row.id, row.customer_id, row.thread_key, row.status, row.last_message_at)
        for row in rows
    ]
    chosen = choose_conversation(summaries, thread_key=thread_key, now=now, idle_timeout=idle_timeout)
    if chosen is not None:
        conversation = next(row for row in rows if row.id == chosen)
        conversation.last_message_at = max(conversation.last_message_at, now)
        conversation.status = "open"
        conversation.identity_id = identity_id  # replies go to the address the customer last wrote from
        return conversation, False
    conversation = Conversation(
        id=new_id(),
        tenant_id=tenant_id,
        channel_id=channel_id,
        customer_id=customer_id,
        identity_id=identity_id,
        thread_key=thread_key,
        subject=subject,
        status="open",
        started_at=now,
        last_message_at=now,
    )
    session.add(conversation)
    return conversation, True


def get_conversation(session: Session, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.tenant_id != tenant_id:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation
