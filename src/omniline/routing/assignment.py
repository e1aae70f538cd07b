"""Agent choice and queue order, as plain values (the routing hot path: no database, no clock).

Who gets an item: the customer's last agent first (sticky), when they are available with room on the
item's channel and served the customer within the sticky window; otherwise the longest-idle available
agent who has every skill of the item at the queue's minimum level, speaks its language (agents who
list no languages take any), has free capacity on its channel kind, belongs to its team when it names
one, and has not already refused or missed it.

Which item goes first: rank = priority + waited_seconds / AGEING_SECONDS_PER_LEVEL. Waiting that long
is worth one priority level, so an old low-priority item eventually beats a new high-priority one and
nothing starves. Because every item ages at the same rate, comparing ranks at any moment gives the same
answer as comparing `enqueued_at - priority * AGEING_SECONDS_PER_LEVEL` (the "effective arrival"):
orders are kept sorted on that fixed key and never need re-sorting as time passes.
"""

import uuid
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

AGEING_SECONDS_PER_LEVEL = 60.0  # one minute of waiting is worth one level of priority
_NEVER = datetime.max.replace(tzinfo=UTC)  # agents who were never idle sort after every idle one
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# When the agents who could take an item are this many times fewer than the agents with room on its
# channel, look at those few directly instead of walking the channel's idle order.
_NARROW_FACTOR = 8


@dataclass(slots=True)
class AgentState:
    user_id: uuid.UUID
    team_id: uuid.UUID | None
    skills: Mapping[str, int]
    languages: frozenset[str]
    capacity: Mapping[str, int]
    load: dict[str, int]
    presence: str
    idle_since: datetime | None

    def free(self, channel_kind: str) -> int:
        return self.capacity.get(channel_kind, 0) - self.load.get(channel_kind, 0)

    def at_capacity(self) -> bool:
        """No room left on any channel kind the agent takes (the agent is then busy)."""
        return all(self.free(kind) <= 0 for kind in self.capacity)

    def has_work(self) -> bool:
        return any(count > 0 for count in self.load.values())


@dataclass(frozen=True, slots=True)
class WorkItem:
    task_id: uuid.UUID
    queue: str
    channel_kind: str
    skills: frozenset[str]
    min_level: int
    language: str | None
    team_id: uuid.UUID | None
    sticky_user_id: uuid.UUID | None
    priority: int
    enqueued_at: datetime
    last_agent_at: datetime | None  # when the sticky agent last served the customer; None = no limit
    refused_by: frozenset[uuid.UUID] = frozenset()
    not_before: datetime | None = None  # a callback is not offered before it is due
    overflowed: bool = False

    @property
    def order_key(self) -> tuple[float, uuid.UUID]:
        """Smaller goes first: the effective arrival (see the module docstring), then the task id."""
        arrival = (self.enqueued_at - _EPOCH).total_seconds()
        return (arrival - self.priority * AGEING_SECONDS_PER_LEVEL, self.task_id)


def rank(item: WorkItem, now: datetime) -> float:
    """priority + waited_seconds / AGEING_SECONDS_PER_LEVEL: higher is served first."""
    return item.priority + (now - item.enqueued_at).total_seconds() / AGEING_SECONDS_PER_LEVEL


def eligible(agent: AgentState, item: WorkItem) -> bool:
    """Whether `agent` may be offered `item` now (every rule but stickiness)."""
    if agent.presence != "available" or agent.user_id in item.refused_by:
        return False
    if agent.free(item.channel_kind) <= 0:
        return False
    if item.team_id is not None and agent.team_id != item.team_id:
        return False
    if item.language is not None and agent.languages and item.language not in agent.languages:
        return False
    skills = agent.skills
    return all(skills.get(skill, 0) >= item.min_level for skill in item.skills)


def _sticky_fits(agent: AgentState, item: WorkItem) -> bool:
    # The customer's own agent needs only to be there and have room: they served this customer before.
    return (
        agent.presence == "available"
        and agent.user_id not in item.refused_by
        and agent.free(item.channel_kind) > 0
    )


def _agent_key(agent: AgentState) -> tuple[int, datetime, uuid.UUID]:
    # Idle agents first, longest idle first; then agents already working, lightest load first.
    return (sum(agent.load.values()), agent.idle_since or _NEVER, agent.user_id)


class AgentPool:
    """The agents routing may offer work to, indexed so a choice does not scan them all: per channel
    kind, the available agents with room on it in idle order; per skill and per team, who has it."""

    def __init__(self, agents: Iterable[AgentState] = ()) -> None:
        self._agents: dict[uuid.UUID, AgentState] = {}
        self._keys: dict[uuid.UUID, tuple[int, datetime, uuid.UUID]] = {}
        self._by_kind: dict[str, list[tuple[int, datetime, uuid.UUID]]] = {}
        self._by_skill: dict[str, set[uuid.UUID]] = {}
        self._by_team: dict[uuid.UUID, set[uuid.UUID]] = {}
        for agent in agents:
            self.add(agent)

    def __len__(self) -> int:
        return len(self._agents)

    def get(self, user_id: uuid.UUID) -> AgentState | None:
        return self._agents.get(user_id)

    def add(self, agent: AgentState) -> None:
        """Add (or replace) an agent."""
        self.remove(agent.user_id)
        self._agents[agent.user_id] = agent
        for skill in agent.skills:
            self._by_skill.setdefault(skill, set()).add(agent.user_id)
        if agent.team_id is not None:
            self._by_team.setdefault(agent.team_id, set()).add(agent.user_id)
        self._index(agent)

    def remove(self, user_id: uuid.UUID) -> None:
        agent = self._agents.pop(user_id, None)
        if agent is None:
            return
        self._unindex(agent)
        for skill in agent.skills:
            self._by_skill[skill].discard(user_id)
        if agent.team_id is not None:
            self._by_team[agent.team_id].discard(user_id)

    def has_room(self) -> bool:
        """Whether any agent could still take anything."""
        return any(self._by_kind.values())

    def ordered(self, channel_kind: str) -> Iterator[AgentState]:
        """Available agents with room on `channel_kind`, in the order offers go to them."""
        agents = self._agents
        return (agents[key[2]] for key in self._by_kind.get(channel_kind, ()))

    def assign(self, user_id: uuid.UUID, channel_kind: str) -> None:
        """Count one more piece of work (an offer or an assignment) against the agent."""
        agent = self._agents[user_id]
        self._unindex(agent)
        agent.load[channel_kind] = agent.load.get(channel_kind, 0) + 1
        agent.idle_since = None
        self._index(agent)

    def release(self, user_id: uuid.UUID, channel_kind: str, now: datetime) -> None:
        """One piece of work left the agent; idle from `now` when it was the last."""
        agent = self._agents[user_id]
        self._unindex(agent)
        agent.load[channel_kind] = max(0, agent.load.get(channel_kind, 0) - 1)
        if not agent.has_work():
            agent.idle_since = now
        self._index(agent)

    def set_presence(self, user_id: uuid.UUID, presence: str) -> None:
        agent = self._agents[user_id]
        self._unindex(agent)
        agent.presence = presence
        self._index(agent)

    def narrowest(self, item: WorkItem) -> set[uuid.UUID] | None:
        """The smallest index set every eligible agent must be in, or None when the item requires no
        skill and no team. (Languages cannot narrow: agents who list none take every language.)"""
        sets: list[set[uuid.UUID]] = [self._by_skill.get(skill, set()) for skill in item.skills]
        if item.team_id is not None:
            sets.append(self._by_team.get(item.team_id, set()))
        return min(sets, key=len) if sets else None

    def _index(self, agent: AgentState) -> None:
        if agent.presence != "available":
            return
        key = _agent_key(agent)
        self._keys[agent.user_id] = key
        for kind in agent.capacity:
            if agent.free(kind) > 0:
                insort(self._by_kind.setdefault(kind, []), key)

    def _unindex(self, agent: AgentState) -> None:
        key = self._keys.pop(agent.user_id, None)
        if key is None:
            return
        for kind in agent.capacity:
            ordered = self._by_kind.get(kind)
            if ordered:
                position = bisect_left(ordered, key)
                if position < len(ordered) and ordered[position] == key:
                    del ordered[position]


def choose_agent(
    item: WorkItem, pool: AgentPool, *, now: datetime, sticky_window: timedelta
) -> AgentState | None:
    """The agent to offer `item` to (see the module docstring), or None when nobody fits now."""
    if item.sticky_user_id is not None:
        sticky = pool.get(item.sticky_user_id)
        fresh = item.last_agent_at is None or now - item.last_agent_at <= sticky_window
        if sticky is not None and fresh and _sticky_fits(sticky, item):
            return sticky
    narrow = pool.narrowest(item)
    if narrow is not None:
        if not narrow:
            return None
        if len(narrow) * _NARROW_FACTOR < len(pool):
            fits = [agent for agent in map(pool.get, narrow) if agent is not None and eligible(agent, item)]
            return min(fits, key=_agent_key) if fits else None
    for agent in pool.ordered(item.channel_kind):
        if eligible(agent, item):
            return agent
    return None


@dataclass(frozen=True, slots=True)
class QueueRules:
    """What a queue adds to its items and when they overflow."""

    name: str
    priority: int = 0
    skills: frozenset[str] = frozenset()
    min_level: int = 1
    team_id: uuid.UUID | None = None
    is_bot: bool = False
    overflow_after_seconds: int | None = None
    overflow_to: str | None = None
    overflow_drop_skills: bool = False


DROP_SKILLS = "drop_skills"


def overflow_due(item: WorkItem, queue: QueueRules, now: datetime) -> str | None:
    """Where an item that waited too long in `queue` goes: another queue's name, DROP_SKILLS (stay, but
    any agent with room may take it), or None (not yet, never, or it already overflowed here)."""
    if queue.overflow_after_seconds is None or queue.is_bot:
        return None
    if (now - item.enqueued_at).total_seconds() < queue.overflow_after_seconds:
        return None
    if queue.overflow_to and queue.overflow_to != item.queue:
        return queue.overflow_to
    if queue.overflow_drop_skills and not item.overflowed and item.skills:
        return DROP_SKILLS
    return None


_Entry = tuple[tuple[float, uuid.UUID], WorkItem]


def _entry_key(entry: _Entry) -> tuple[float, uuid.UUID]:
    return entry[0]


@dataclass(slots=True)
class QueueBoard:
    """Waiting items by channel kind and queue, each lane kept in serving order (sorted on the fixed
    order key). Split by channel kind so a freed agent looks only where they have room; `rules` (when
    known) let whole queues an agent cannot serve be skipped without looking at their items. Which
    queues an agent serves is remembered per agent: a board lives for one pass of routing, during
    which queues and agents' skills do not change."""

    lanes: dict[str, dict[str, list[_Entry]]] = field(default_factory=dict)
    rules: dict[str, QueueRules] = field(default_factory=dict)
    _served: dict[uuid.UUID, frozenset[str] | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(lane) for queues in self.lanes.values() for lane in queues.values())

    def add(self, item: WorkItem) -> None:
        lane = self.lanes.setdefault(item.channel_kind, {}).setdefault(item.queue, [])
        insort(lane, (item.order_key, item), key=_entry_key)

    def remove(self, item: WorkItem) -> None:
        lane = self.lanes.get(item.channel_kind, {}).get(item.queue, [])
        position = bisect_left(lane, item.order_key, key=_entry_key)
        if position < len(lane) and lane[position][1].task_id == item.task_id:
            del lane[position]

    def in_order(self) -> list[WorkItem]:
        """Every waiting item, best first, across queues."""
        entries = [entry for queues in self.lanes.values() for lane in queues.values() for entry in lane]
        entries.sort(key=_entry_key)
        return [item for _, item in entries]

    def blocked_queues(self, agent: AgentState) -> frozenset[str] | None:
        """Queues whose own requirements the agent does not meet (None: no rules known)."""
        if agent.user_id not in self._served:
            blocked = frozenset(
                name
                for name, rules in self.rules.items()
                # a queue that drops skills on overflow holds items without them: look at its items
                if not rules.overflow_drop_skills and not _serves(agent, rules)
            )
            self._served[agent.user_id] = blocked if self.rules else None
        return self._served[agent.user_id]


def _serves(agent: AgentState, rules: QueueRules) -> bool:
    """Whether the agent meets the queue's own requirements (items may add more)."""
    if rules.team_id is not None and agent.team_id != rules.team_id:
        return False
    return all(agent.skills.get(skill, 0) >= rules.min_level for skill in rules.skills)


def next_item_for(agent: AgentState, board: QueueBoard, now: datetime) -> WorkItem | None:
    """The best-ranked waiting item `agent` may take now, across every queue (a freed agent's next work)."""
    best: WorkItem | None = None
    best_key: tuple[float, uuid.UUID] | None = None
    blocked = board.blocked_queues(agent) or frozenset()
    for kind, queues in board.lanes.items():
        if agent.free(kind) <= 0:
            continue
        for queue, lane in queues.items():
            if not lane or queue in blocked:
                continue
            if best_key is not None and lane[0][0] >= best_key:
                continue  # sorted: nothing in this lane can beat the best so far
            for key, item in lane:
                if best_key is not None and key >= best_key:
                    break
                if item.not_before is not None and item.not_before > now:
                    continue
                if eligible(agent, item):
                    best, best_key = item, key
                    break
    return best


def plan_offers(
    items: Iterable[WorkItem], pool: AgentPool, *, now: datetime, sticky_window: timedelta
) -> list[tuple[WorkItem, AgentState]]:
    """Match waiting items (best first) to agents, counting each match against the agent's capacity.
    Items not yet due are skipped; stops as soon as no agent has room for anything."""
    ordered = sorted(items, key=lambda item: item.order_key)
    plan: list[tuple[WorkItem, AgentState]] = []
    for item in ordered:
        if not pool.has_room():
            break
        if item.not_before is not None and item.not_before > now:
            continue
        agent = choose_agent(item, pool, now=now, sticky_window=sticky_window)
        if agent is not None:
            pool.assign(agent.user_id, item.channel_kind)
            plan.append((item, agent))
    return plan
