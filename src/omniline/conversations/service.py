"""Conversation use cases: thread an inbound message, store the conversation, load one within a tenant."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Uuid, and_, or_, select, update
from sqlalchemy.orm import Session

from omniline.conversations.message_threading import (
    DEFAULT_IDLE_TIMEOUT,
    ConversationSummary,
    choose_conversation,
)
from omniline.conversations.models import Conversation
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
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
_TABLE = table_of(Conversation)
_INSERT = RowsInsert(_TABLE)
_CONTINUE = RowsUpdate(
    lambda p: (
        update(_TABLE)
        .where(_TABLE.c.id == p.conversation_id)
        .values(last_message_at=p.now, status="open", identity_id=p.identity_id, case_id=p.case_id)
    ),
    key="conversation_id",
    conversation_id=Uuid(),
    now=UTCDateTime(),
    identity_id=Uuid(),
    case_id=Uuid(),
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
    request = ThreadRequest(channel_id, customer_id, thread_key)
    return thread_messages(session, [request], now=now, idle_timeout=idle_timeout)[0]


@dataclass(frozen=True, slots=True)
class ThreadRequest:
    """One message to thread: `new_customer` ones have no conversation to look for."""

    channel_id: uuid.UUID
    customer_id: uuid.UUID
    thread_key: str | None
    new_customer: bool = False


_CANDIDATES_OF_MANY = select(*_COLUMNS, Conversation.channel_id).where(
    one_of(Conversation.customer_id, "customer_ids"),
    one_of(Conversation.channel_id, "channel_ids"),
    or_(
        one_of(Conversation.thread_key, "thread_keys"),
        and_(Conversation.thread_key.is_(None), Conversation.status == "open"),
    ),
)


def thread_messages(
    session: Session,
    requests: list[ThreadRequest],
    *,
    now: datetime,
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> list[ThreadedConversation]:
    """`thread_message` for several messages of different customers, with one read for all of them."""
    known = [request for request in requests if not request.new_customer]
    rows: dict[tuple[uuid.UUID, uuid.UUID], list[Any]] = defaultdict(list)
    if known:
        params = {
            "customer_ids": sorted({request.customer_id for request in known}),
            "channel_ids": sorted({request.channel_id for request in known}),
            "thread_keys": sorted(
                {request.thread_key for request in known if request.thread_key is not None}
            ),
        }
        for row in session.connection().execute(_CANDIDATES_OF_MANY, params):
            rows[(row[6], row[1])].append(row)
    threaded = []
    for request in requests:
        mine = rows.get((request.channel_id, request.customer_id), [])
        summaries = [ConversationSummary(row[0], row[1], row[2], row[3], row[4]) for row in mine]
        chosen = choose_conversation(
            summaries, thread_key=request.thread_key, now=now, idle_timeout=idle_timeout
        )
        if chosen is None:
            threaded.append(ThreadedConversation(new_id(), None, is_new=True))
        else:
            case_id = next(row[5] for row in mine if row[0] == chosen)
            threaded.append(ThreadedConversation(chosen, case_id, is_new=False))
    return threaded


@dataclass(frozen=True, slots=True)
class ConversationWrite:
    """What `store_conversation` writes for one message."""

    conversation: ThreadedConversation
    tenant_id: uuid.UUID
    channel_id: uuid.UUID
    customer_id: uuid.UUID
    identity_id: uuid.UUID
    thread_key: str | None
    subject: str | None
    case_id: uuid.UUID | None


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
    write = ConversationWrite(
        conversation, tenant_id, channel_id, customer_id, identity_id, thread_key, subject, case_id
    )
    store_conversations(session, [write], now=now)


def store_conversations(session: Session, writes: list[ConversationWrite], *, now: datetime) -> None:
    """`store_conversation` for several messages: at most one insert and one update statement."""
    inserts = [
        {
            "id": write.conversation.id,
            "tenant_id": write.tenant_id,
            "channel_id": write.channel_id,
            "customer_id": write.customer_id,
            "case_id": write.case_id,
            "identity_id": write.identity_id,
            "thread_key": write.thread_key,
            "status": "open",
            "subject": write.subject,
            "started_at": now,
            "last_message_at": now,
        }
        for write in writes
        if write.conversation.is_new
    ]
    updates = [
        {
            "conversation_id": write.conversation.id,
            "now": now,
            "identity_id": write.identity_id,
            "case_id": write.case_id,
        }
        for write in writes
        if not write.conversation.is_new
    ]
    connection = session.connection()
    _INSERT.execute(connection, inserts)
    _CONTINUE.execute(connection, updates)


def get_conversation(session: Session, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.tenant_id != tenant_id:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation
