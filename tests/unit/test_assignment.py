"""Agent choice, queue order with ageing, and overflow: plain values, no database."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from omniline.routing.assignment import (
    AGEING_SECONDS_PER_LEVEL,
    DROP_SKILLS,
    AgentPool,
    AgentState,
    QueueBoard,
    QueueRules,
    WorkItem,
    choose_agent,
    eligible,
    next_item_for,
    overflow_due,
    plan_offers,
    rank,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)
TEAM = uuid.UUID(int=900)


def agent(
    number: int,
    *,
    idle_minutes: float | None = 10,
    skills: dict[str, int] | None = None,
    languages: tuple[str, ...] = (),
    capacity: dict[str, int] | None = None,
    load: dict[str, int] | None = None,
    presence: str = "available",
    team_id: uuid.UUID | None = None,
) -> AgentState:
    return AgentState(
        user_id=uuid.UUID(int=number),
        team_id=team_id,
        skills=skills or {},
        languages=frozenset(languages),
        capacity=capacity if capacity is not None else {"webchat": 3},
        load=load or {},
        presence=presence,
        idle_since=None if idle_minutes is None else NOW - timedelta(minutes=idle_minutes),
    )


def item(number: int = 1, **fields: object) -> WorkItem:
    values: dict[str, object] = {
        "task_id": uuid.UUID(int=10_000 + number),
        "queue": "general",
        "channel_kind": "webchat",
        "skills": frozenset(),
        "min_level": 1,
        "language": None,
        "team_id": None,
        "sticky_user_id": None,
        "priority": 0,
        "enqueued_at": NOW - timedelta(minutes=1),
        "last_agent_at": None,
    }
    values.update(fields)
    return WorkItem(**values)  # type: ignore[arg-type]


def choose(work: WorkItem, *agents: AgentState) -> int | None:
    chosen = choose_agent(work, AgentPool(agents), now=NOW, sticky_window=WINDOW)
    return None if chosen is None else chosen.user_id.int


# --- eligibility ---


def test_skills_at_the_minimum_level_are_required() -> None:
    work = item(skills=frozenset({"billing", "ru_complaints"}), min_level=3)

    assert eligible(agent(1, skills={"billing": 3, "ru_complaints": 5}), work)
    assert not eligible(agent(2, skills={"billing": 2, "ru_complaints": 5}), work)
    assert not eligible(agent(3, skills={"billing": 5}), work)


def test_language_is_required_only_of_agents_who_list_languages() -> None:
    work = item(language="zh")

    assert eligible(agent(1, languages=("zh", "en")), work)
    assert not eligible(agent(2, languages=("ru",)), work)
    assert eligible(agent(3), work)  # lists none: takes any language


def test_capacity_is_per_channel_kind() -> None:
    full_chat = agent(1, capacity={"webchat": 3, "email": 5}, load={"webchat": 3})

    assert not eligible(full_chat, item(channel_kind="webchat"))
    assert eligible(full_chat, item(channel_kind="email"))
    assert not eligible(full_chat, item(channel_kind="voice"))  # does not take calls at all


def test_team_and_presence_and_refusals() -> None:
    assert not eligible(agent(1), item(team_id=TEAM))
    assert eligible(agent(1, team_id=TEAM), item(team_id=TEAM))
    assert not eligible(agent(2, presence="paused"), item())
    assert not eligible(agent(3), item(refused_by=frozenset({uuid.UUID(int=3)})))


# --- choice ---


def test_the_longest_idle_eligible_agent_wins() -> None:
    work = item(skills=frozenset({"billing"}))

    chosen = choose(
        work,
        agent(1, idle_minutes=5, skills={"billing": 1}),
        agent(2, idle_minutes=50, skills={"billing": 1}),
        agent(3, idle_minutes=500),  # idle longest but lacks the skill
        agent(4, idle_minutes=40, skills={"billing": 1}),
    )

    assert chosen == 2


def test_idle_agents_come_before_agents_already_working() -> None:
    chosen = choose(item(), agent(1, idle_minutes=None, load={"webchat": 1}), agent(2, idle_minutes=1))

    assert chosen == 2


def test_an_agent_who_refused_is_skipped() -> None:
    work = item(refused_by=frozenset({uuid.UUID(int=2)}))

    assert choose(work, agent(1, idle_minutes=5), agent(2, idle_minutes=50)) == 1


def test_nobody_fits_gives_none() -> None:
    assert choose(item(language="ru"), agent(1, languages=("zh",)), agent(2, presence="offline")) is None


def test_sticky_agent_first_within_the_window() -> None:
    # given the customer's last agent, less idle than another, served them two days ago
    work = item(sticky_user_id=uuid.UUID(int=1), last_agent_at=NOW - timedelta(hours=48))

    assert choose(work, agent(1, idle_minutes=1), agent(2, idle_minutes=100)) == 1


def test_sticky_agent_outside_the_window_is_treated_like_anyone() -> None:
    work = item(sticky_user_id=uuid.UUID(int=1), last_agent_at=NOW - timedelta(hours=73))

    assert choose(work, agent(1, idle_minutes=1), agent(2, idle_minutes=100)) == 2


def test_sticky_agent_without_room_falls_back() -> None:
    work = item(sticky_user_id=uuid.UUID(int=1), last_agent_at=NOW - timedelta(hours=1))
    full = agent(1, idle_minutes=None, load={"webchat": 3})

    assert choose(work, full, agent(2, idle_minutes=1)) == 2


def test_a_rare_skill_is_found_through_the_index_among_many_agents() -> None:
    # given 200 agents of whom two (not the longest idle overall) have the skill
    crowd = [agent(n, idle_minutes=1000 - n) for n in range(1, 201)]
    crowd[150] = agent(151, idle_minutes=30, skills={"privacy": 2})
    crowd[180] = agent(181, idle_minutes=60, skills={"privacy": 2})

    assert choose(item(skills=frozenset({"privacy"})), *crowd) == 181


def test_the_pool_follows_assignments_and_releases() -> None:
    pool = AgentPool([agent(1, idle_minutes=50, capacity={"webchat": 1}), agent(2, idle_minutes=5)])

    pool.assign(uuid.UUID(int=1), "webchat")
    assert [a.user_id.int for a in pool.ordered("webchat")] == [2]

    pool.release(uuid.UUID(int=1), "webchat", NOW)
    # agent 1 is idle again from NOW: agent 2 (idle 5 minutes) is now the longest idle
    assert [a.user_id.int for a in pool.ordered("webchat")] == [2, 1]

    pool.set_presence(uuid.UUID(int=2), "paused")
    assert [a.user_id.int for a in pool.ordered("webchat")] == [1]


def test_plan_offers_respects_capacity_and_order() -> None:
    # given one agent who takes up to 3 chats, and 5 chats waiting with different priorities
    items = [item(n, priority=n) for n in range(1, 6)]
    pool = AgentPool([agent(1, capacity={"webchat": 3})])

    plan = plan_offers(items, pool, now=NOW, sticky_window=WINDOW)

    assert [work.priority for work, _ in plan] == [5, 4, 3]
    assert pool.get(uuid.UUID(int=1)).load == {"webchat": 3}  # type: ignore[union-attr]


def test_plan_offers_skips_callbacks_not_yet_due() -> None:
    due_later = item(1, channel_kind="voice", not_before=NOW + timedelta(minutes=5))
    due_now = item(2, channel_kind="voice", not_before=NOW)
    pool = AgentPool([agent(1, capacity={"voice": 1}), agent(2, capacity={"voice": 1})])

    plan = plan_offers([due_later, due_now], pool, now=NOW, sticky_window=WINDOW)

    assert [work.task_id.int for work, _ in plan] == [10_002]


# --- queue order and ageing ---


def test_rank_is_priority_plus_waiting_time_in_levels() -> None:
    work = item(priority=2, enqueued_at=NOW - timedelta(seconds=3 * AGEING_SECONDS_PER_LEVEL))

    assert rank(work, NOW) == 5.0


def test_an_old_low_priority_item_eventually_beats_a_new_high_one() -> None:
    old_low = item(1, priority=0, enqueued_at=NOW - timedelta(seconds=10 * AGEING_SECONDS_PER_LEVEL))
    new_high = item(2, priority=5, enqueued_at=NOW)
    board = QueueBoard()
    board.add(new_high)
    board.add(old_low)

    assert rank(old_low, NOW) > rank(new_high, NOW)
    assert next_item_for(agent(1), board, NOW) == old_low
    assert board.in_order() == [old_low, new_high]

    # a fresher low-priority item still waits behind the high one
    fresh_low = replace(old_low, enqueued_at=NOW - timedelta(seconds=2 * AGEING_SECONDS_PER_LEVEL))
    other = QueueBoard()
    other.add(fresh_low)
    other.add(new_high)
    assert next_item_for(agent(1), other, NOW) == new_high


def test_next_item_for_looks_across_queues_and_skips_what_the_agent_cannot_take() -> None:
    board = QueueBoard()
    billing = item(1, queue="billing", priority=9, skills=frozenset({"billing"}))
    chinese = item(2, queue="general", priority=8, language="zh")
    plain = item(3, queue="technical", priority=1)
    for work in (billing, chinese, plain):
        board.add(work)
    russian_speaker = agent(1, languages=("ru",))

    assert next_item_for(russian_speaker, board, NOW) == plain
    board.remove(plain)
    assert next_item_for(russian_speaker, board, NOW) is None
    assert len(board) == 2


# --- overflow ---


def test_overflow_to_another_queue_after_the_wait() -> None:
    rules = QueueRules(name="billing", overflow_after_seconds=120, overflow_to="general")

    assert overflow_due(item(queue="billing", enqueued_at=NOW - timedelta(seconds=119)), rules, NOW) is None
    assert (
        overflow_due(item(queue="billing", enqueued_at=NOW - timedelta(seconds=120)), rules, NOW) == "general"
    )


def test_overflow_by_dropping_skills_happens_once() -> None:
    rules = QueueRules(name="billing", overflow_after_seconds=60, overflow_drop_skills=True)
    waited = item(queue="billing", skills=frozenset({"billing"}), enqueued_at=NOW - timedelta(minutes=5))

    assert overflow_due(waited, rules, NOW) == DROP_SKILLS
    assert overflow_due(replace(waited, overflowed=True, skills=frozenset()), rules, NOW) is None


@pytest.mark.parametrize(
    "rules",
    [QueueRules(name="general"), QueueRules(name="self_service", is_bot=True, overflow_after_seconds=1)],
)
def test_no_overflow_without_a_rule_or_in_a_bot_queue(rules: QueueRules) -> None:
    assert overflow_due(item(queue=rules.name, enqueued_at=NOW - timedelta(days=1)), rules, NOW) is None
