"""Reading a customer's timeline, newest first, by keyset (event ids are time-ordered)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.messages.models import Message
from omniline.messages.views import message_view
from omniline.timeline.models import TimelineEvent


def read_timeline(
    session: Session, customer_id: uuid.UUID, *, limit: int, before: uuid.UUID | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` entries older than the cursor `before`, and the cursor for the next page."""
    query = (
        select(TimelineEvent, Message)
        .outerjoin(Message, Message.id == TimelineEvent.message_id)
        .where(TimelineEvent.customer_id == customer_id)
        .order_by(TimelineEvent.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(TimelineEvent.id < before)
    rows = session.execute(query).all()
    page = rows[:limit]
    next_cursor = str(page[-1][0].id) if len(rows) > limit else None
    return [timeline_entry(event, message) for event, message in page], next_cursor


def timeline_entry(event: TimelineEvent, message: Message | None) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "type": event.type,
        "at": event.at.isoformat(),
        "channel_id": str(event.channel_id) if event.channel_id else None,
        "channel_kind": event.channel_kind,
        "conversation_id": str(event.conversation_id) if event.conversation_id else None,
        "case_id": str(event.case_id) if event.case_id else None,
        "actor": event.actor,
        "data": event.data,
        "message": message_view(message) if message is not None else None,
    }
