"""Presence: allowed and refused moves, who may make them, and what they do to idle time."""

from datetime import UTC, datetime, timedelta

import pytest

from omniline.agents.presence import Presence, change_presence, work_ended, work_taken
from omniline.kernel.errors import Conflict, InvalidInput, PermissionDenied

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def presence(state: str, *, reason: str | None = None, idle_since: datetime | None = None) -> Presence:
    return Presence(state=state, reason=reason, since=T0, idle_since=idle_since)


def test_logging_in_makes_an_agent_available_and_idle_from_now() -> None:
    after = change_presence(
        presence("offline"), "available", by="agent", reason=None, has_work=False, now=NOW
    )

    assert after == Presence(state="available", reason=None, since=NOW, idle_since=NOW)


def test_a_pause_needs_a_reason_and_keeps_it() -> None:
    with pytest.raises(InvalidInput, match="say why"):
        change_presence(presence("available"), "paused", by="agent", reason="  ", has_work=False, now=NOW)

    after = change_presence(
        presence("available"), "paused", by="agent", reason="обед", has_work=False, now=NOW
    )

    assert (after.state, after.reason, after.since) == ("paused", "обед", NOW)


def test_coming_back_from_a_pause_restarts_idle_time() -> None:
    # given an agent idle since T0 who paused for lunch
    paused = presence("paused", reason="午饭", idle_since=T0)

    after = change_presence(paused, "available", by="agent", reason="ignored", has_work=False, now=NOW)

    assert after == Presence(state="available", reason=None, since=NOW, idle_since=NOW)


def test_an_agent_with_work_is_not_idle_when_available() -> None:
    after = change_presence(presence("wrap_up"), "available", by="agent", reason=None, has_work=True, now=NOW)

    assert (after.state, after.idle_since) == ("available", None)


@pytest.mark.parametrize("target", ["busy", "wrap_up"])
@pytest.mark.parametrize("by", ["agent", "supervisor"])
def test_busy_and_wrap_up_are_set_by_the_system_only(target: str, by: str) -> None:
    with pytest.raises(PermissionDenied):
        change_presence(presence("available"), target, by=by, reason=None, has_work=True, now=NOW)  # type: ignore[arg-type]

    after = change_presence(presence("available"), target, by="system", reason=None, has_work=True, now=NOW)
    assert after.state == target


def test_going_offline_with_work_in_hand_is_refused() -> None:
    with pytest.raises(Conflict, match="finish or transfer"):
        change_presence(presence("busy"), "offline", by="supervisor", reason=None, has_work=True, now=NOW)


def test_an_offline_agent_cannot_become_busy() -> None:
    with pytest.raises(Conflict, match="offline cannot become busy"):
        change_presence(presence("offline"), "busy", by="system", reason=None, has_work=False, now=NOW)


def test_an_unknown_state_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="presence must be one of"):
        change_presence(presence("offline"), "lunch", by="agent", reason=None, has_work=False, now=NOW)


def test_setting_the_same_state_again_keeps_since() -> None:
    current = presence("available", idle_since=T0)

    after = change_presence(current, "available", by="agent", reason=None, has_work=False, now=NOW)

    assert after == current


def test_the_system_pauses_after_missed_offers_even_when_busy() -> None:
    after = change_presence(
        presence("busy"), "paused", by="system", reason="missed offers", has_work=True, now=NOW
    )

    assert (after.state, after.reason, after.since, after.idle_since) == (
        "paused",
        "missed offers",
        NOW,
        None,
    )


def test_taking_the_last_free_slot_makes_the_agent_busy() -> None:
    assert work_taken(presence("available", idle_since=T0), at_capacity=True, now=NOW) == Presence(
        "busy", None, NOW, None
    )
    assert work_taken(presence("available", idle_since=T0), at_capacity=False, now=NOW) == Presence(
        "available", None, T0, None
    )


def test_when_the_last_task_ends_a_busy_agent_is_available_and_idle_from_then() -> None:
    assert work_ended(presence("busy"), has_work=False, now=NOW) == Presence("available", None, NOW, NOW)
    assert work_ended(presence("busy"), has_work=True, now=NOW) == Presence("available", None, NOW, None)
    # a paused agent stays paused, but their idle time starts when their work ended
    assert work_ended(presence("paused", reason="обучение"), has_work=False, now=NOW) == Presence(
        "paused", "обучение", T0, NOW
    )
