"""Dispatch: work enters a queue and is offered to one agent at a time; finished work frees the agent.
The choices are made by `routing.assignment` (pure); this module loads, calls it, persists, and emits
events to the unit of work (published after commit). Answers to offers are in `routing.offers`,
transfers and overflow in `routing.handoff`.

Several routing processes may run against one PostgreSQL database: dispatch locks the available agents
and the waiting tasks it looks at with `FOR UPDATE SKIP LOCKED`, so two processes never offer the same
task or fill the same agent. SQLite has one writer at a time (the unit of work's lock) and needs none.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from omniline.agents.models import AgentProfile
from omniline.agents.presence import MISSED_OFFERS_REASON, change_presence, work_ended
from omniline.agents.repository import (
    anyone_available,
    available_profiles,
    current_loads,
    load_of,
    lock_profile,
)
from omniline.agents.service import apply_presence, presence_of
from omniline.cases.models import Case
from omniline.db.base import table_of
from omniline.db.bulk import one_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id
from omniline.routing.assignment import AgentPool, AgentState, QueueRules, WorkItem, plan_offers
from omniline.routing.models import Offer, Task
from omniline.routing.policy_store import load_policy
from omniline.routing.queues import cached_queue_rules, queue_rules
from omniline.routing.service import CLOSED_STATUSES, task_view
from omniline.security.audit import record_audit
from omniline.settings import Settings
from omniline.taxonomy.models import Topic
from omniline.timeline.models import TimelineEvent
from omniline.timeline.service import record_event

SYSTEM_ACTOR = "system:routing"
OPEN_WORK = ("open", "offered", "assigned")
MISSES_BEFORE_PAUSE = 2


@dataclass(frozen=True, slots=True)
class OfferTiming:
    """How long an agent has to accept an offer, and how long the customer's last agent keeps first
    call on them (`settings.offer_timeout_seconds`, `settings.sticky_window_hours`)."""

    timeout_seconds: int = 30
    sticky_window: timedelta = timedelta(hours=72)

    @classmethod
    def from_settings(cls, settings: Settings) -> "OfferTiming":
        return cls(settings.offer_timeout_seconds, timedelta(hours=settings.sticky_window_hours))


def timing_of(uow: UnitOfWork) -> OfferTiming:
    return OfferTiming.from_settings(uow.settings) if uow.settings is not None else OfferTiming()


def enqueue_work(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    kind: str,
    queue: str,
    priority: int = 0,
    reason: str,
    customer_id: uuid.UUID,
    case_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    channel_kind: str,
    language: str | None = None,
    skills: list[str] | tuple[str, ...] = (),
    team_id: uuid.UUID | None = None,
    sticky_user_id: uuid.UUID | None = None,
    sticky: bool = True,
    due_at: datetime | None = None,
    now: datetime,
    case_without_work: bool = False,
) -> Task:
    """Put work in `queue` (open, waiting from `now`). The queue's priority and skills are added to the
    task's own; a queue name that is not defined adds nothing. A case has one piece of conversation
    work: when it already has one open, offered or assigned, that task is returned (its priority
    raised if this one is higher). Without `sticky_user_id`, the customer's last agent is sticky,
    unless `sticky` is False (a routing rule's `sticky: false`: the work goes to whoever is free).
    `case_without_work`: the caller read in this transaction that the case has no unfinished task,
    so none is looked for (intake)."""
    rules = queue_rules_named(session, tenant_id, queue)
    wanted = priority + rules.priority
    if case_id is not None and kind == "conversation" and not case_without_work:
        existing = session.scalars(
            select(Task)
            .where(Task.case_id == case_id, Task.kind == "conversation", Task.status.in_(OPEN_WORK))
            .with_for_update()
        ).first()
        if existing is not None:
            existing.priority = max(existing.priority, wanted)
            return existing
    last_agent = (
        last_agents(session, [customer_id]).get(customer_id) if sticky and sticky_user_id is None else None
    )
    task = Task(
        **work_row(
            rules,
            tenant_id=tenant_id,
            kind=kind,
            queue=queue,
            priority=priority,
            reason=reason,
            customer_id=customer_id,
            case_id=case_id,
            conversation_id=conversation_id,
            message_id=message_id,
            channel_kind=channel_kind,
            language=language,
            skills=skills,
            team_id=team_id,
            sticky_user_id=sticky_user_id,
            last_agent=last_agent,
            due_at=due_at,
            now=now,
        )
    )
    session.add(task)
    return task


def work_row(
    rules: QueueRules,
    *,
    tenant_id: uuid.UUID,
    kind: str,
    queue: str,
    priority: int,
    reason: str,
    customer_id: uuid.UUID,
    case_id: uuid.UUID | None,
    conversation_id: uuid.UUID | None,
    message_id: uuid.UUID | None,
    channel_kind: str,
    language: str | None,
    skills: list[str] | tuple[str, ...],
    team_id: uuid.UUID | None,
    sticky_user_id: uuid.UUID | None,
    last_agent: "LastAgent | None",
    due_at: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """A new open task's columns (pure): `enqueue_work` makes it a Task, batched intake inserts it.
    Without `sticky_user_id`, the customer's `last_agent` (if any) is sticky."""
    requested = {
        "priority": priority,
        "skills": sorted(set(skills)),
        "team_id": str(team_id) if team_id else None,
    }
    data: dict[str, Any] = {"requested": requested}
    if sticky_user_id is None and last_agent is not None:
        sticky_user_id = last_agent.user_id
        if last_agent.at is not None:
            data["last_agent_at"] = last_agent.at.isoformat()
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "kind": kind,
        "status": "open",
        "queue": queue,
        "priority": priority + rules.priority,
        "reason": reason,
        "customer_id": customer_id,
        "case_id": case_id,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "due_at": due_at or now,
        "data": data,
        "created_at": now,
        "channel_kind": channel_kind,
        "language": language,
        "skills": sorted(set(skills) | rules.skills),
        "team_id": team_id or rules.team_id,
        "sticky_user_id": sticky_user_id,
        # a callback waits (and ages) from when it is due; a conversation from now
        "enqueued_at": due_at if kind == "callback" and due_at else now,
        "overflowed": False,
    }


def dispatch(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    *,
    now: datetime,
) -> list[Offer]:
    """Offer as much waiting work of the tenant as its available agents can take, best-ranked first.
    Work in bot queues waits for the bot; a callback waits until it is due."""
    session = uow.session
    if not anyone_available(session, tenant_id):
        return []
    profiles = available_profiles(session, tenant_id)
    if not profiles:
        return []
    rules = queue_rules(session, tenant_id)
    bot_queues = sorted(name for name, queue in rules.items() if queue.is_bot)
    tasks = session.scalars(
        select(Task)
        .where(
            Task.tenant_id == tenant_id,
            Task.status == "open",
            Task.queue.not_in(bot_queues),
            or_(Task.kind != "callback", Task.due_at <= now),
        )
        .with_for_update(skip_locked=True)
    ).all()
    if not tasks:
        return []
    timing = timing_of(uow)
    loads = current_loads(session, tenant_id)
    pool_agents = [agent_state(profile, loads.get(profile.user_id, {})) for profile in profiles]
    pool = AgentPool(pool_agents)
    by_id = {task.id: task for task in tasks}
    items = [work_item(task, rules.get(task.queue)) for task in tasks]
    offers = []
    for item, agent in plan_offers(items, pool, now=now, sticky_window=timing.sticky_window):
        offers.append(offer_task(uow, by_id[item.task_id], agent.user_id, now, timing.timeout_seconds))
    return offers


def offer_task(uow: UnitOfWork, task: Task, user_id: uuid.UUID, now: datetime, timeout_seconds: int) -> Offer:
    """Offer `task` to one agent now: Offer row, task offered, `task.offered` to that agent only."""
    offer = Offer(
        id=new_id(),
        tenant_id=task.tenant_id,
        task_id=task.id,
        user_id=user_id,
        status="pending",
        offered_at=now,
        expires_at=now + timedelta(seconds=timeout_seconds),
    )
    uow.session.add(offer)
    task.status = "offered"
    view = task_view(task) | {"waited_seconds": waited_seconds(task, now)}
    uow.emit(
        DomainEvent(
            "task.offered",
            task.tenant_id,
            {"for_user_id": str(user_id), "offer": offer_view(offer), "task": view},
        )
    )
    record_task_event(
        uow.session,
        task,
        "task.offered",
        now,
        SYSTEM_ACTOR,
        {"user_id": str(user_id), "offer_id": str(offer.id)},
    )
    return offer


def end_offer(uow: UnitOfWork, offer: Offer, status: str, now: datetime) -> Task:
    """Close a pending offer as rejected, expired or withdrawn; the task waits again (a refusal or a
    timeout is remembered so the task is not offered to that agent again, and counts as a miss)."""
    session = uow.session
    offer.status = status
    offer.responded_at = now
    task = session.scalars(select(Task).where(Task.id == offer.task_id).with_for_update()).one()
    if task.status == "offered":
        task.status = "open"
    if status in ("rejected", "expired"):
        refused = [*task.data.get("refused_by", []), str(offer.user_id)]
        task.data = {**task.data, "refused_by": sorted(set(refused))}
    uow.emit(
        DomainEvent(
            "task.offer_ended",
            task.tenant_id,
            {"for_user_id": str(offer.user_id), "offer": offer_view(offer), "task_id": str(task.id)},
        )
    )
    if status in ("rejected", "expired"):
        profile = lock_profile(session, offer.user_id)
        if profile is not None:
            count_miss(uow, profile, now)
    return task


def count_miss(uow: UnitOfWork, profile: AgentProfile, now: datetime) -> None:
    """One more offer missed in a row; the second pauses the agent and withdraws their other offers."""
    profile.missed_offers += 1
    if profile.missed_offers < MISSES_BEFORE_PAUSE or profile.presence in ("paused", "offline"):
        return
    has_work = bool(load_of(uow.session, profile.tenant_id, profile.user_id))
    paused = change_presence(
        presence_of(profile), "paused", by="system", reason=MISSED_OFFERS_REASON, has_work=has_work, now=now
    )
    apply_presence(uow, profile, paused)
    record_audit(
        uow.session,
        tenant_id=profile.tenant_id,
        actor=SYSTEM_ACTOR,
        action="agent.paused",
        subject_type="user",
        subject_id=profile.user_id,
        data={"reason": MISSED_OFFERS_REASON, "missed_offers": profile.missed_offers},
    )
    withdraw_offers(uow, profile.user_id, now)


def withdraw_offers(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> list[Offer]:
    """End the agent's pending offers without counting a miss (they paused or went offline)."""
    pending = list(
        uow.session.scalars(
            select(Offer).where(Offer.user_id == user_id, Offer.status == "pending").with_for_update()
        )
    )
    for offer in pending:
        end_offer(uow, offer, "withdrawn", now)
    return pending


def finish_task(uow: UnitOfWork, *, task_id: uuid.UUID, status: str = "done", now: datetime) -> Task:
    """Close the task (done or cancelled): a pending offer is withdrawn, its agent's capacity is freed
    (idle from now when it was their last work) and waiting work is offered at once. Closing closed
    work does nothing."""
    if status not in CLOSED_STATUSES:
        raise InvalidInput(f"a task is finished as one of {', '.join(sorted(CLOSED_STATUSES))}")
    task = uow.session.scalars(select(Task).where(Task.id == task_id).with_for_update()).first()
    if task is None:
        raise NotFound(f"task {task_id} not found")
    if _finish(uow, task, status, now):
        dispatch(uow, task.tenant_id, now=now)
    return task


def requeue_reopened_case(
    uow: UnitOfWork, case: Case, *, reopened_by: uuid.UUID | None, now: datetime
) -> Task | None:
    """Work for a case a person reopened (an inbound message's reopen is routed by intake instead): it
    waits in the queue routing chose for the case (see `_human_queue`), with the case's priority,
    language and topic skills, on the conversation it was last worked in, and is held first for the
    person who reopened it; then the waiting work is offered. None, and nothing queued, when no
    conversation ever served the case (a case opened by hand, say)."""
    session = uow.session
    last = session.execute(
        select(TimelineEvent.conversation_id, TimelineEvent.channel_kind, TimelineEvent.message_id)
        .where(
            TimelineEvent.customer_id == case.customer_id,
            TimelineEvent.case_id == case.id,
            TimelineEvent.conversation_id.is_not(None),
            TimelineEvent.channel_kind.is_not(None),
        )
        .order_by(TimelineEvent.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    conversation_id, channel_kind, message_id = last
    topic = session.get(Topic, case.topic_id) if case.topic_id is not None else None
    task = enqueue_work(
        session,
        tenant_id=case.tenant_id,
        kind="conversation",
        queue=_human_queue(session, case),
        priority=case.priority,
        reason="reopened",
        customer_id=case.customer_id,
        case_id=case.id,
        conversation_id=conversation_id,
        message_id=message_id,
        channel_kind=str(channel_kind),  # never NULL: the read asks for it
        language=case.language,
        skills=list(topic.skills) if topic is not None else [],
        sticky_user_id=reopened_by,
        now=now,
    )
    session.flush()
    dispatch(uow, case.tenant_id, now=now)
    return task


def _human_queue(session: Session, case: Case) -> str:
    """The case's queue for a person's work: the one routing chose, unless that was a bot's or a
    callback's (a person reopened it to work on it), then the policy's default queue."""
    routed_to = (case.routing or {}).get("destination")
    queue = case.queue
    if (
        not queue
        or routed_to in ("bot", "callback")
        or queue_rules_named(session, case.tenant_id, queue).is_bot
    ):
        return load_policy(session, case.tenant_id).default_queue
    return queue


def finish_case_tasks(uow: UnitOfWork, case_id: uuid.UUID, now: datetime) -> list[Task]:
    """Close every open, offered or assigned task of the case as done (the case was resolved or
    wrapped up), as `finish_task` does; returns them."""
    tasks = list(
        uow.session.scalars(
            select(Task).where(Task.case_id == case_id, Task.status.in_(OPEN_WORK)).with_for_update()
        )
    )
    freed = [_finish(uow, task, "done", now) for task in tasks]
    if any(freed):
        dispatch(uow, tasks[0].tenant_id, now=now)
    return tasks


def agent_state(profile: AgentProfile, load: dict[str, int]) -> AgentState:
    return AgentState(
        user_id=profile.user_id,
        team_id=profile.team_id,
        skills=profile.skills,
        languages=frozenset(profile.languages),
        capacity=profile.capacity,
        load=dict(load),
        presence=profile.presence,
        idle_since=profile.idle_since,
    )


def work_item(task: Task, rules: QueueRules | None) -> WorkItem:
    last_agent_at = task.data.get("last_agent_at")
    return WorkItem(
        task_id=task.id,
        queue=task.queue,
        channel_kind=task.channel_kind or ("voice" if task.kind == "callback" else "api"),
        # Tasks made by `enqueue_work` carry their queue's skills already; callbacks scheduled by the
        # pipeline do not. Work that overflowed keeps only what it carries.
        skills=frozenset(task.skills)
        if task.overflowed or rules is None
        else rules.skills.union(task.skills),
        min_level=rules.min_level if rules else 1,
        language=task.language,
        team_id=task.team_id or (rules.team_id if rules and not task.overflowed else None),
        sticky_user_id=task.sticky_user_id,
        priority=task.priority,
        enqueued_at=task.enqueued_at or task.created_at,
        last_agent_at=datetime.fromisoformat(last_agent_at) if last_agent_at else None,
        refused_by=frozenset(uuid.UUID(user) for user in task.data.get("refused_by", [])),
        not_before=task.due_at if task.kind == "callback" else None,
        overflowed=task.overflowed,
    )


def offer_view(offer: Offer) -> dict[str, Any]:
    return {
        "id": str(offer.id),
        "task_id": str(offer.task_id),
        "user_id": str(offer.user_id),
        "status": offer.status,
        "offered_at": offer.offered_at.isoformat(),
        "expires_at": offer.expires_at.isoformat(),
        "responded_at": offer.responded_at.isoformat() if offer.responded_at else None,
    }


def waited_seconds(task: Task, now: datetime) -> int:
    return max(0, int((now - (task.enqueued_at or task.created_at)).total_seconds()))


def record_task_event(
    session: Session, task: Task, type_: str, now: datetime, actor: str, data: dict[str, Any]
) -> None:
    record_event(
        session,
        tenant_id=task.tenant_id,
        customer_id=task.customer_id,
        type=type_,
        at=now,
        channel_kind=task.channel_kind,
        conversation_id=task.conversation_id,
        case_id=task.case_id,
        message_id=task.message_id,
        actor=actor,
        data=data | {"task_id": str(task.id)},
    )


def release_task(uow: UnitOfWork, task: Task, now: datetime) -> uuid.UUID | None:
    """Take the task from whoever holds it (withdrawing a pending offer); returns the former assignee."""
    if task.status == "offered":
        pending = uow.session.scalars(
            select(Offer).where(Offer.task_id == task.id, Offer.status == "pending").with_for_update()
        ).all()
        for offer in pending:
            end_offer(uow, offer, "withdrawn", now)
    previous = task.assigned_user_id if task.status == "assigned" else None
    task.assigned_user_id = None
    task.assigned_at = None
    return previous


def _finish(uow: UnitOfWork, task: Task, status: str, now: datetime) -> bool:
    """Close one task; whether it freed an agent or an offer (so waiting work may move)."""
    if task.status in CLOSED_STATUSES:
        return False
    was_held = task.status in ("offered", "assigned")
    holder = task.assigned_user_id if task.status == "assigned" else None
    if task.status == "offered":
        release_task(uow, task, now)
    task.status = status
    task.completed_at = now
    if holder is not None:
        task.assigned_user_id = holder  # who did the work stays on record
        after_work_left(uow, holder, now)
    # The wallboard's "handled today" and the desktops move at once, not at their next poll.
    uow.emit(DomainEvent("task.finished", task.tenant_id, {"task": task_view(task), "status": status}))
    return was_held


def after_work_left(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> None:
    profile = lock_profile(uow.session, user_id)
    if profile is None:
        return
    has_work = bool(load_of(uow.session, profile.tenant_id, user_id))
    apply_presence(uow, profile, work_ended(presence_of(profile), has_work=has_work, now=now))


def sync_case(session: Session, task: Task, **changes: Any) -> None:
    """Keep the case's picture of its work (queue, agent) in step with the task."""
    if task.case_id is None:
        return
    case = session.get_one(Case, task.case_id)
    case.queue = task.queue
    for name, value in changes.items():
        setattr(case, name, value)


def queue_rules_named(session: Session, tenant_id: uuid.UUID, name: str) -> QueueRules:
    """The rules of one queue; a name that is not defined has none."""
    return cached_queue_rules(session, tenant_id).get(name) or QueueRules(name=name)


@dataclass(frozen=True, slots=True)
class LastAgent:
    """Who last took work of a customer, and when (their last task's end, or its start if open)."""

    user_id: uuid.UUID | None
    at: datetime | None


def last_agents(session: Session, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, LastAgent]:
    """Each customer's last agent, for those who ever had one (one statement for all of them)."""
    if not customer_ids:
        return {}
    rows = session.connection().execute(_ASSIGNED_WORK, {"customer_ids": customer_ids})
    newest: dict[uuid.UUID, tuple[datetime, LastAgent]] = {}
    for customer_id, user_id, assigned_at, completed_at in rows:
        seen = newest.get(customer_id)
        if assigned_at is not None and (seen is None or assigned_at > seen[0]):
            newest[customer_id] = (assigned_at, LastAgent(user_id, completed_at or assigned_at))
    return {customer_id: agent for customer_id, (_, agent) in newest.items()}


_TASKS = table_of(Task)
_ASSIGNED_WORK = select(
    _TASKS.c.customer_id, _TASKS.c.assigned_user_id, _TASKS.c.assigned_at, _TASKS.c.completed_at
).where(one_of(_TASKS.c.customer_id, "customer_ids"), _TASKS.c.assigned_at.is_not(None))
