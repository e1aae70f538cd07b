"""Routing benchmark: the decision for one contact, and sustained assignment, in process (no database).

    .venv/bin/python bench/routing.py [--agents 2000] [--queues 100] [--items 10000]
                                      [--decisions 20000] [--assignments 50000] [--quick]

The world (deterministic, seed 42): N agents with 2–7 of 40 skills at levels 1–5, languages among
en/ru/zh (a quarter list none: they take any), a capacity mix (voice 1; web chat 2–4; e-mail 3–8;
messengers 2–4), one of 20 teams, 80% available with random load below capacity; Q queues with 0–1
skill of their own, a minimum level 1–3 and a priority 0–3, one in ten for a team; W waiting items
spread over the queues, each with its queue's skill plus sometimes a topic skill, a language, a
channel kind, a priority 0–5, a wait of up to 30 minutes, one in ten sticky to a recent agent.

Results, one JSON line each:
- "decision": `decide()` of the default routing policy on the contact's facts, then `choose_agent`
  over the full pool, per contact (p50/p99, target p99 < 1 ms);
- "agent_choice": `choose_agent` alone;
- "assignments": the loop a freed agent goes through, sustained: `next_item_for(agent, board)`, take
  the item off the board, count it on the agent, release the agent's oldest work (when they hold
  three, or found nothing to take), and a new contact arrives on the board for each one taken, so it
  stays at W waiting (per_s counts assignments; target >= 5,000/s).
"""

import argparse
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from _support import emit, latency_summary, progress
from omniline.routing.assignment import (
    AgentPool,
    AgentState,
    QueueBoard,
    QueueRules,
    WorkItem,
    choose_agent,
    next_item_for,
)
from omniline.routing.policy import Facts, decide
from omniline.routing.policy_store import default_policy

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STICKY_WINDOW = timedelta(hours=72)
SKILLS = [f"skill_{n:02d}" for n in range(40)]
LANGUAGES = ("en", "ru", "zh")
KINDS = ("voice", "webchat", "email", "telegram", "wechat", "sms")
TOPICS = [
    ("orders.status", "low", "simple", True, ()),
    ("billing.double_charge", "high", "standard", False, ("financial",)),
    ("complaints.service", "medium", "complex", False, ("complaint",)),
    ("account.delete_data", "high", "standard", False, ("privacy",)),
    ("delivery.delay", "low", "simple", True, ()),
    ("technical.app_crash", "medium", "complex", False, ()),
]
TIERS = ("standard", "standard", "standard", "gold", "vip")


@dataclass
class World:
    agents: list[AgentState]
    queues: dict[str, QueueRules]
    items: list[WorkItem]
    facts: list[Facts]


def build_world(rng: random.Random, *, agents: int, queues: int, items: int) -> World:
    teams = [uuid.UUID(int=1_000_000 + n) for n in range(20)]
    people = [_agent(rng, n, teams) for n in range(agents)]
    rules = {}
    for n in range(queues):
        name = f"q{n:03d}"
        rules[name] = QueueRules(
            name=name,
            priority=rng.randint(0, 3),
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 1))),
            min_level=rng.randint(1, 3),
            team_id=rng.choice(teams) if rng.random() < 0.1 else None,
        )
    names = list(rules)
    waiting = [_item(rng, n, rules[rng.choice(names)], people) for n in range(items)]
    facts = [_facts(rng) for _ in range(items)]
    return World(people, rules, waiting, facts)


def _agent(rng: random.Random, number: int, teams: list[uuid.UUID]) -> AgentState:
    capacity: dict[str, int] = {}
    if rng.random() < 0.4:
        capacity["voice"] = 1
    if rng.random() < 0.7:
        capacity["webchat"] = rng.randint(2, 4)
    if rng.random() < 0.6:
        capacity["email"] = rng.randint(3, 8)
    for kind in ("telegram", "wechat", "sms"):
        if rng.random() < 0.3:
            capacity[kind] = rng.randint(2, 4)
    capacity = capacity or {"webchat": 3}
    load = {kind: rng.randint(0, count - 1) for kind, count in capacity.items()}
    languages = frozenset() if rng.random() < 0.25 else frozenset(rng.sample(LANGUAGES, rng.randint(1, 2)))
    idle = NOW - timedelta(seconds=rng.randint(0, 3600)) if not any(load.values()) else None
    return AgentState(
        user_id=uuid.UUID(int=number + 1),
        team_id=rng.choice(teams),
        skills={skill: rng.randint(1, 5) for skill in rng.sample(SKILLS, rng.randint(2, 7))},
        languages=languages,
        capacity=capacity,
        load=load,
        presence="available" if rng.random() < 0.8 else rng.choice(("busy", "paused", "offline")),
        idle_since=idle,
    )


def _item(rng: random.Random, number: int, queue: QueueRules, people: list[AgentState]) -> WorkItem:
    skills = set(queue.skills)
    if rng.random() < 0.3:
        skills.add(rng.choice(SKILLS))
    sticky = rng.choice(people).user_id if rng.random() < 0.1 else None
    return WorkItem(
        task_id=uuid.UUID(int=10_000_000 + number),
        queue=queue.name,
        channel_kind=rng.choice(KINDS),
        skills=frozenset(skills),
        min_level=queue.min_level,
        language=rng.choice((*LANGUAGES, None)),
        team_id=queue.team_id,
        sticky_user_id=sticky,
        priority=queue.priority + rng.randint(0, 5),
        enqueued_at=NOW - timedelta(seconds=rng.randint(0, 1800)),
        last_agent_at=NOW - timedelta(hours=rng.randint(1, 100)) if sticky else None,
    )


def _facts(rng: random.Random) -> Facts:
    code, risk, complexity, self_service, tags = rng.choice(TOPICS)
    return Facts(
        topic_code=code,
        topic_tags=frozenset(tags),
        risk=risk,
        complexity=complexity,
        self_service=self_service,
        customer_tier=rng.choice(TIERS),
        customer_value=rng.choice((0.0, 500.0, 50_000.0)),
        channel_kind=rng.choice(KINDS),
        language=rng.choice(LANGUAGES),
        sentiment=rng.choice(("negative", "neutral", "positive")),
        repeat_contact=rng.random() < 0.1,
        contacts_in_window=rng.randint(1, 4),
    )


def bench_decisions(world: World, count: int) -> None:
    policy = default_policy()
    pool = AgentPool(world.agents)
    pairs = [(world.facts[n % len(world.facts)], world.items[n % len(world.items)]) for n in range(count)]
    clock = time.perf_counter
    decision_latencies: list[float] = []
    choice_latencies: list[float] = []
    found = 0
    started = clock()
    for facts, item in pairs:
        began = clock()
        decide(policy, facts)
        chose = clock()
        agent = choose_agent(item, pool, now=NOW, sticky_window=STICKY_WINDOW)
        ended = clock()
        decision_latencies.append(ended - began)
        choice_latencies.append(ended - chose)
        found += agent is not None
    wall = clock() - started
    sizes = {"agents": len(world.agents), "queues": len(world.queues), "waiting": len(world.items)}
    emit(
        {"bench": "routing", "measure": "decision", "n": count, **sizes}
        | latency_summary(decision_latencies, wall)
    )
    emit(
        {"bench": "routing", "measure": "agent_choice", "n": count, "matched": found, **sizes}
        | latency_summary(choice_latencies, sum(choice_latencies))
    )


def bench_assignments(world: World, rng: random.Random, count: int) -> None:
    pool = AgentPool(world.agents)
    board = QueueBoard(rules=dict(world.queues))
    for waiting in world.items:
        board.add(waiting)
    available = [agent for agent in world.agents if agent.presence == "available"]
    held: dict[uuid.UUID, deque[str]] = {agent.user_id: deque() for agent in available}
    names = list(world.queues)
    arrivals = (
        _item(rng, len(world.items) + n, world.queues[rng.choice(names)], world.agents) for n in range(count)
    )
    clock = time.perf_counter
    latencies: list[float] = []
    assigned = idle_turns = 0
    started = clock()
    for turn in range(count):
        agent = available[turn % len(available)]
        began = clock()
        item = next_item_for(agent, board, NOW)
        if item is not None:
            board.remove(item)
            pool.assign(agent.user_id, item.channel_kind)
            held[agent.user_id].append(item.channel_kind)
            assigned += 1
        else:
            idle_turns += 1
        if held[agent.user_id] and (item is None or len(held[agent.user_id]) > 2):
            pool.release(agent.user_id, held[agent.user_id].popleft(), NOW)  # finished their oldest work
        if item is not None:
            board.add(next(arrivals))  # and another contact arrives: the board stays as full
        latencies.append(clock() - began)
    wall = clock() - started
    summary = latency_summary(latencies, wall)
    summary["per_s"] = round(assigned / wall, 1)
    emit(
        {
            "bench": "routing",
            "measure": "assignments",
            "n": count,
            "assigned": assigned,
            "no_match": idle_turns,
        }
        | {"agents": len(world.agents), "queues": len(world.queues), "waiting": len(board)}
        | summary
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small numbers")
    args = parser.parse_args()
    if args.quick:
        args.agents, args.queues, args.items, args.decisions, args.assignments = 200, 20, 1000, 1000, 2000
    rng = random.Random(42)
    progress(f"building {args.agents} agents, {args.queues} queues, {args.items} waiting items")
    world = build_world(rng, agents=args.agents, queues=args.queues, items=args.items)
    bench_decisions(world, args.decisions)
    fresh = build_world(random.Random(42), agents=args.agents, queues=args.queues, items=args.items)
    bench_assignments(fresh, rng, args.assignments)


if __name__ == "__main__":
    main()
