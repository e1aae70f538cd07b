"""The conversation view's messages: the newest page (or the page before a message), with each
outbound message's delivery, as plain values for the templates."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.channels.models import Delivery
from omniline.messages.models import Message

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AttachmentItem:
    index: int
    filename: str
    content_type: str
    size: int
    stored: bool  # described by a channel but never fetched: shown without a link


@dataclass(frozen=True, slots=True)
class DeliveryState:
    id: uuid.UUID
    state: str  # pending | sent | delivered | failed
    error: str | None


@dataclass(frozen=True, slots=True)
class MessageItem:
    id: uuid.UUID
    conversation_id: uuid.UUID
    direction: str
    channel_kind: str
    sender_name: str | None
    sender_identity: str
    sent_at: datetime
    subject: str | None
    text: str
    event: str | None
    attachments: list[AttachmentItem]
    delivery: DeliveryState | None


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[MessageItem]
    has_earlier: bool


def read_messages(
    session: Session, conversation_id: uuid.UUID, *, before: uuid.UUID | None = None
) -> MessagePage:
    """Up to PAGE_SIZE messages older than `before` (else the newest), oldest first. Message ids are
    time-ordered, so the page is read newest first by id and turned round."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = list(session.scalars(query.order_by(Message.id.desc()).limit(PAGE_SIZE + 1)))
    page = rows[:PAGE_SIZE][::-1]
    deliveries = deliveries_of(session, [row.id for row in page if row.direction == "out"])
    return MessagePage([message_item(row, deliveries.get(row.id)) for row in page], len(rows) > PAGE_SIZE)


def read_message(session: Session, conversation_id: uuid.UUID, message_id: uuid.UUID) -> MessageItem | None:
    message = session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id:
        return None
    return message_item(message, deliveries_of(session, [message.id]).get(message.id))


def deliveries_of(session: Session, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, Delivery]:
    if not message_ids:
        return {}
    rows = session.scalars(select(Delivery).where(Delivery.message_id.in_(message_ids)).order_by(Delivery.id))
    # A message has one delivery; should a retry ever add another, the newest tells the state.
    return {row.message_id: row for row in rows if row.message_id is not None}


def delivery_state(delivery: Delivery) -> DeliveryState:
    if delivery.status == "failed":
        state = "failed"
    elif delivery.status == "sent":
        state = "delivered" if delivery.provider_status in ("delivered", "read") else "sent"
    else:  # pending, sending: still in the outbox
        state = "pending"
    return DeliveryState(delivery.id, state, delivery.last_error if state == "failed" else None)


def message_item(message: Message, delivery: Delivery | None) -> MessageItem:
    items: list[Any] = message.attachments or []
    return MessageItem(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=message.direction,
        channel_kind=message.channel_kind,
        sender_name=message.sender_name,
        sender_identity=message.sender_identity,
        sent_at=message.sent_at,
        subject=message.subject,
        text=message.text,
        event=message.event,
        attachments=[
            AttachmentItem(
                index,
                str(item.get("filename") or "attachment"),
                str(item.get("content_type") or ""),
                int(item.get("size") or 0),
                bool(item.get("storage_key")),
            )
            for index, item in enumerate(items)
        ],
        delivery=delivery_state(delivery) if delivery is not None else None,
    )
