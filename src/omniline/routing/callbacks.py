"""Callback tasks: a missed, abandoned or voicemail call becomes a task to call the customer back.

Which queue takes it and when it is due are decided here; offering it to an agent is routing's job.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from omniline.kernel.ids import new_id
from omniline.routing.models import Task
from omniline.timeline.service import record_event

# Events after which the customer is owed a call back.
CALLBACK_EVENTS = frozenset({"call.abandoned", "call.missed", "voicemail"})
DEFAULT_CALLBACK_QUEUE = "callbacks"
CALLBACK_DUE_AFTER = timedelta(minutes=15)  # soon enough that the customer still remembers why
CALLBACK_CHANNEL_KIND = "voice"


def schedule_callback(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    case_id: uuid.UUID | None,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    channel_id: uuid.UUID,
    channel_kind: str,
    reason: str,
    now: datetime,
    queue: str = DEFAULT_CALLBACK_QUEUE,
) -> Task:
    task = Task(
        id=new_id(),
        tenant_id=tenant_id,
        kind="callback",
        status="open",
        queue=queue,
        priority=0,
        reason=reason,
        customer_id=customer_id,
        case_id=case_id,
        conversation_id=conversation_id,
        message_id=message_id,
        due_at=now + CALLBACK_DUE_AFTER,
        data={},
        created_at=now,
        # A callback is a phone call whatever channel it came from, routed to voice agents by due time:
        # it waits (and ages) from when it is due, and is not offered before.
        channel_kind=CALLBACK_CHANNEL_KIND,
        skills=[],
        enqueued_at=now + CALLBACK_DUE_AFTER,
        overflowed=False,
    )
    session.add(task)
    record_event(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        type="callback.scheduled",
        at=now,
        channel_id=channel_id,
        channel_kind=channel_kind,
        conversation_id=conversation_id,
        case_id=case_id,
        message_id=message_id,
        actor="system:pipeline",
        data={"task_id": str(task.id), "reason": reason, "queue": queue, "due_at": task.due_at.isoformat()},
    )
    return task
