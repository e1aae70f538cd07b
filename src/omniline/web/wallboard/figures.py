"""Today's figures of the wallboard: a few grouped queries, each scoped to one tenant and one business
day (see `day.py`). The live part (waiting, offered, assigned now) is `routing.figures`.

Definitions (the page's tooltips say the same):

- received: tasks that entered a queue today (`created_at` today) — the contacts of the day;
- handled: tasks finished as done today by an agent (`completed_at` today, someone held them);
- abandoned: callback tasks made today for an abandoned call (`reason` call.abandoned; voice only);
- service level: of the first-response SLA clocks DECIDED today, the share met. A clock is decided
  when it stops in time (met, counted on the day it stopped) or when it falls due unanswered (missed,
  counted on the day it fell due — whether the SLA job already marked it breached or it is still
  running past due). Clocks still running inside their target and cancelled ones do not count.
  No decided clock: no service level (shown as "—"), rather than a flattering 100%;
- breaches: SLA clocks of either kind (first response or resolution) missed today, as above.

A clock counts for its case's queue (where the work is now) and for the channel of the case's latest
task (else of its latest inbound message).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.messages.models import Message
from omniline.routing.figures import channel_of
from omniline.routing.models import Offer, SlaClock, Task
from omniline.web.wallboard.day import HOURS_PER_DAY, BusinessDay

ABANDONED_REASON = "call.abandoned"
MISSED_OFFER_STATUSES = ("rejected", "expired")


@dataclass
class DayCounts:
    received: int = 0
    handled: int = 0
    abandoned: int = 0
    met: int = 0
    missed: int = 0
    breaches: int = 0

    @property
    def service_level(self) -> float | None:
        """met / (met + missed) of first-response clocks decided today; None when none was."""
        decided = self.met + self.missed
        return self.met / decided if decided else None

    def add(self, other: "DayCounts") -> None:
        for name in ("received", "handled", "abandoned", "met", "missed", "breaches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DayFigures:
    by_queue: dict[str, DayCounts] = field(default_factory=lambda: defaultdict(DayCounts))
    by_channel: dict[str, DayCounts] = field(default_factory=lambda: defaultdict(DayCounts))
    total: DayCounts = field(default_factory=DayCounts)
    hourly: dict[str, list[int]] = field(default_factory=dict)  # channel → tasks received per hour slot
    missed_offers: dict[uuid.UUID, int] = field(default_factory=dict)  # agent → offers missed today
    queue_channels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # seen today


def day_figures(session: Session, tenant_id: uuid.UUID, day: BusinessDay, now: datetime) -> DayFigures:
    """Everything the wallboard counts for `day` up to `now`, in four grouped queries."""
    figures = DayFigures()
    _count_tasks(session, tenant_id, day, figures)
    _count_clocks(session, tenant_id, day, min(now, day.end), figures)
    figures.hourly = _hourly(session, tenant_id, day)
    figures.missed_offers = _missed_offers(session, tenant_id, day)
    return figures


def _within(column: Any, day: BusinessDay) -> ColumnElement[bool]:
    """`column` (a datetime column or expression) falls on `day`."""
    return and_(column >= day.start, column < day.end)


def _count_tasks(session: Session, tenant_id: uuid.UUID, day: BusinessDay, figures: DayFigures) -> None:
    received = _within(Task.created_at, day)
    handled = and_(Task.status == "done", Task.assigned_user_id.is_not(None), _within(Task.completed_at, day))
    abandoned = and_(Task.reason == ABANDONED_REASON, received)
    rows = session.execute(
        select(
            Task.queue,
            Task.channel_kind,
            Task.kind,
            func.sum(case((received, 1), else_=0)),
            func.sum(case((handled, 1), else_=0)),
            func.sum(case((abandoned, 1), else_=0)),
        )
        .where(Task.tenant_id == tenant_id, or_(received, _within(Task.completed_at, day)))
        .group_by(Task.queue, Task.channel_kind, Task.kind)
    )
    for queue, channel_kind, task_kind, received_n, handled_n, abandoned_n in rows:
        channel = channel_of(channel_kind, task_kind)
        figures.queue_channels[queue].add(channel)
        counts = DayCounts(received=int(received_n), handled=int(handled_n), abandoned=int(abandoned_n))
        _credit(figures, queue, channel, counts)


def _count_clocks(
    session: Session, tenant_id: uuid.UUID, day: BusinessDay, now: datetime, figures: DayFigures
) -> None:
    met = and_(SlaClock.status == "met", _within(SlaClock.stopped_at, day))
    missed = or_(
        and_(
            SlaClock.status == "breached", _within(func.coalesce(SlaClock.breached_at, SlaClock.due_at), day)
        ),
        # past due but not yet marked by the SLA job: already missed, whatever the job's next pass says
        and_(SlaClock.status == "running", SlaClock.due_at >= day.start, SlaClock.due_at < now),
    )
    latest_task_channel = (
        select(func.coalesce(Task.channel_kind, case((Task.kind == "callback", "voice"), else_="api")))
        .where(Task.case_id == SlaClock.case_id)
        .order_by(Task.created_at.desc())
        .limit(1)
        .correlate(SlaClock)
        .scalar_subquery()
    )
    latest_message_channel = (
        select(Message.channel_kind)
        .where(Message.case_id == SlaClock.case_id, Message.direction == "in")
        .order_by(Message.created_at.desc())
        .limit(1)
        .correlate(SlaClock)
        .scalar_subquery()
    )
    decided = (
        select(
            SlaClock.kind.label("kind"),
            case((met, literal("met")), else_=literal("missed")).label("outcome"),
            Case.queue.label("queue"),
            func.coalesce(latest_task_channel, latest_message_channel).label("channel"),
        )
        .join(Case, Case.id == SlaClock.case_id)
        .where(SlaClock.tenant_id == tenant_id, or_(met, missed))
        .subquery()
    )
    rows = session.execute(
        select(decided.c.kind, decided.c.outcome, decided.c.queue, decided.c.channel, func.count()).group_by(
            decided.c.kind, decided.c.outcome, decided.c.queue, decided.c.channel
        )
    )
    for kind, outcome, queue, channel, count in rows:
        counts = DayCounts(breaches=int(count) if outcome == "missed" else 0)
        if kind == "first_response":
            counts.met, counts.missed = (int(count), 0) if outcome == "met" else (0, int(count))
        _credit(figures, queue, channel, counts)


def _hourly(session: Session, tenant_id: uuid.UUID, day: BusinessDay) -> dict[str, list[int]]:
    """Tasks received per wall-clock hour slot and channel; the slot is chosen in SQL by comparing with
    the slots' UTC boundaries, which works on any database and for any time zone offset."""
    slot = case(
        *((Task.created_at < boundary, index) for index, boundary in enumerate(day.hour_starts[1:-1])),
        else_=HOURS_PER_DAY - 1,
    ).label("slot")
    rows = session.execute(
        select(slot, Task.channel_kind, Task.kind, func.count())
        .where(Task.tenant_id == tenant_id, _within(Task.created_at, day))
        .group_by(slot, Task.channel_kind, Task.kind)
    )
    hourly: dict[str, list[int]] = {}
    for index, channel_kind, task_kind, count in rows:
        hours = hourly.setdefault(channel_of(channel_kind, task_kind), [0] * HOURS_PER_DAY)
        hours[int(index)] += int(count)
    return dict(sorted(hourly.items()))


def _missed_offers(session: Session, tenant_id: uuid.UUID, day: BusinessDay) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Offer.user_id, func.count())
        .where(
            Offer.tenant_id == tenant_id,
            Offer.status.in_(MISSED_OFFER_STATUSES),
            _within(Offer.responded_at, day),
        )
        .group_by(Offer.user_id)
    )
    return {user_id: int(count) for user_id, count in rows}


def _credit(figures: DayFigures, queue: str | None, channel: str | None, counts: DayCounts) -> None:
    if queue is not None:
        figures.by_queue[queue].add(counts)
    if channel is not None:
        figures.by_channel[channel].add(counts)
    figures.total.add(counts)
