"""SLA clocks of cases: the tenant's calendar, starting, retargeting, stopping and reading clocks.

Every function flushes at most; the caller's edge commits. Warnings, breaches and escalation are the
background job's (`sla_job.py`).
"""

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.kernel.ttl_cache import TtlCache
from omniline.messages.models import Message
from omniline.routing.calendar import (
    BusinessHours,
    always_open,
    business_seconds_between,
    calendar_from_document,
)
from omniline.routing.models import BusinessCalendar, SlaClock
from omniline.routing.sla import (
    CLOCK_KINDS,
    ChannelClass,
    channel_class,
    clock_times,
    sla_targets,
    stopped_status,
)
from omniline.security.audit import record_audit
from omniline.taxonomy.models import Topic

log = logging.getLogger(__name__)

CALENDAR_TTL_SECONDS = 5.0  # another process's calendar change reaches this one within this time
_calendars: TtlCache[uuid.UUID, BusinessHours] = TtlCache(CALENDAR_TTL_SECONDS)


def load_business_hours(session: Session, tenant_id: uuid.UUID) -> BusinessHours:
    """The tenant's calendar, or 24/7 when it has none (or a stored one no longer validates, which is
    logged: clocks must keep running rather than fail every pass)."""
    return _calendars.get(tenant_id, lambda _stale: _read_business_hours(session, tenant_id))


def _read_business_hours(session: Session, tenant_id: uuid.UUID) -> BusinessHours:
    row = session.scalar(select(BusinessCalendar).where(BusinessCalendar.tenant_id == tenant_id))
    if row is None:
        return always_open()
    try:
        return calendar_from_document(
            {"timezone": row.timezone, "hours": row.hours, "holidays": row.holidays}
        )
    except InvalidInput as error:
        log.warning("calendar of tenant %s is invalid, counting 24/7: %s", tenant_id, error.message)
        return always_open()


def forget_business_hours(tenant_id: uuid.UUID) -> None:
    """Drop the cached calendar (after a change is committed in this process)."""
    _calendars.forget(tenant_id)


def save_calendar(
    session: Session, *, tenant_id: uuid.UUID, actor: str, document: Any, now: datetime
) -> BusinessHours:
    """Validate and store the tenant's calendar (InvalidInput, nothing stored, when it is bad), audited
    as `calendar.updated`. Running clocks keep the due times they were given when they started."""
    hours = calendar_from_document(document)
    saved = hours.to_document()
    row = session.scalar(select(BusinessCalendar).where(BusinessCalendar.tenant_id == tenant_id))
    before = None
    if row is None:
        row = BusinessCalendar(tenant_id=tenant_id)
        session.add(row)
    else:
        before = {"timezone": row.timezone, "hours": row.hours, "holidays": row.holidays}
    row.timezone, row.hours, row.holidays, row.updated_at = (
        saved["timezone"],
        saved["hours"],
        saved["holidays"],
        now,
    )
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="calendar.updated",
        subject_type="calendar",
        subject_id=None,
        data={"before": before, "after": saved},
    )
    session.flush()
    forget_business_hours(tenant_id)
    return hours


def start_case_clocks(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    topic: Topic | None,
    channel_kind: str,
    customer_tier: str | None,
    now: datetime,
    opened_now: bool = False,
) -> list[SlaClock]:
    """Start the case's first-response and resolution clocks at `now`; returns the clocks started,
    added to the session (written with its next flush). Idempotent: nothing starts while the case has
    a running clock, or once it is resolved. A case that already had its first reply (a reopened one)
    gets a resolution clock only. `opened_now`: the case was opened in this transaction, so it has no
    clock yet and none is looked for (intake, for every new case)."""
    case = _case(session, tenant_id, case_id)
    if case.status == "resolved" or (not opened_now and running_clocks(session, case_id)):
        return []
    kinds = [kind for kind in CLOCK_KINDS if kind != "first_response" or case.first_response_at is None]
    klass = channel_class(channel_kind)
    targets = sla_targets(topic.sla if topic else None, klass, customer_tier)
    hours = load_business_hours(session, tenant_id)
    clocks = [
        SlaClock(**clock_row(tenant_id, case_id, kind, targets.for_kind(kind), klass, hours, now))
        for kind in kinds
    ]
    session.add_all(clocks)
    return clocks


def clock_row(
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    kind: str,
    target: int,
    klass: ChannelClass,
    hours: BusinessHours,
    now: datetime,
) -> dict[str, Any]:
    """A running clock's columns, started at `now` (pure; batched intake inserts them as rows)."""
    warn_at, due_at = clock_times(hours, now, target)
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "case_id": case_id,
        "kind": kind,
        "target_seconds": target,
        "channel_class": klass,
        "started_at": now,
        "warn_at": warn_at,
        "due_at": due_at,
        "status": "running",
    }


def retarget_case_clocks(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    topic: Topic | None,
    channel_kind: str | None,
    customer_tier: str | None,
    now: datetime | None = None,
) -> list[SlaClock]:
    """The topic (or tier, or channel) is now known or changed: recompute the targets and due times of
    the case's running clocks from their own start (so `now`, taken for symmetry with
    `start_case_clocks`, changes nothing). `channel_kind` None keeps each clock's class.
    A warning already given stays given; a clock now past due is breached by the next job pass."""
    _case(session, tenant_id, case_id)
    hours = load_business_hours(session, tenant_id)
    clocks = running_clocks(session, case_id)
    for clock in clocks:
        klass: ChannelClass = channel_class(channel_kind) if channel_kind else _known_class(clock)
        target = sla_targets(topic.sla if topic else None, klass, customer_tier).for_kind(clock.kind)
        clock.channel_class, clock.target_seconds = klass, target
        clock.warn_at, clock.due_at = clock_times(hours, clock.started_at, target)
    session.flush()
    return clocks


def stop_clock(session: Session, *, case_id: uuid.UUID, kind: str, now: datetime) -> SlaClock | None:
    """Its goal was reached at `now`: a running clock ends met (breached if already past due but not
    yet noticed by the job); a breached one stays breached and gets its stop time. None if the case
    has no such clock to stop."""
    clock = session.scalar(
        select(SlaClock)
        .where(
            SlaClock.case_id == case_id, SlaClock.kind == kind, SlaClock.status.in_(("running", "breached"))
        )
        .where(SlaClock.stopped_at.is_(None))
        .order_by(SlaClock.started_at.desc())
        .limit(1)
    )
    if clock is None:
        return None
    if clock.status == "running":
        clock.status = stopped_status(clock.due_at, now)
        if clock.status == "breached":
            clock.breached_at = clock.due_at
    clock.stopped_at = now
    session.flush()
    return clock


def record_first_response(session: Session, *, case: Case, now: datetime) -> None:
    """An agent's first reply on the case: note when, and stop its first-response clock."""
    if case.first_response_at is not None:
        return
    case.first_response_at = now
    stop_clock(session, case_id=case.id, kind="first_response", now=now)


def stop_case_clocks(session: Session, *, case_id: uuid.UUID, now: datetime) -> None:
    """The case is resolved: its resolution clock stops; a first-response clock still running is
    cancelled (the case ended without a reply, so there is nothing left to answer)."""
    stop_clock(session, case_id=case_id, kind="resolution", now=now)
    for clock in running_clocks(session, case_id):
        clock.status, clock.stopped_at = "cancelled", now
    session.flush()


def restart_resolution_clock(session: Session, *, case_id: uuid.UUID, now: datetime) -> SlaClock | None:
    """The case was reopened: a fresh resolution clock from `now`, with the targets of its topic,
    customer tier and last channel class. Returns the running resolution clock (an existing one if
    there already is one), or None when the case is not open."""
    case = session.get(Case, case_id)
    if case is None or case.status == "resolved":
        return None
    for clock in running_clocks(session, case_id):
        if clock.kind == "resolution":
            return clock
    topic = session.get(Topic, case.topic_id) if case.topic_id else None
    customer = session.get(Customer, case.customer_id)
    klass = _case_channel_class(session, case_id)
    target = sla_targets(topic.sla if topic else None, klass, customer.tier if customer else None).resolution
    hours = load_business_hours(session, case.tenant_id)
    clock = SlaClock(**clock_row(case.tenant_id, case_id, "resolution", target, klass, hours, now))
    session.add(clock)
    session.flush()
    return clock


def running_clocks(session: Session, case_id: uuid.UUID) -> list[SlaClock]:
    query = select(SlaClock).where(SlaClock.case_id == case_id, SlaClock.status == "running")
    return list(session.scalars(query.order_by(SlaClock.kind)))


def sla_view(clock: SlaClock, *, hours: BusinessHours, now: datetime) -> dict[str, Any]:
    """A clock for the desktop: `remaining_seconds` is business time left (negative when overdue)
    while it runs, None once stopped; `elapsed_seconds` is business time used so far."""
    running = clock.status == "running"
    return {
        "id": str(clock.id),
        "kind": clock.kind,
        "status": clock.status,
        "channel_class": clock.channel_class,
        "target_seconds": clock.target_seconds,
        "started_at": clock.started_at.isoformat(),
        "warn_at": clock.warn_at.isoformat(),
        "due_at": clock.due_at.isoformat(),
        "warned_at": _iso(clock.warned_at),
        "breached_at": _iso(clock.breached_at),
        "escalated_at": _iso(clock.escalated_at),
        "stopped_at": _iso(clock.stopped_at),
        "remaining_seconds": business_seconds_between(hours, now, clock.due_at) if running else None,
        "elapsed_seconds": business_seconds_between(hours, clock.started_at, clock.stopped_at or now),
    }


def case_sla(session: Session, case_id: uuid.UUID, *, now: datetime) -> list[dict[str, Any]]:
    """Every clock of the case, oldest first, as `sla_view`s (the caller checks the case's tenant)."""
    clocks = list(
        session.scalars(
            select(SlaClock).where(SlaClock.case_id == case_id).order_by(SlaClock.started_at, SlaClock.kind)
        )
    )
    if not clocks:
        return []
    hours = load_business_hours(session, clocks[0].tenant_id)
    return [sla_view(clock, hours=hours, now=now) for clock in clocks]


def _case(session: Session, tenant_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.tenant_id != tenant_id:
        raise NotFound(f"case {case_id} not found")
    return case


def _case_channel_class(session: Session, case_id: uuid.UUID) -> ChannelClass:
    """The class of the case's last clock, else of its latest inbound message, else async."""
    last = session.scalar(
        select(SlaClock.channel_class)
        .where(SlaClock.case_id == case_id)
        .order_by(SlaClock.started_at.desc())
        .limit(1)
    )
    if last in ("live", "async"):
        return "live" if last == "live" else "async"
    kind = session.scalar(
        select(Message.channel_kind)
        .where(Message.case_id == case_id, Message.direction == "in")
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    return channel_class(kind) if kind else "async"


def _known_class(clock: SlaClock) -> ChannelClass:
    return "live" if clock.channel_class == "live" else "async"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
