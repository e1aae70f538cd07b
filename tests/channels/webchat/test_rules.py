"""Pure rules of the web chat: business hours, config, tokens, token buckets."""

import uuid
from datetime import UTC, datetime

import pytest

from omniline.channels.webchat.config import origin_allowed, validate_webchat_config
from omniline.channels.webchat.hours import is_open
from omniline.channels.webchat.limits import RateLimiter
from omniline.channels.webchat.tokens import (
    issue_visitor_token,
    read_visitor_token,
    user_hash,
    user_hash_matches,
)
from omniline.kernel.errors import InvalidInput

HOURS = {
    "timezone": "Europe/Moscow",
    "days": {"mon": ["09:00", "18:00"], "fri": ["09:00", "18:00"], "sat": ["22:00", "02:00"]},
}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), True),  # Monday 09:00 in Moscow (UTC+3)
        (datetime(2026, 11, 23, 5, 59, tzinfo=UTC), False),  # Monday 08:59
        (datetime(2026, 11, 23, 15, 0, tzinfo=UTC), False),  # Monday 18:00: closed at the end
        (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), False),  # Tuesday: not listed, closed
        (datetime(2026, 11, 28, 19, 30, tzinfo=UTC), True),  # Saturday 22:30
        (datetime(2026, 11, 28, 22, 30, tzinfo=UTC), True),  # Sunday 01:30, Saturday's night shift
        (datetime(2026, 11, 28, 23, 0, tzinfo=UTC), False),  # Sunday 02:00
    ],
)
def test_business_hours_in_the_channels_time_zone(moment: datetime, expected: bool) -> None:
    assert is_open(HOURS, moment) is expected


def test_a_sunday_night_shift_runs_into_monday_and_a_config_without_days_is_never_staffed() -> None:
    hours = {"timezone": "Asia/Shanghai", "days": {"sun": ["22:00", "06:00"], "mon": ["05:00", "09:00"]}}
    assert is_open(hours, datetime(2026, 11, 29, 14, 30, tzinfo=UTC)) is True  # Sunday 22:30 in Shanghai
    assert is_open(hours, datetime(2026, 11, 29, 21, 30, tzinfo=UTC)) is True  # Monday 05:30: both
    assert is_open(hours, datetime(2026, 11, 30, 0, 30, tzinfo=UTC)) is True  # Monday 08:30
    assert is_open(hours, datetime(2026, 11, 30, 1, 0, tzinfo=UTC)) is False  # Monday 09:00
    assert is_open(hours, datetime(2026, 11, 29, 13, 0, tzinfo=UTC)) is False  # Sunday 21:00
    assert is_open({"timezone": "UTC", "days": {}}, datetime(2026, 11, 29, 13, 0, tzinfo=UTC)) is False


def test_no_business_hours_means_always_open() -> None:
    assert is_open(None, datetime(2026, 11, 29, 3, 0, tzinfo=UTC)) is True


def test_config_is_normalised_and_unusable_config_refused() -> None:
    config = validate_webchat_config(
        {"allowed_origins": ["https://Shop.Example/"], "business_hours": HOURS, "greeting": "Привет"}
    )
    assert config == {
        "allowed_origins": ["https://shop.example"],
        "business_hours": HOURS,
        "greeting": "Привет",
    }
    for bad, message in [
        ({}, 'needs "allowed_origins"'),
        ({"allowed_origins": ["shop.example"]}, "must be an origin"),
        ({"allowed_origins": ["https://a.example"], "colour": "red"}, "unknown config keys"),
        ({"allowed_origins": ["*"], "business_hours": {"timezone": "Mars/Base", "days": {}}}, "time zone"),
        ({"allowed_origins": ["*"], "business_hours": {"days": {"mon": ["9", "late"]}}}, "not a time"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            validate_webchat_config(bad)


def test_origins_are_compared_exactly() -> None:
    config = {"allowed_origins": ["https://shop.example"]}
    assert origin_allowed(config, "https://SHOP.example")
    assert not origin_allowed(config, "https://shop.example.evil.test")
    assert not origin_allowed(config, "http://shop.example")
    assert not origin_allowed(config, None)
    assert origin_allowed({"allowed_origins": ["*"]}, "http://localhost:3000")


def test_visitor_tokens_are_bound_to_the_channel_and_its_secret() -> None:
    channel, visitor = uuid.uuid4(), uuid.uuid4()
    token = issue_visitor_token("secret-1", channel, visitor)
    assert read_visitor_token("secret-1", channel, token) == visitor
    assert read_visitor_token("secret-2", channel, token) is None
    assert read_visitor_token("secret-1", uuid.uuid4(), token) is None
    assert read_visitor_token("secret-1", channel, f"{uuid.uuid4()}.{token.split('.')[1]}") is None
    assert read_visitor_token("secret-1", channel, "garbage") is None


def test_user_hash_is_hex_hmac_sha256_of_the_user_id() -> None:
    # HMAC-SHA256(key="secret", msg="42"), as a site's server computes it
    assert user_hash("secret", "42") == "93c121e7aa437a1e01e3c512c6f0ce3c821a839025dca4408f85616de4aaee70"
    assert user_hash_matches("secret", "42", user_hash("secret", "42").upper())
    assert not user_hash_matches("secret", "42", user_hash("secret", "43"))
    assert not user_hash_matches("secret", "42", None)


def test_token_bucket_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(capacity=2, per_second=1, clock=lambda: now[0])
    assert [limiter.allow("a"), limiter.allow("a"), limiter.allow("a")] == [True, True, False]
    assert limiter.allow("b")  # buckets are per key
    now[0] = 1.0
    assert limiter.allow("a") and not limiter.allow("a")
