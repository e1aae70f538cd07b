"""Background job: SLA warnings, breaches and escalation of running clocks.

Each pass looks at running clocks whose warning or due time has come, a batch at a time. Several
processes may run it: on PostgreSQL each clock is handled under row locks taken with SKIP LOCKED —
the case first, then the clock, the same order the intake and reply paths change them in — so two
passes never handle one clock twice and never wait on each other. SQLite has one writer anyway.
"""

import asyncio
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.cases.models import Case
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.events import DomainEvent
from omniline.routing.models import SlaClock, Task
from omniline.routing.sla import ESCALATION_PRIORITY_BUMP, due_action, escalated_priority
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

if TYPE_CHECKING:
    from omniline.bootstrap import Container

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:sla"
BATCH_SIZE = 100
ACTIVE_TASK_STATUSES = ("open", "offered", "assigned")
SUPERVISOR_ROLES = ("supervisor", "admin")


def check_sla_clocks(uow: UnitOfWork, *, now: datetime, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Warn, breach and escalate up to `limit` clocks that are due at `now`; the caller commits.
    Returns counts by outcome plus `seen`, the clocks looked at (a full batch means look again)."""
    session = uow.session
    candidates = session.execute(
        select(SlaClock.id, SlaClock.case_id)
        .where(
            SlaClock.status == "running",
            or_(SlaClock.due_at < now, and_(SlaClock.warn_at <= now, SlaClock.warned_at.is_(None))),
        )
        .order_by(SlaClock.due_at)
        .limit(limit)
    ).all()
    counts = {"seen": len(candidates), "warned": 0, "breached": 0, "escalated": 0, "cancelled": 0}
    supervisors: dict[uuid.UUID, list[str]] = {}
    for clock_id, case_id in candidates:
        locked = _lock(session, clock_id, case_id)
        if locked is None:
            continue  # another pass holds it, or it stopped meanwhile
        clock, case = locked
        if case.status == "resolved":
            # Resolved by a path that did not stop its clocks: nothing is owed any more.
            clock.status, clock.stopped_at = "cancelled", now
            counts["cancelled"] += 1
            continue
        action = due_action(warn_at=clock.warn_at, due_at=clock.due_at, warned_at=clock.warned_at, now=now)
        if action == "warn":
            clock.warned_at = now
            _announce(uow, clock, case, "sla.warning", now)
            counts["warned"] += 1
        elif action == "breach":
            clock.status, clock.breached_at = "breached", now
            _announce(uow, clock, case, "sla.breached", now)
            counts["breached"] += 1
            if clock.escalated_at is None:
                if case.tenant_id not in supervisors:
                    supervisors[case.tenant_id] = _supervisor_ids(session, case.tenant_id)
                _escalate(uow, clock, case, supervisors[case.tenant_id], now)
                counts["escalated"] += 1
    session.flush()
    return counts


def run_sla_checks(container: "Container", *, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Every pass needed now, one transaction per batch; the totals."""
    totals: dict[str, int] = {}
    while True:
        with container.uow() as uow:
            counts = check_sla_clocks(uow, now=container.clock(), limit=limit)
            uow.commit()
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        skipped = counts["seen"] - (counts["warned"] + counts["breached"] + counts["cancelled"])
        # Stop on a short batch, or when every clock of a full batch was held by another process.
        if counts["seen"] < limit or skipped == counts["seen"]:
            return totals


async def run_sla_service(container: "Container") -> None:
    """The background service: a pass every `routing_poll_seconds`; an error is logged and the next
    pass tries again, so a database hiccup never stops the clocks."""
    while True:
        try:
            await asyncio.to_thread(run_sla_checks, container)
        except Exception:
            log.exception("SLA pass failed")
        await asyncio.sleep(container.settings.routing_poll_seconds)


def _lock(session: Session, clock_id: uuid.UUID, case_id: uuid.UUID) -> tuple[SlaClock, Case] | None:
    case_query = select(Case).where(Case.id == case_id)
    clock_query = select(SlaClock).where(SlaClock.id == clock_id, SlaClock.status == "running")
    if session.get_bind().dialect.name == "postgresql":
        case_query = case_query.with_for_update(skip_locked=True)
        clock_query = clock_query.with_for_update(skip_locked=True)
    # populate_existing: values read before the lock (by this session) must not hide a change.
    case = session.scalars(case_query.execution_options(populate_existing=True)).one_or_none()
    if case is None:
        return None
    clock = session.scalars(clock_query.execution_options(populate_existing=True)).one_or_none()
    return None if clock is None else (clock, case)


def _announce(uow: UnitOfWork, clock: SlaClock, case: Case, kind: str, now: datetime) -> None:
    details = _details(clock, case)
    record_event(
        uow.session,
        tenant_id=case.tenant_id,
        customer_id=case.customer_id,
        type=kind,
        at=now,
        case_id=case.id,
        actor=SYSTEM_ACTOR,
        data=details,
    )
    uow.emit(DomainEvent(kind, case.tenant_id, {**details, "case_id": str(case.id)}))


def _escalate(uow: UnitOfWork, clock: SlaClock, case: Case, supervisors: list[str], now: datetime) -> None:
    """Raise the case and its unfinished work by ESCALATION_PRIORITY_BUMP and tell every supervisor."""
    session = uow.session
    clock.escalated_at = now
    case.priority = escalated_priority(case.priority)
    session.execute(
        update(Task)
        .where(Task.case_id == case.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        .values(priority=Task.priority + ESCALATION_PRIORITY_BUMP)
        .execution_options(synchronize_session="fetch")
    )
    details = {**_details(clock, case), "priority": case.priority, "supervisors": supervisors}
    record_event(
        session,
        tenant_id=case.tenant_id,
        customer_id=case.customer_id,
        type="case.escalated",
        at=now,
        case_id=case.id,
        actor=SYSTEM_ACTOR,
        data=details,
    )
    record_audit(
        session,
        tenant_id=case.tenant_id,
        actor=SYSTEM_ACTOR,
        action="sla.escalated",
        subject_type="case",
        subject_id=case.id,
        data=details,
    )
    payload = {**details, "case_id": str(case.id)}
    for user_id in supervisors:
        uow.emit(DomainEvent("case.escalated", case.tenant_id, {**payload, "for_user_id": user_id}))
    if not supervisors:  # nobody to address: everyone on the tenant's desktops sees it
        uow.emit(DomainEvent("case.escalated", case.tenant_id, payload))


def _details(clock: SlaClock, case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "kind": clock.kind,
        "clock_id": str(clock.id),
        "target_seconds": clock.target_seconds,
        "due_at": clock.due_at.isoformat(),
        "assigned_user_id": str(case.assigned_user_id) if case.assigned_user_id else None,
    }


def _supervisor_ids(session: Session, tenant_id: uuid.UUID) -> list[str]:
    query = select(User.id).where(
        User.tenant_id == tenant_id, User.role.in_(SUPERVISOR_ROLES), User.is_active.is_(True)
    )
    return sorted(str(user_id) for user_id in session.scalars(query))
