"""SLA rules without a database: channel classes, targets with defaults and tiers, clock times, and
what a clock needs at a given moment."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omniline.routing.calendar import always_open, calendar_from_document
from omniline.routing.sla import (
    Targets,
    channel_class,
    clock_times,
    due_action,
    escalated_priority,
    sla_targets,
    stopped_status,
)

HOUR = 3600
BILLING_SLA = {
    "live": {"first_response": 60, "resolution": 3600},
    "async": {"first_response": 14400, "resolution": 172800},
    "tiers": {"vip": 0.5, "gold": 0.75},
}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("voice", "live"),
        ("webchat", "live"),
        ("telegram", "live"),
        ("wechat", "live"),
        ("walkin", "live"),
        ("email", "async"),
        ("sms", "async"),
        ("social", "async"),
        ("api", "async"),
        ("carrier-pigeon", "async"),
    ],
)
def test_channel_class(kind: str, expected: str) -> None:
    assert channel_class(kind) == expected


def test_no_topic_takes_the_documented_defaults() -> None:
    assert sla_targets(None, "live", "standard") == Targets(first_response=60, resolution=8 * HOUR)
    assert sla_targets(None, "async", None) == Targets(first_response=4 * HOUR, resolution=48 * HOUR)


def test_the_topic_targets_for_the_channel_class() -> None:
    assert sla_targets(BILLING_SLA, "live", "standard") == Targets(60, 3600)
    assert sla_targets(BILLING_SLA, "async", "standard") == Targets(14400, 172800)


def test_the_tier_factor_of_the_topic_scales_both_targets() -> None:
    assert sla_targets(BILLING_SLA, "async", "vip") == Targets(7200, 86400)
    assert sla_targets(BILLING_SLA, "live", "gold") == Targets(45, 2700)


def test_without_topic_tiers_the_default_factors_apply() -> None:
    assert sla_targets(None, "async", "vip") == Targets(2 * HOUR, 24 * HOUR)
    assert sla_targets({"live": {"first_response": 30}}, "live", "gold") == Targets(22, 6 * HOUR)


def test_topic_tiers_replace_the_default_factors() -> None:
    # the topic names only gold: a VIP gets the plain targets
    assert sla_targets({"tiers": {"gold": 0.5}}, "live", "vip") == Targets(60, 8 * HOUR)


@pytest.mark.parametrize(
    "topic_sla",
    [
        {"async": {"first_response": 600}},
        {"live": {"first_response": 1, "resolution": 2}, "async": {"first_response": 600}},
        {"async": {"first_response": 600, "resolution": -5}},
        {"async": {"first_response": 600, "resolution": "быстро"}},
        {"async": {"first_response": 600, "resolution": True}},
        {"async": {"first_response": 600, "resolution": None}, "tiers": {"vip": "二倍"}},
    ],
)
def test_a_missing_or_unusable_value_takes_its_default(topic_sla: dict[str, Any]) -> None:
    assert sla_targets(topic_sla, "async", "vip" if "tiers" in topic_sla else None) == Targets(600, 48 * HOUR)


def test_a_target_never_drops_below_one_second() -> None:
    assert sla_targets(
        {"live": {"first_response": 1, "resolution": 1}, "tiers": {"vip": 0.1}}, "live", "vip"
    ) == (Targets(1, 1))


def test_the_warning_comes_at_80_percent_of_business_time() -> None:
    # given Moscow office hours and an async first response of 4 business hours, Monday 16:00 Moscow
    hours = calendar_from_document(
        {"timezone": "Europe/Moscow", "hours": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]]}}
    )
    started = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    # when
    warn_at, due_at = clock_times(hours, started, 4 * HOUR)
    # then 3 h 12 min in is Tuesday 10:12; 4 h is Tuesday 11:00 (Moscow)
    assert warn_at == datetime(2026, 11, 24, 7, 12, tzinfo=UTC)
    assert due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_clock_times_around_the_clock() -> None:
    started = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    assert clock_times(always_open(), started, 60) == (
        started + timedelta(seconds=48),
        started + timedelta(seconds=60),
    )


def test_what_a_clock_needs() -> None:
    warn_at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    due_at = warn_at + timedelta(hours=1)
    before = warn_at - timedelta(seconds=1)
    assert due_action(warn_at=warn_at, due_at=due_at, warned_at=None, now=before) is None
    assert due_action(warn_at=warn_at, due_at=due_at, warned_at=None, now=warn_at) == "warn"
    assert due_action(warn_at=warn_at, due_at=due_at, warned_at=warn_at, now=due_at) is None
    late = due_at + timedelta(seconds=1)
    assert due_action(warn_at=warn_at, due_at=due_at, warned_at=warn_at, now=late) == "breach"
    # found late without a warning: straight to the breach
    assert due_action(warn_at=warn_at, due_at=due_at, warned_at=None, now=late) == "breach"


def test_a_goal_reached_on_the_due_second_is_met() -> None:
    due_at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert stopped_status(due_at, due_at) == "met"
    assert stopped_status(due_at, due_at + timedelta(microseconds=1)) == "breached"


def test_escalation_raises_priority_by_ten() -> None:
    assert escalated_priority(0) == 10
    assert escalated_priority(5) == 15
