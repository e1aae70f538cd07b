"""Task use cases: list a tenant's tasks, complete one (a callback made). Offering tasks to agents
comes with routing; these are what a phone team needs to work its callback list by hand meanwhile."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.kernel.errors import Conflict, NotFound
from omniline.messages.models import Message
from omniline.routing.models import Task
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

CLOSED_STATUSES = frozenset({"done", "cancelled"})


def list_tasks(
    session: Session, tenant_id: uuid.UUID, *, status: str | None, kind: str | None, limit: int
) -> list[Task]:
    """The tenant's tasks, soonest due first."""
    query = select(Task).where(Task.tenant_id == tenant_id)
    if status is not None:
        query = query.where(Task.status == status)
    if kind is not None:
        query = query.where(Task.kind == kind)
    return list(session.scalars(query.order_by(Task.due_at, Task.id).limit(limit)))


def get_task(session: Session, tenant_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.tenant_id != tenant_id:
        raise NotFound(f"task {task_id} not found")
    return task


def complete_task(
    session: Session, *, actor: Actor, task_id: uuid.UUID, note: str | None, now: datetime
) -> Task:
    """Mark the task done by `actor`, on the customer's timeline and in the audit log.
    NotFound outside the actor's tenant; Conflict when it is already done or cancelled."""
    task = get_task(session, actor.tenant_id, task_id)
    if task.status in CLOSED_STATUSES:
        raise Conflict(f"task {task_id} is already {task.status}")
    task.status = "done"
    task.completed_at = now
    task.assigned_user_id = task.assigned_user_id or actor.user_id
    if note:
        task.data = {**task.data, "note": note}
    source = session.get(Message, task.message_id) if task.message_id else None
    details = {"task_id": str(task.id), "reason": task.reason} | ({"note": note} if note else {})
    record_event(
        session,
        tenant_id=task.tenant_id,
        customer_id=task.customer_id,
        type=f"{task.kind}.completed",
        at=now,
        channel_id=source.channel_id if source else None,
        channel_kind=source.channel_kind if source else None,
        conversation_id=task.conversation_id,
        case_id=task.case_id,
        message_id=task.message_id,
        actor=actor.ref,
        data=details,
    )
    record_audit(
        session,
        tenant_id=task.tenant_id,
        actor=actor.ref,
        action="task.completed",
        subject_type="task",
        subject_id=task.id,
        data=details,
    )
    return task


def task_view(task: Task) -> dict[str, Any]:
    return {
        "id": str(task.id),
        "kind": task.kind,
        "status": task.status,
        "reason": task.reason,
        "queue": task.queue,
        "priority": task.priority,
        "due_at": task.due_at.isoformat(),
        "customer_id": str(task.customer_id),
        "case_id": str(task.case_id) if task.case_id else None,
        "conversation_id": str(task.conversation_id) if task.conversation_id else None,
        "message_id": str(task.message_id) if task.message_id else None,
        "assigned_user_id": str(task.assigned_user_id) if task.assigned_user_id else None,
        "created_at": task.created_at.isoformat(),
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "channel_kind": task.channel_kind,
        "language": task.language,
        "skills": list(task.skills or []),
        "team_id": str(task.team_id) if task.team_id else None,
        "sticky_user_id": str(task.sticky_user_id) if task.sticky_user_id else None,
        "enqueued_at": task.enqueued_at.isoformat() if task.enqueued_at else None,
        "assigned_at": task.assigned_at.isoformat() if task.assigned_at else None,
        "overflowed": bool(task.overflowed),
    }
