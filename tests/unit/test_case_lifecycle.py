"""Case lifecycle: allowed transitions, and which case a new inbound message joins."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from omniline.cases.lifecycle import (
    DEFAULT_REOPEN_WINDOW,
    OPEN_STATUSES,
    CaseDecision,
    CaseSummary,
    decide_case,
    next_status,
)
from omniline.kernel.errors import Conflict

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def case(
    n: int, status: str, *, updated_ago: timedelta, resolved_ago: timedelta | None = None
) -> CaseSummary:
    return CaseSummary(
        id=uuid.UUID(int=n),
        status=status,
        updated_at=NOW - updated_ago,
        resolved_at=None if resolved_ago is None else NOW - resolved_ago,
    )


def resolved(n: int, ago: timedelta) -> CaseSummary:
    return case(n, "resolved", updated_ago=ago, resolved_ago=ago)


# --- next_status ------------------------------------------------------------------------------------


def test_open_statuses() -> None:
    assert frozenset({"open", "pending"}) == OPEN_STATUSES


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        ("open", "resolve", "resolved"),
        ("pending", "resolve", "resolved"),
        ("resolved", "reopen", "open"),
        ("open", "wait", "pending"),
        ("pending", "resume", "open"),
    ],
)
def test_allowed_transitions(current: str, action: str, expected: str) -> None:
    assert next_status(current, action) == expected


@pytest.mark.parametrize(
    ("current", "action", "message"),
    [
        ("resolved", "resolve", "a case that is resolved cannot be resolved"),
        ("open", "reopen", "a case that is open cannot be reopened"),
        ("pending", "reopen", "a case that is pending cannot be reopened"),
        ("pending", "wait", "a case that is pending cannot be set pending"),
        ("resolved", "wait", "a case that is resolved cannot be set pending"),
        ("open", "resume", "a case that is open cannot be resumed"),
        ("resolved", "resume", "a case that is resolved cannot be resumed"),
    ],
)
def test_disallowed_transitions_conflict(current: str, action: str, message: str) -> None:
    with pytest.raises(Conflict) as raised:
        next_status(current, action)

    assert raised.value.message == message
    assert raised.value.status_code == 409


def test_resolve_then_reopen_round_trip() -> None:
    status = "open"
    for action in ["wait", "resume", "resolve", "reopen"]:
        status = next_status(status, action)

    assert status == "open"


# --- decide_case ------------------------------------------------------------------------------------


def test_default_reopen_window_is_a_week() -> None:
    assert timedelta(days=7) == DEFAULT_REOPEN_WINDOW


@pytest.mark.parametrize("status", ["open", "pending"])
def test_joins_the_open_case_of_its_conversation(status: str) -> None:
    # Given the conversation's case is open, and the customer has a more recently updated open case
    conversation_case = case(1, status, updated_ago=timedelta(days=2))
    others = [case(2, "open", updated_ago=timedelta(minutes=1))]

    # then the conversation's own case wins
    assert decide_case(conversation_case, others, now=NOW) == CaseDecision(uuid.UUID(int=1))


def test_joins_the_customers_most_recently_updated_open_case() -> None:
    others = [
        case(2, "open", updated_ago=timedelta(days=3)),
        case(3, "pending", updated_ago=timedelta(hours=1)),
        case(4, "open", updated_ago=timedelta(hours=6)),
    ]

    assert decide_case(None, others, now=NOW) == CaseDecision(uuid.UUID(int=3))


def test_customers_open_case_wins_over_reopening_the_conversations_resolved_case() -> None:
    conversation_case = resolved(1, timedelta(hours=1))
    others = [case(2, "open", updated_ago=timedelta(days=5))]

    assert decide_case(conversation_case, others, now=NOW) == CaseDecision(uuid.UUID(int=2))


def test_resolved_cases_among_the_customers_cases_are_ignored() -> None:
    others = [resolved(2, timedelta(minutes=1))]

    assert decide_case(None, others, now=NOW) == CaseDecision(None)


def test_reopens_the_conversations_case_resolved_within_the_window() -> None:
    conversation_case = resolved(1, timedelta(days=2))

    assert decide_case(conversation_case, [], now=NOW) == CaseDecision(uuid.UUID(int=1), reopen=True)


def test_reopens_exactly_at_the_end_of_the_window() -> None:
    conversation_case = resolved(1, DEFAULT_REOPEN_WINDOW)

    assert decide_case(conversation_case, [], now=NOW) == CaseDecision(uuid.UUID(int=1), reopen=True)


def test_new_case_when_resolved_beyond_the_window() -> None:
    conversation_case = resolved(1, DEFAULT_REOPEN_WINDOW + timedelta(seconds=1))

    assert decide_case(conversation_case, [], now=NOW) == CaseDecision(None)


@pytest.mark.parametrize(
    ("reopen_window", "expected"),
    [
        (timedelta(hours=1), CaseDecision(None)),
        (timedelta(days=1), CaseDecision(uuid.UUID(int=1), reopen=True)),
    ],
)
def test_custom_reopen_window(reopen_window: timedelta, expected: CaseDecision) -> None:
    conversation_case = resolved(1, timedelta(hours=3))

    assert decide_case(conversation_case, [], now=NOW, reopen_window=reopen_window) == expected


def test_new_case_when_there_is_nothing_to_join() -> None:
    assert decide_case(None, [], now=NOW) == CaseDecision(None)
    assert CaseDecision(None).reopen is False


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_of_two_open_cases_active_at_one_moment_the_later_one_is_joined(order: tuple[int, int]) -> None:
    others = [case(n, "open", updated_ago=timedelta(minutes=5)) for n in order]
    assert decide_case(None, others, now=NOW) == CaseDecision(uuid.UUID(int=2))
