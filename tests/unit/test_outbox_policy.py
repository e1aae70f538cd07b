"""The outbox retry policy: backoff delays and the outcome of one send attempt (no database)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from omniline.channels.base import SendResult
from omniline.channels.models import Delivery
from omniline.channels.outbox import RetryPolicy, backoff_delay, record_attempt

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_delay_seconds=2, max_delay_seconds=60, max_attempts=5)


def sending_delivery(*, attempts: int = 0) -> Delivery:
    """A delivery a worker has just claimed, as an in-memory ORM object."""
    delivery = Delivery()
    delivery.id = uuid.UUID(int=1)
    delivery.attempts = attempts
    delivery.status = "sending"
    delivery.locked_until = NOW + timedelta(minutes=2)
    delivery.next_attempt_at = NOW - timedelta(seconds=1)
    delivery.sent_at = None
    delivery.last_error = None
    return delivery


def seconds_until_next_attempt(delivery: Delivery) -> float:
    return (delivery.next_attempt_at - NOW).total_seconds()


# --- backoff_delay ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 32.0), (6, 60.0), (7, 60.0), (20, 60.0)],
)
def test_backoff_doubles_from_the_base_and_is_capped(attempt: int, expected: float) -> None:
    assert backoff_delay(attempt, POLICY, jitter=0) == expected


def test_backoff_with_another_base() -> None:
    policy = RetryPolicy(base_delay_seconds=0.5, max_delay_seconds=3, max_attempts=10)

    assert [backoff_delay(n, policy, jitter=0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("attempt", [1, 3, 6, 10])
def test_backoff_jitter_stays_within_ten_percent(attempt: int) -> None:
    exact = backoff_delay(attempt, POLICY, jitter=0)

    delays = [backoff_delay(attempt, POLICY) for _ in range(500)]

    assert all(exact * 0.9 <= delay <= exact * 1.1 for delay in delays)
    assert len(set(delays)) > 1  # jitter does spread the herd


# --- record_attempt ---------------------------------------------------------------------------------


def test_success_marks_the_delivery_sent() -> None:
    delivery = sending_delivery()
    delivery.last_error = "earlier timeout"

    record_attempt(delivery, SendResult(ok=True, provider_message_id="tg-777"), POLICY, NOW)

    assert delivery.status == "sent"
    assert delivery.sent_at == NOW
    assert delivery.attempts == 1
    assert delivery.provider_message_id == "tg-777"
    assert delivery.last_error is None
    assert delivery.locked_until is None
    assert delivery.updated_at == NOW


def test_retryable_failure_waits_and_returns_to_pending() -> None:
    # Given a first attempt, when it fails with a retryable error
    delivery = sending_delivery()

    record_attempt(
        delivery, SendResult(ok=False, retryable=True, error="503 Service Unavailable"), POLICY, NOW
    )

    # then the delivery is pending again after about base * 2**0 = 2 seconds (±10% jitter)
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert 1.8 <= seconds_until_next_attempt(delivery) <= 2.2
    assert delivery.last_error == "503 Service Unavailable"
    assert delivery.locked_until is None
    assert delivery.sent_at is None
    assert delivery.updated_at == NOW


@pytest.mark.parametrize(("attempts_before", "expected_delay"), [(0, 2), (1, 4), (2, 8), (3, 16)])
def test_retry_delay_grows_with_each_attempt(attempts_before: int, expected_delay: float) -> None:
    delivery = sending_delivery(attempts=attempts_before)

    record_attempt(delivery, SendResult(ok=False, retryable=True, error="timeout"), POLICY, NOW)

    assert delivery.status == "pending"
    assert expected_delay * 0.9 <= seconds_until_next_attempt(delivery) <= expected_delay * 1.1


def test_retryable_failure_on_the_last_attempt_fails_for_good() -> None:
    # Given four failed tries already and at most five allowed
    delivery = sending_delivery(attempts=POLICY.max_attempts - 1)

    record_attempt(delivery, SendResult(ok=False, retryable=True, error="timeout"), POLICY, NOW)

    assert delivery.status == "failed"
    assert delivery.attempts == POLICY.max_attempts
    assert delivery.last_error == "timeout"
    assert delivery.sent_at is None
    assert delivery.locked_until is None


def test_a_delivery_is_tried_exactly_max_attempts_times() -> None:
    delivery = sending_delivery()
    failure = SendResult(ok=False, retryable=True, error="connection reset")
    statuses = []

    for _ in range(POLICY.max_attempts):
        delivery.status = "sending"
        record_attempt(delivery, failure, POLICY, NOW)
        statuses.append(delivery.status)

    assert statuses == ["pending", "pending", "pending", "pending", "failed"]


@pytest.mark.parametrize(
    "error", ["400 Bad Request: chat not found", "403 Доступ запрещён", "403 用户已屏蔽该机器人"]
)
def test_permanent_failure_fails_at_once(error: str) -> None:
    delivery = sending_delivery()
    next_attempt_before = delivery.next_attempt_at

    record_attempt(delivery, SendResult(ok=False, retryable=False, error=error), POLICY, NOW)

    assert delivery.status == "failed"
    assert delivery.attempts == 1
    assert delivery.last_error == error
    assert delivery.next_attempt_at == next_attempt_before
    assert delivery.sent_at is None


def test_failure_without_an_error_text_records_unknown_error() -> None:
    delivery = sending_delivery()

    record_attempt(delivery, SendResult(ok=False), POLICY, NOW)

    assert delivery.last_error == "unknown error"


def test_long_error_text_is_cut_to_2000_characters() -> None:
    delivery = sending_delivery()

    record_attempt(delivery, SendResult(ok=False, retryable=True, error="ошибка " * 1000), POLICY, NOW)

    assert delivery.last_error == ("ошибка " * 1000)[:2000]


def test_retry_after_longer_than_the_backoff_is_respected() -> None:
    # Given a 429 asking to wait 30 s, on the first attempt (backoff ≈ 2 s)
    delivery = sending_delivery()

    record_attempt(
        delivery, SendResult(ok=False, retryable=True, error="429", retry_after_seconds=30), POLICY, NOW
    )

    assert delivery.status == "pending"
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30)


def test_retry_after_shorter_than_the_backoff_does_not_shorten_it() -> None:
    # Given the fourth attempt (backoff ≈ 16 s) and a provider asking for only 1 s
    delivery = sending_delivery(attempts=3)

    record_attempt(
        delivery, SendResult(ok=False, retryable=True, error="429", retry_after_seconds=1), POLICY, NOW
    )

    assert 16 * 0.9 <= seconds_until_next_attempt(delivery) <= 16 * 1.1


def test_retry_after_is_capped_at_the_maximum_delay() -> None:
    delivery = sending_delivery()

    record_attempt(
        delivery, SendResult(ok=False, retryable=True, error="429", retry_after_seconds=3600), POLICY, NOW
    )

    assert delivery.next_attempt_at == NOW + timedelta(seconds=POLICY.max_delay_seconds)


def test_retry_after_does_not_extend_past_the_last_attempt() -> None:
    delivery = sending_delivery(attempts=POLICY.max_attempts - 1)

    record_attempt(
        delivery, SendResult(ok=False, retryable=True, error="429", retry_after_seconds=5), POLICY, NOW
    )

    assert delivery.status == "failed"
