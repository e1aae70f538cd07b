"""Threading: does a new inbound message continue a conversation or start one?"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from omniline.conversations.message_threading import (
    DEFAULT_IDLE_TIMEOUT,
    ConversationSummary,
    choose_conversation,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CUSTOMER = uuid.UUID("00000000-0000-7000-8000-0000000000c1")


def conversation(
    *,
    n: int,
    ago: timedelta,
    thread_key: str | None = None,
    status: str = "open",
) -> ConversationSummary:
    return ConversationSummary(
        id=uuid.UUID(int=n),
        customer_id=CUSTOMER,
        thread_key=thread_key,
        status=status,
        last_message_at=NOW - ago,
    )


def test_default_idle_timeout_is_a_day() -> None:
    assert timedelta(hours=24) == DEFAULT_IDLE_TIMEOUT


def test_no_candidates_starts_a_new_conversation() -> None:
    assert choose_conversation([], thread_key=None, now=NOW) is None
    assert choose_conversation([], thread_key="<a@example.com>", now=NOW) is None


@pytest.mark.parametrize("thread_key", ["<msg-1@example.com>", "тема-обращения-7", "会话-42"])
def test_thread_key_continues_its_thread(thread_key: str) -> None:
    # Given the customer's open un-threaded conversation and a threaded one
    candidates = [
        conversation(n=1, ago=timedelta(minutes=5)),
        conversation(n=2, ago=timedelta(hours=2), thread_key=thread_key),
    ]

    # when a message arrives with that thread key, then its thread continues
    assert choose_conversation(candidates, thread_key=thread_key, now=NOW) == uuid.UUID(int=2)


def test_thread_key_continues_even_old_or_closed_threads() -> None:
    candidates = [conversation(n=3, ago=timedelta(days=30), thread_key="t-1", status="closed")]

    assert choose_conversation(candidates, thread_key="t-1", now=NOW) == uuid.UUID(int=3)


def test_thread_key_picks_the_most_recent_of_several_matches() -> None:
    candidates = [
        conversation(n=1, ago=timedelta(days=3), thread_key="t-1"),
        conversation(n=2, ago=timedelta(hours=1), thread_key="t-1"),
        conversation(n=3, ago=timedelta(days=1), thread_key="t-1"),
    ]

    assert choose_conversation(candidates, thread_key="t-1", now=NOW) == uuid.UUID(int=2)


def test_thread_key_without_a_match_starts_a_new_conversation() -> None:
    # Given a fresh open conversation and another thread, a message in an unknown thread does not join them
    candidates = [
        conversation(n=1, ago=timedelta(minutes=1)),
        conversation(n=2, ago=timedelta(minutes=1), thread_key="t-other"),
    ]

    assert choose_conversation(candidates, thread_key="t-new", now=NOW) is None


def test_continues_the_latest_open_conversation_within_the_idle_timeout() -> None:
    candidates = [
        conversation(n=1, ago=timedelta(hours=20)),
        conversation(n=2, ago=timedelta(hours=1)),
        conversation(n=3, ago=timedelta(hours=5)),
    ]

    assert choose_conversation(candidates, thread_key=None, now=NOW) == uuid.UUID(int=2)


def test_exactly_at_the_idle_timeout_still_continues() -> None:
    candidates = [conversation(n=1, ago=DEFAULT_IDLE_TIMEOUT)]

    assert choose_conversation(candidates, thread_key=None, now=NOW) == uuid.UUID(int=1)


def test_beyond_the_idle_timeout_starts_a_new_conversation() -> None:
    candidates = [conversation(n=1, ago=DEFAULT_IDLE_TIMEOUT + timedelta(seconds=1))]

    assert choose_conversation(candidates, thread_key=None, now=NOW) is None


@pytest.mark.parametrize(
    ("idle_timeout", "expected"),
    [(timedelta(minutes=30), None), (timedelta(hours=1), uuid.UUID(int=1))],
)
def test_custom_idle_timeout(idle_timeout: timedelta, expected: uuid.UUID | None) -> None:
    candidates = [conversation(n=1, ago=timedelta(minutes=45))]

    assert choose_conversation(candidates, thread_key=None, now=NOW, idle_timeout=idle_timeout) == expected


@pytest.mark.parametrize("status", ["closed", "resolved", "archived"])
def test_conversations_that_are_not_open_are_not_continued(status: str) -> None:
    candidates = [conversation(n=1, ago=timedelta(minutes=5), status=status)]

    assert choose_conversation(candidates, thread_key=None, now=NOW) is None


def test_a_closed_newer_conversation_is_skipped_for_an_older_open_one() -> None:
    candidates = [
        conversation(n=1, ago=timedelta(hours=3)),
        conversation(n=2, ago=timedelta(minutes=5), status="closed"),
    ]

    assert choose_conversation(candidates, thread_key=None, now=NOW) == uuid.UUID(int=1)


def test_threaded_conversations_are_not_continued_by_an_unthreaded_message() -> None:
    candidates = [conversation(n=1, ago=timedelta(minutes=5), thread_key="<msg-1@example.com>")]

    assert choose_conversation(candidates, thread_key=None, now=NOW) is None


def test_unthreaded_message_skips_a_newer_threaded_conversation() -> None:
    candidates = [
        conversation(n=1, ago=timedelta(hours=2)),
        conversation(n=2, ago=timedelta(minutes=5), thread_key="t-1"),
    ]

    assert choose_conversation(candidates, thread_key=None, now=NOW) == uuid.UUID(int=1)


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_of_two_conversations_last_written_at_one_moment_the_later_one_continues(
    order: tuple[int, int],
) -> None:
    # one group commit stores its messages at one `now`: the choice must not follow the rows' order
    candidates = [conversation(n=n, ago=timedelta(minutes=5)) for n in order]
    assert choose_conversation(candidates, thread_key=None, now=NOW) == uuid.UUID(int=2)
    threaded = [conversation(n=n, ago=timedelta(minutes=5), thread_key="t-1") for n in order]
    assert choose_conversation(threaded, thread_key="t-1", now=NOW) == uuid.UUID(int=2)
