"""Conversation use cases: thread an inbound message, store the conversation, load one within a tenant."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Uuid, bindparam, insert, select, update
from sqlalchemy.orm import Session

from omniline.conversations.message_threading import (
    DEFAULT_IDLE_TIMEOUT,
    ConversationSummary,
    choose_conversation,
)
from omniline.conversations.models import Conversation
from omniline.db.base import UTCDateTime, table_of
from omniline.kernel.errors import NotFound
from omniline.kernel.ids import new_id


@dataclass(frozen=True, slots=True)
class ThreadedConversation:
    """The conversation a message goes to; `is_new` ones are not stored until `store_conversation`."""

    id: uuid.UUID
    case_id: uuid.UUID | None
    is_new: bool


# Only the sender's own conversations on this channel: a thread id sent by someone else must not pull
# the message into another customer's conversation.
_COLUMNS = (
    Conversation.id,
    Conversation.customer_id,
    Conversation.thread_key,
    Conversation.status,
    Conversation.last_message_at,
    Conversation.case_id,
)
_OWN = (
    Conversation.channel_id == bindparam("channel_id", type_=Uuid()),
    Conversation.customer_id == bindparam("customer_id", type_=Uuid()),
)
_BY_THREAD = (
    select(*_COLUMNS)
    .where(*_OWN, Conversation.thread_key == bindparam("thread_key"))
    .order_by(Conversation.last_message_at.desc())
    .limit(5)
)
_OPEN_UNTHREADED = (
    select(*_COLUMNS)
    .where(*_OWN, Conversation.thread_key.is_(None), Conversation.status == "open")
    .order_by(Conversation.last_message_at.desc())
    .limit(5)
)
_TABLE = table_of(Conversation)
_INSERT = insert(_TABLE)
_CONTINUE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("conversation_id", type_=Uuid()))
    .values(
        last_message_at=bindparam("now", type_=UTCDateTime()),
        status="open",
        identity_id=bindparam("identity_id", type_=Uuid()),
        case_id=bindparam("case_id", type_=Uuid()),
    )
)


def thread_message(
    session: Session,
    *,
    channel_id: uuid.UUID,
    customer_id: uuid.UUID,
    thread_key: str | None,
    now: datetime,
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> ThreadedConversation:
    """The conversation this message continues, or a new one (not yet stored)."""
    params = {"channel_id": channel_id, "customer_id": customer_id, "thread_key": thread_key}
    rows = (
        session.connection().execute(_BY_THREAD if thread_key is not None else _OPEN_UNTHREADED, params).all()
    )
    summaries = [ConversationSummary(row[0], row[1], row[2], row[3], row[4]) for row in rows]
    chosen = choose_conversation(summaries, thread_key=thread_key, now=now, idle_timeout=idle_timeout)
    if chosen is None:
        return ThreadedConversation(new_id(), None, is_new=True)
    case_id = next(row[5] for row in rows if row[0] == chosen)
    return ThreadedConversation(chosen, case_id, is_new=False)


def store_conversation(
    session: Session,
    conversation: ThreadedConversation,
    *,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID,
    thread_key: str | None,
    subject: str | None,
    case_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Insert a new conversation, or move an existing one on: replies go to the address the customer
    last wrote from, and it serves the case the message joined."""
    if conversation.is_new:
        session.connection().execute(
            _INSERT,
            {
                "id": conversation.id,
                "tenant_id": tenant_id,
                "channel_id": channel_id,
                "customer_id": customer_id,
                "case_id": case_id,
                "identity_id": identity_id,
                "thread_key": thread_key,
                "status": "open",
                "subject": subject,
                "started_at": now,
                "last_message_at": now,
            },
        )
    else:
        session.connection().execute(
            _CONTINUE,
            {"conversation_id": conversation.id, "now": now, "identity_id": identity_id, "case_id": case_id},
        )


def get_conversation(session: Session, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.tenant_id != tenant_id:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation
