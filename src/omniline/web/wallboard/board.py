"""The wallboard as one value: tiles per channel kind and per queue, agents by state, the agents table
and both charts, built from the live figures (`routing.figures`) and today's (`figures.py`).
The page, its fragment and the JSON endpoint all render this one `Board`."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.agents.presence import PRESENCE_STATES
from omniline.agents.service import list_agents
from omniline.channels.models import Channel
from omniline.channels.registry import CHANNEL_KINDS
from omniline.routing.figures import LiveRow, LiveWork, live_rows, live_work_by, tally_presence
from omniline.routing.queues import list_queues
from omniline.routing.sla_service import load_business_hours
from omniline.web.wallboard.charts import LevelBars, StackedBars, service_level_bars, stacked_hour_bars
from omniline.web.wallboard.day import BusinessDay, business_day
from omniline.web.wallboard.figures import DayCounts, DayFigures, day_figures
from omniline.web.wallboard.thresholds import BAD, level_tone, worst

# The agents table lists people in this order of state: who can take work first, who is away last.
STATE_ORDER = ("available", "busy", "wrap_up", "paused", "offline")


@dataclass
class Tile:
    """One channel kind or queue. `no_agent_free`: work waits and no available agent has room on its
    channel(s). `abandoned` is None where calls cannot be abandoned (not voice)."""

    name: str
    live: LiveWork
    today: DayCounts
    abandoned: int | None
    no_agent_free: bool
    longest_wait_seconds: int

    @property
    def service_level(self) -> float | None:
        return self.today.service_level

    @property
    def level_tone(self) -> str:
        return level_tone(self.service_level)

    @property
    def tone(self) -> str:
        return worst(self.level_tone, BAD if self.no_agent_free else "ok")


@dataclass
class Load:
    channel: str
    load: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.load >= self.capacity


@dataclass
class AgentRow:
    user_id: str
    name: str
    email: str
    team: str | None
    presence: str
    reason: str | None
    since: datetime | None
    seconds_in_state: int
    loads: list[Load]
    skills: dict[str, int]
    languages: list[str]
    missed_today: int
    missed_in_a_row: int


@dataclass
class Board:
    at: datetime
    day: BusinessDay
    total: Tile
    channels: list[Tile]
    queues: list[Tile]
    presence: dict[str, int]
    paused_reasons: dict[str, int]
    agents: list[AgentRow]
    hourly: dict[str, list[int]]
    hourly_chart: StackedBars
    level_chart: LevelBars


def build_board(session: Session, tenant_id: uuid.UUID, now: datetime) -> Board:
    """The tenant's wallboard at `now` (a dozen queries, all grouped or set-based; none per row)."""
    day = business_day(now, load_business_hours(session, tenant_id).timezone)
    rows = live_rows(session, tenant_id)
    today = day_figures(session, tenant_id, day, now)
    agents = list_agents(session, tenant_id)
    free = {
        kind
        for agent in agents
        if agent["presence"] == "available"
        for kind, capacity in agent["capacity"].items()
        if capacity > agent["load"].get(kind, 0)
    }
    defined = list_queues(session, tenant_id)
    bot_queues = {queue.name for queue in defined if queue.is_bot}
    # Which channels work waits on for a person, per queue; a bot queue's work waits for the bot.
    waiting_channels: dict[str, set[str]] = {}
    for row in rows:
        if row.status == "open" and row.queue not in bot_queues:
            waiting_channels.setdefault(row.queue, set()).add(row.channel)
    waiting_anywhere = set[str]().union(*waiting_channels.values())
    channel_names = _channel_names(session, tenant_id, rows, today)
    queue_names = sorted(
        {queue.name for queue in defined} | {row.queue for row in rows} | set(today.by_queue)
    )
    live_channels = live_work_by(rows, "channel", channel_names)
    live_queues = live_work_by(rows, "queue", queue_names)
    channels = [
        _tile(
            name,
            live_channels[name],
            today.by_channel.get(name),
            now,
            voice=name == "voice",
            waits_on={name} & waiting_anywhere,
            free=free,
        )
        for name in channel_names
    ]
    queues = [
        _tile(
            name,
            live_queues[name],
            today.by_queue.get(name),
            now,
            voice="voice" in today.queue_channels.get(name, set()) | waiting_channels.get(name, set()),
            waits_on=waiting_channels.get(name, set()),
            free=free,
        )
        for name in queue_names
    ]
    states, reasons = tally_presence((agent["presence"], agent["reason"]) for agent in agents)
    total = _tile(
        "", _sum(live_queues.values()), today.total, now, voice=True, waits_on=waiting_anywhere, free=free
    )
    return Board(
        at=now,
        day=day,
        total=total,
        channels=channels,
        queues=queues,
        presence=states,
        paused_reasons=reasons,
        agents=_agent_rows(agents, today, now),
        hourly=today.hourly,
        hourly_chart=stacked_hour_bars(_in_kind_order(today.hourly), current_slot=_current_slot(day, now)),
        level_chart=service_level_bars([(tile.name, tile.service_level) for tile in queues]),
    )


def _tile(
    name: str,
    live: LiveWork,
    today: DayCounts | None,
    now: datetime,
    *,
    voice: bool,
    waits_on: set[str],
    free: set[str],
) -> Tile:
    """`waits_on`: the channels this tile's work waits on for a person; `free`: the channels some
    available agent has room on. Nobody free for any of them turns the tile red."""
    today = today or DayCounts()
    return Tile(
        name=name,
        live=live,
        today=today,
        abandoned=today.abandoned if voice or today.abandoned else None,
        no_agent_free=bool(waits_on) and not waits_on & free,
        longest_wait_seconds=live.longest_wait_seconds(now),
    )


def _sum(works: Iterable[LiveWork]) -> LiveWork:
    total = LiveWork()
    for work in works:
        total.add("open", work.waiting, work.oldest_waiting)
        total.add("offered", work.offered, None)
        total.add("assigned", work.assigned, None)
    return total


def _channel_names(
    session: Session, tenant_id: uuid.UUID, rows: list[LiveRow], today: DayFigures
) -> list[str]:
    """The tenant's active channel kinds and any kind that has work now or had some today."""
    configured = session.scalars(
        select(Channel.kind).where(Channel.tenant_id == tenant_id, Channel.is_active.is_(True)).distinct()
    )
    names = set(configured) | {row.channel for row in rows} | set(today.by_channel) | set(today.hourly)
    return _kind_order(names)


def _kind_order(names: Iterable[str]) -> list[str]:
    known = [kind for kind in CHANNEL_KINDS if kind in set(names)]
    return known + sorted(set(names) - set(CHANNEL_KINDS))


def _in_kind_order(hourly: dict[str, list[int]]) -> dict[str, list[int]]:
    return {kind: hourly[kind] for kind in _kind_order(hourly)}


def _current_slot(day: BusinessDay, now: datetime) -> int | None:
    if not day.contains(now):
        return None
    return max(index for index, start in enumerate(day.hour_starts[:-1]) if start <= now)


def _agent_rows(agents: list[dict[str, Any]], today: DayFigures, now: datetime) -> list[AgentRow]:
    rows = []
    for agent in agents:
        since = datetime.fromisoformat(agent["since"]) if agent["since"] else None
        rows.append(
            AgentRow(
                user_id=agent["user_id"],
                name=agent["name"],
                email=agent["email"],
                team=agent["team"],
                presence=agent["presence"],
                reason=agent["reason"],
                since=since,
                seconds_in_state=max(0, int((now - since).total_seconds())) if since else 0,
                loads=[
                    Load(kind, agent["load"].get(kind, 0), agent["capacity"].get(kind, 0))
                    for kind in _kind_order(set(agent["capacity"]) | set(agent["load"]))
                ],
                skills=dict(sorted(agent["skills"].items())),
                languages=list(agent["languages"]),
                missed_today=today.missed_offers.get(uuid.UUID(agent["user_id"]), 0),
                missed_in_a_row=agent["missed_offers"],
            )
        )
    order = {state: index for index, state in enumerate(STATE_ORDER)}
    return sorted(rows, key=lambda row: (order.get(row.presence, len(PRESENCE_STATES)), row.name.casefold()))
