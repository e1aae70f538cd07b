"""Writing timeline events. Every service that changes what happened to a customer records it here."""

import uuid
from datetime import datetime
from typing import Any, Required, TypedDict, Unpack

from sqlalchemy.orm import Session

from omniline.db.base import table_of
from omniline.db.bulk import RowsInsert
from omniline.kernel.ids import new_id
from omniline.timeline.models import TimelineEvent

_INSERT = RowsInsert(table_of(TimelineEvent))


class EventFields(TypedDict, total=False):
    """What a timeline event says; the first four are required."""

    tenant_id: Required[uuid.UUID]
    customer_id: Required[uuid.UUID]
    type: Required[str]
    at: Required[datetime]
    channel_id: uuid.UUID | None
    channel_kind: str | None
    conversation_id: uuid.UUID | None
    case_id: uuid.UUID | None
    message_id: uuid.UUID | None
    actor: str | None
    data: dict[str, Any] | None


def record_event(session: Session, **fields: Unpack[EventFields]) -> TimelineEvent:
    """Add one event to the session (written with the unit of work's next flush)."""
    event = TimelineEvent(**timeline_row(**fields))
    session.add(event)
    return event


def timeline_row(**fields: Unpack[EventFields]) -> dict[str, Any]:
    """One event as a row for `insert_events` (every key present, so rows insert as one batch). Its id
    is made now, so events sort in the order they were recorded."""
    return {
        "id": new_id(),
        "channel_id": None,
        "channel_kind": None,
        "conversation_id": None,
        "case_id": None,
        "message_id": None,
        "actor": None,
        **fields,
        "data": fields.get("data") or {},
    }


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append events without the ORM's unit of work (the pipeline's hot path)."""
    _INSERT.execute(session.connection(), rows)
