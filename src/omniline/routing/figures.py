"""The live picture of the work, for supervisors: what waits, is offered and is assigned now, per queue
and channel kind, and how many agents are in each presence state. One grouped query each; the
supervisor API (`queues.queue_figures`) and the wallboard read the same numbers from here."""

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.agents.models import AgentProfile
from omniline.agents.presence import PRESENCE_STATES
from omniline.agents.repository import DEFAULT_CHANNEL_KIND, agent_users
from omniline.kernel.clock import as_utc
from omniline.routing.models import Task

LIVE_STATUSES = ("open", "offered", "assigned")


def channel_of(channel_kind: str | None, task_kind: str) -> str:
    """The channel a task counts under: its own, else voice for a callback (a call is owed), else api
    (the same default routing uses for capacity)."""
    return channel_kind or ("voice" if task_kind == "callback" else DEFAULT_CHANNEL_KIND)


@dataclass
class LiveWork:
    """Tasks of one queue (or channel) now: `waiting` are open (not yet offered to anyone), `offered`
    ring at an agent, `assigned` are being worked on. `oldest_waiting` is when the longest-waiting
    open task entered its queue (a scheduled callback: when it falls due), None when none waits."""

    waiting: int = 0
    oldest_waiting: datetime | None = None
    offered: int = 0
    assigned: int = 0

    def add(self, status: str, count: int, oldest: datetime | None) -> None:
        if status == "open":
            self.waiting += count
            if oldest is not None and (self.oldest_waiting is None or oldest < self.oldest_waiting):
                self.oldest_waiting = oldest
        elif status == "offered":
            self.offered += count
        else:
            self.assigned += count

    def longest_wait_seconds(self, now: datetime) -> int:
        if self.oldest_waiting is None:
            return 0
        return max(0, int((now - self.oldest_waiting).total_seconds()))


@dataclass(frozen=True)
class LiveRow:
    queue: str
    channel: str
    status: str
    count: int
    oldest: datetime | None


def live_rows(session: Session, tenant_id: uuid.UUID) -> list[LiveRow]:
    """The tenant's unfinished tasks grouped by queue, channel and status (one query)."""
    rows = session.execute(
        select(
            Task.queue, Task.channel_kind, Task.kind, Task.status, func.count(), func.min(Task.enqueued_at)
        )
        .where(Task.tenant_id == tenant_id, Task.status.in_(LIVE_STATUSES))
        .group_by(Task.queue, Task.channel_kind, Task.kind, Task.status)
    ).all()
    return [
        LiveRow(queue, channel_of(channel, kind), status, int(count), as_utc(oldest) if oldest else None)
        for queue, channel, kind, status, count, oldest in rows
    ]


def live_work_by(rows: Iterable[LiveRow], key: str, names: Iterable[str] = ()) -> dict[str, LiveWork]:
    """Sum the rows per `key` ("queue" or "channel"); every name in `names` appears, idle or not."""
    totals = {name: LiveWork() for name in names}
    for row in rows:
        totals.setdefault(getattr(row, key), LiveWork()).add(row.status, row.count, row.oldest)
    return totals


def presence_counts(session: Session, tenant_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    """Agents per presence state and the paused ones per reason (see `tally_presence`)."""
    rows = session.execute(
        select(AgentProfile.user_id, AgentProfile.presence, AgentProfile.presence_reason).where(
            AgentProfile.tenant_id == tenant_id
        )
    )
    presence = {row[0]: (row[1], row[2]) for row in rows}
    return tally_presence(
        presence.get(user.id, ("offline", None)) for user in agent_users(session, tenant_id)
    )


def tally_presence(states: Iterable[tuple[str, str | None]]) -> tuple[dict[str, int], dict[str, int]]:
    """(state, pause reason) per agent → agents per state (every state, zero included) and the paused
    ones per reason. An agent without a profile is offline."""
    counts = dict.fromkeys(PRESENCE_STATES, 0)
    reasons: Counter[str] = Counter()
    for state, reason in states:
        counts[state] += 1
        if state == "paused":
            reasons[reason or "—"] += 1
    return counts, dict(sorted(reasons.items()))
