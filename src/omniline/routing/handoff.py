"""Work that moves on: transfers (to a queue, a team or an agent, with a note) and overflow of work
that waited too long in its queue."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.agents.service import find_team, get_user
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from omniline.kernel.events import DomainEvent
from omniline.routing.assignment import DROP_SKILLS, QueueRules, overflow_due
from omniline.routing.dispatch import (
    SYSTEM_ACTOR,
    after_work_left,
    dispatch,
    offer_task,
    record_task_event,
    release_task,
    sync_case,
    timing_of,
    work_item,
)
from omniline.routing.models import Queue, Task
from omniline.routing.queues import get_queue_or_invalid, queue_rules, rules_of
from omniline.routing.service import CLOSED_STATUSES, task_view
from omniline.security.access import ROLE_RANK, Actor
from omniline.security.audit import record_audit


def transfer_task(
    uow: UnitOfWork,
    *,
    actor: Actor,
    task_id: uuid.UUID,
    to_queue: str | None = None,
    to_team: str | None = None,
    to_agent: uuid.UUID | None = None,
    note: str | None = None,
    now: datetime,
) -> Task:
    """Hand the task on: back to open in another queue, or for one team, or offered straight to one
    agent. Only the agent who holds it, or a supervisor, may. InvalidInput unless exactly one target
    is named and exists; Conflict for closed work. The note goes on the case's timeline."""
    session = uow.session
    if sum(target is not None for target in (to_queue, to_team, to_agent)) != 1:
        raise InvalidInput("name exactly one of queue, team or agent to transfer to")
    task = _locked_task(session, actor.tenant_id, task_id)
    if task.status in CLOSED_STATUSES:
        raise Conflict(f"the task is already {task.status}")
    holds = task.status == "assigned" and task.assigned_user_id == actor.user_id
    if not holds and ROLE_RANK.get(actor.role, 0) < ROLE_RANK["supervisor"]:
        raise PermissionDenied("only the agent who holds the task, or a supervisor, may transfer it")
    rules = get_queue_or_invalid(session, actor.tenant_id, to_queue) if to_queue is not None else None
    team = find_team(session, actor.tenant_id, to_team) if to_team is not None else None
    if to_agent is not None:
        try:
            get_user(session, actor.tenant_id, to_agent)
        except NotFound:
            raise InvalidInput(f"there is no user {to_agent} to transfer to") from None
        if to_agent == task.assigned_user_id:
            raise InvalidInput("the task is already with that agent")
    previous = release_task(uow, task, now)
    task.status = "open"
    task.reason = "transfer"
    task.enqueued_at = now
    refused = set(task.data.get("refused_by", [])) | ({str(previous)} if previous else set())
    task.data = {
        **task.data,
        "refused_by": sorted(refused),
        "transferred_from": str(previous) if previous else None,
    }
    if rules is not None:
        _move(task, rules_of(rules))
    if team is not None:
        task.team_id = team.id
    target = {"queue": to_queue} if to_queue else {"team": to_team} if to_team else {"agent": str(to_agent)}
    details = {"from_user_id": str(previous) if previous else None, "to": target} | (
        {"note": note} if note else {}
    )
    sync_case(session, task, assigned_user_id=None)
    record_task_event(session, task, "case.transferred", now, actor.ref, details)
    record_audit(
        session,
        tenant_id=task.tenant_id,
        actor=actor.ref,
        action="task.transferred",
        subject_type="task",
        subject_id=task.id,
        data=details,
    )
    uow.emit(DomainEvent("case.routed", task.tenant_id, {"task": task_view(task), "transfer": details}))
    if to_agent is not None:
        task.sticky_user_id = to_agent
        offer_task(uow, task, to_agent, now, timing_of(uow).timeout_seconds)
    if previous is not None:
        after_work_left(uow, previous, now)
    dispatch(uow, task.tenant_id, now=now)
    return task


def apply_overflow(uow: UnitOfWork, *, now: datetime) -> list[Task]:
    """Move work that waited longer than its queue's `overflow_after_seconds` to `overflow_to`, or
    let any agent take it (`overflow_drop_skills`), in every tenant; then offer it. Returns what moved."""
    session = uow.session
    queues = session.scalars(
        select(Queue).where(Queue.overflow_after_seconds.is_not(None), Queue.is_bot.is_(False))
    ).all()
    moved: list[Task] = []
    for tenant_id in sorted({queue.tenant_id for queue in queues}):
        rules = queue_rules(session, tenant_id)
        names = sorted(queue.name for queue in queues if queue.tenant_id == tenant_id)
        waiting = session.scalars(
            select(Task)
            .where(Task.tenant_id == tenant_id, Task.status == "open", Task.queue.in_(names))
            .with_for_update(skip_locked=True)
        ).all()
        for task in waiting:
            target = overflow_due(work_item(task, rules[task.queue]), rules[task.queue], now)
            if target is None:
                continue
            origin = task.queue
            if target == DROP_SKILLS:
                task.skills = []
            else:
                _move(task, rules.get(target) or QueueRules(name=target))
                task.enqueued_at = now
                task.data = {**task.data, "refused_by": []}
            task.overflowed = True
            task.data = {**task.data, "overflowed_from": origin}
            sync_case(session, task)
            record_task_event(
                session, task, "task.overflowed", now, SYSTEM_ACTOR, {"from": origin, "to": target}
            )
            moved.append(task)
    for tenant_id in sorted({task.tenant_id for task in moved}):
        dispatch(uow, tenant_id, now=now)
    return moved


def _locked_task(session: Session, tenant_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    task = session.scalars(select(Task).where(Task.id == task_id).with_for_update()).first()
    if task is None or task.tenant_id != tenant_id:
        raise NotFound(f"task {task_id} not found")
    return task


def _move(task: Task, rules: QueueRules) -> None:
    """Put the task in another queue: its own requested priority, skills and team plus that queue's."""
    requested = task.data.get("requested", {})
    task.queue = rules.name
    task.priority = int(requested.get("priority", task.priority)) + rules.priority
    task.skills = sorted(set(requested.get("skills", [])) | rules.skills)
    team_id = requested.get("team_id")
    task.team_id = uuid.UUID(team_id) if team_id else rules.team_id
