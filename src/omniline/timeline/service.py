"""Writing timeline events. Every service that changes what happened to a customer records it here."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from omniline.timeline.models import TimelineEvent


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
