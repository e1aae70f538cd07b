"""Writing timeline events. Every service that changes what happened to a customer records it here."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from omniline.db.base import table_of
from omniline.kernel.ids import new_id
from omniline.timeline.models import TimelineEvent

_INSERT = insert(table_of(TimelineEvent))


def record_event(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    type: str,
    at: datetime,
    channel_id: uuid.UUID | None = None,
    channel_kind: str | None = None,
    conversation_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        tenant_id=tenant_id,
        customer_id=customer_id,
        type=type,
        at=at,
        channel_id=channel_id,
        channel_kind=channel_kind,
        conversation_id=conversation_id,
        case_id=case_id,
        message_id=message_id,
        actor=actor,
        data=data or {},
    )
    session.add(event)
    return event


def timeline_row(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    type: str,
    at: datetime,
    channel_id: uuid.UUID | None = None,
    channel_kind: str | None = None,
    conversation_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event as a row for `insert_events` (every key present, so rows insert as one batch)."""
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "type": type,
        "at": at,
        "channel_id": channel_id,
        "channel_kind": channel_kind,
        "conversation_id": conversation_id,
        "case_id": case_id,
        "message_id": message_id,
        "actor": actor,
        "data": data or {},
    }


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append events without the ORM's unit of work (the pipeline's hot path)."""
    session.connection().execute(_INSERT, rows)
