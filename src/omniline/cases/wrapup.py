"""The agent's last word on a case: confirm or correct its topic, give a resolution code, finish the
work, and optionally resolve.

A confirmed topic becomes a training example for the classifier (the text is copied from the case's
inbound messages), so the model learns from what agents decide, on every channel.
"""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.cases.service import change_case_status, get_case
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import InvalidInput
from omniline.messages.models import Message
from omniline.routing.dispatch import finish_case_tasks, finish_task
from omniline.routing.models import Task
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.taxonomy.examples import record_example
from omniline.taxonomy.language import detect_language
from omniline.taxonomy.models import Topic
from omniline.timeline.service import record_event

RESOLUTION_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,49}$")
# How much of the customer's words becomes one training example: the opening messages say what the
# problem is; later ones are mostly thanks and details.
EXAMPLE_MESSAGES = 3
EXAMPLE_CHARS = 2000


def confirm_topic(
    session: Session, *, actor: Actor, case_id: uuid.UUID, topic_code: str, now: datetime
) -> Case:
    """Set the case's topic as a person decided it. InvalidInput for an unknown or inactive topic."""
    case = get_case(session, actor.tenant_id, case_id)
    topic = session.scalar(
        select(Topic).where(Topic.tenant_id == actor.tenant_id, Topic.code == topic_code, Topic.is_active)
    )
    if topic is None:
        raise InvalidInput(f"no active topic {topic_code!r} in this tenant's taxonomy")
    previous = session.get(Topic, case.topic_id) if case.topic_id else None
    predicted = case.topic_source in ("rules", "model")
    source = "corrected" if predicted and previous is not None and previous.id != topic.id else "confirmed"
    case.topic_id = topic.id
    case.topic_source = "agent"
    case.topic_confidence = 1.0
    case.topic_confirmed = True
    case.updated_at = now
    text = _case_text(session, case.id)
    if text:
        record_example(
            session,
            tenant_id=actor.tenant_id,
            topic_id=topic.id,
            case_id=case.id,
            text=text,
            language=case.language or detect_language(text),
            source=source,
            actor=actor.ref,
            now=now,
        )
    details: dict[str, Any] = {
        "topic": topic.code,
        "previous": previous.code if previous else None,
        "source": source,
    }
    _record(session, actor, case, "case.topic_confirmed", details, now=now)
    return case


def wrap_up_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    topic_code: str | None,
    resolution_code: str | None,
    note: str | None,
    resolve: bool,
    now: datetime,
) -> Case:
    """Finish the actor's work on the case. InvalidInput for a bad resolution code or topic (checked
    before anything changes); Conflict when resolving a case that is already resolved."""
    if resolution_code is not None and not RESOLUTION_CODE.match(resolution_code):
        raise InvalidInput("resolution_code: lower-case letters, digits, '_', '.', '-' (at most 50)")
    session = uow.session
    case = get_case(session, actor.tenant_id, case_id)
    if topic_code is not None:
        confirm_topic(session, actor=actor, case_id=case_id, topic_code=topic_code, now=now)
    finished = _finish_work(uow, case, actor, resolve=resolve, now=now)
    if resolve:
        change_case_status(
            uow, tenant_id=actor.tenant_id, case_id=case_id, action="resolve", actor=actor.ref, now=now
        )
    case.resolution_code = resolution_code or case.resolution_code
    case.wrapped_up_at = now
    case.updated_at = now
    details: dict[str, Any] = {
        "resolution_code": resolution_code,
        "resolved": resolve,
        "tasks_finished": finished,
    } | ({"note": note} if note else {})
    _record(session, actor, case, "case.wrapped_up", details, now=now)
    return case


def _record(
    session: Session, actor: Actor, case: Case, action: str, details: dict[str, Any], *, now: datetime
) -> None:
    """A person's action on a case: on the customer's timeline and in the audit log, alike."""
    record_event(
        session,
        tenant_id=actor.tenant_id,
        customer_id=case.customer_id,
        type=action,
        at=now,
        case_id=case.id,
        actor=actor.ref,
        data=details,
    )
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action=action,
        subject_type="case",
        subject_id=case.id,
        data=details,
    )


def _finish_work(uow: UnitOfWork, case: Case, actor: Actor, *, resolve: bool, now: datetime) -> int:
    """Resolved: nobody needs to work on the case any more. Otherwise only the actor's own work ends
    (a colleague may still hold a callback for the same case)."""
    if resolve:
        return len(finish_case_tasks(uow, case.id, now))
    tasks = uow.session.scalars(
        select(Task).where(
            Task.case_id == case.id, Task.status == "assigned", Task.assigned_user_id == actor.user_id
        )
    ).all()
    for task in tasks:
        finish_task(uow, task_id=task.id, status="done", now=now)
    return len(tasks)


def _case_text(session: Session, case_id: uuid.UUID) -> str:
    texts = session.scalars(
        select(Message.text)
        .where(Message.case_id == case_id, Message.direction == "in", Message.event.is_(None))
        .order_by(Message.id)
        .limit(EXAMPLE_MESSAGES)
    ).all()
    return "\n".join(text.strip() for text in texts if text and text.strip())[:EXAMPLE_CHARS]
