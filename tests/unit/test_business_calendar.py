"""Business-hours arithmetic (nights, weekends, holidays, daylight saving time, 24/7) and calendar
validation, without a database."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from omniline.kernel.errors import InvalidInput
from omniline.routing.calendar import (
    BusinessHours,
    add_business_seconds,
    always_open,
    business_seconds_between,
    calendar_from_document,
    is_open,
)

HOUR = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def office(zone: str, *, days: tuple[str, ...] = WEEKDAYS, holidays: tuple[str, ...] = ()) -> BusinessHours:
    return calendar_from_document(
        {"timezone": zone, "hours": {day: [["09:00", "18:00"]] for day in days}, "holidays": list(holidays)}
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


MOSCOW = office("Europe/Moscow")  # UTC+3 all year: 09:00–18:00 local is 06:00–15:00 UTC


# --- adding business time ---


def test_time_after_closing_carries_over_the_night() -> None:
    # given Monday 17:00 in Moscow, one business hour before closing
    start = utc(2026, 11, 23, 14, 0)
    # when two business hours are added
    due = add_business_seconds(MOSCOW, start, 2 * HOUR)
    # then the second hour is Tuesday 09:00–10:00 Moscow time
    assert due == utc(2026, 11, 24, 7, 0)


def test_a_friday_evening_runs_into_monday() -> None:
    # given Friday 17:00 Moscow
    start = utc(2026, 11, 27, 14, 0)
    # when / then: the weekend does not count
    assert add_business_seconds(MOSCOW, start, 2 * HOUR) == utc(2026, 11, 30, 7, 0)


def test_a_start_at_night_waits_for_the_opening() -> None:
    # Tuesday 03:00 Moscow: the hour is 09:00–10:00
    assert add_business_seconds(MOSCOW, utc(2026, 11, 24, 0, 0), HOUR) == utc(2026, 11, 24, 7, 0)


def test_holidays_are_closed_all_day() -> None:
    # given New Year's Day (a Friday) is a holiday
    hours = office("Europe/Moscow", holidays=("2027-01-01",))
    # when Thursday 31 December 17:00 Moscow gets two business hours
    due = add_business_seconds(hours, utc(2026, 12, 31, 14, 0), 2 * HOUR)
    # then the second hour is on Monday 4 January, not on the holiday
    assert due == utc(2027, 1, 4, 7, 0)
    assert not is_open(hours, utc(2027, 1, 1, 9, 0))
    assert is_open(MOSCOW, utc(2027, 1, 1, 9, 0))


def test_a_lunch_break_is_not_business_time() -> None:
    hours = calendar_from_document(
        {"timezone": "Europe/Moscow", "hours": {"mon": [["14:00", "18:00"], ["09:00", "13:00"]]}}
    )
    # Monday 12:30 Moscow + 1 h = 30 min before lunch, 30 min after
    assert add_business_seconds(hours, utc(2026, 11, 23, 9, 30), HOUR) == utc(2026, 11, 23, 11, 30)


def test_daylight_saving_time_in_new_york_moves_the_utc_opening() -> None:
    # given a 09:00–18:00 office every day in New York; clocks spring forward on Sunday 8 March 2026
    hours = office("America/New_York", days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    # when Saturday 17:00 EST (22:00 UTC) gets two business hours
    due = add_business_seconds(hours, utc(2026, 3, 7, 22, 0), 2 * HOUR)
    # then Sunday opens at 09:00 EDT = 13:00 UTC (it was 14:00 UTC the day before)
    assert due == utc(2026, 3, 8, 14, 0)
    assert is_open(hours, utc(2026, 3, 8, 13, 0))
    assert not is_open(hours, utc(2026, 3, 7, 13, 30))


@pytest.mark.parametrize(
    ("day", "expected_hours"),
    [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 11, 8), 24)],
)
def test_a_whole_local_day_lasts_what_the_clocks_say(day: date, expected_hours: int) -> None:
    # given a New York calendar open all of Sunday only
    hours = calendar_from_document({"timezone": "America/New_York", "hours": {"sun": [["00:00", "24:00"]]}})
    # when counting a whole week from the Saturday before
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(days=1)
    seconds = business_seconds_between(hours, start, start + timedelta(days=7))
    # then the Sunday counts 23 h when clocks spring forward, 25 h when they fall back
    assert seconds == expected_hours * HOUR


def test_shanghai_office_and_its_national_day() -> None:
    # given 09:00–18:00 on weekdays in Shanghai (UTC+8), closed on 1 October
    hours = office("Asia/Shanghai", holidays=("2026-10-01",))
    # when Wednesday 30 September 17:30 local gets one business hour
    due = add_business_seconds(hours, utc(2026, 9, 30, 9, 30), HOUR)
    # then the last 30 minutes fall on Friday 2 October, 09:00–09:30 local
    assert due == utc(2026, 10, 2, 1, 30)


def test_around_the_clock_is_plain_time() -> None:
    hours = always_open()
    start = utc(2026, 11, 28, 23, 59, 30)  # a Saturday night
    assert hours.always
    assert add_business_seconds(hours, start, 48 * HOUR) == start + timedelta(hours=48)
    assert business_seconds_between(hours, start, start + timedelta(days=3)) == 72 * HOUR
    assert is_open(hours, start)


def test_a_week_of_touching_intervals_is_around_the_clock() -> None:
    halves = [["12:00", "24:00"], ["00:00", "12:00"]]
    hours = calendar_from_document(
        {
            "timezone": "Asia/Shanghai",
            "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), halves),
        }
    )
    assert hours.always
    assert hours.hours["mon"] == (("00:00", "12:00"), ("12:00", "24:00"))


def test_zero_seconds_is_the_start_itself_and_negative_is_refused() -> None:
    night = utc(2026, 11, 24, 0, 0)
    assert add_business_seconds(MOSCOW, night, 0) == night
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_seconds(MOSCOW, night, -1)


# --- counting business time ---


def test_seconds_between_skip_the_weekend_and_are_signed() -> None:
    friday_17, monday_10 = utc(2026, 11, 27, 14, 0), utc(2026, 11, 30, 7, 0)
    assert business_seconds_between(MOSCOW, friday_17, monday_10) == 2 * HOUR
    assert business_seconds_between(MOSCOW, monday_10, friday_17) == -2 * HOUR
    assert business_seconds_between(MOSCOW, utc(2026, 11, 28, 8, 0), utc(2026, 11, 29, 8, 0)) == 0


@pytest.mark.parametrize("seconds", [1, 59, HOUR, 9 * HOUR, 9 * HOUR + 1, 100 * HOUR])
@pytest.mark.parametrize(
    "start", [utc(2026, 11, 23, 3, 0), utc(2026, 11, 27, 14, 59, 59), utc(2026, 11, 29, 1)]
)
def test_counting_back_what_was_added_gives_the_same_seconds(start: datetime, seconds: int) -> None:
    due = add_business_seconds(MOSCOW, start, seconds)
    assert business_seconds_between(MOSCOW, start, due) == seconds
    assert is_open(MOSCOW, due - timedelta(seconds=1))


def test_opening_is_inclusive_and_closing_exclusive() -> None:
    assert is_open(MOSCOW, utc(2026, 11, 23, 6, 0))  # Monday 09:00
    assert not is_open(MOSCOW, utc(2026, 11, 23, 5, 59, 59))
    assert is_open(MOSCOW, utc(2026, 11, 23, 14, 59, 59))
    assert not is_open(MOSCOW, utc(2026, 11, 23, 15, 0))  # Monday 18:00
    assert not is_open(MOSCOW, utc(2026, 11, 29, 9, 0))  # Sunday


# --- validation ---


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"timezone": "Europe/Mockba", "hours": {"mon": [["09:00", "18:00"]]}},
            "'Europe/Mockba' is not a known",
        ),
        (
            {"timezone": "../../etc/passwd", "hours": {"mon": [["09:00", "18:00"]]}},
            "is not a known time zone",
        ),
        ({"hours": {"mon": [["09:00", "25:00"]]}}, "'25:00' is not a time of day"),
        ({"hours": {"mon": [["9:00", "18:00"]]}}, "'9:00' is not a time of day"),
        ({"hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "09:00–13:00 and 12:00–18:00 overlap"),
        ({"hours": {"fri": [["22:00", "06:00"]]}}, "split into 22:00–24:00 and 00:00–06:00"),
        ({"hours": {"fri": [["10:00", "10:00"]]}}, "ends before it starts"),
        ({"hours": {"fri": [["24:00", "24:00"]]}}, "cannot start at 24:00"),
        ({"hours": {"fri": ["09:00-18:00"]}}, 'is not a ["HH:MM", "HH:MM"] pair'),
        ({"hours": {"пятница": [["09:00", "18:00"]]}}, "unknown days пятница"),
        ({"hours": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-02-30"]}, "'2026-02-30' is not a date"),
        ({"hours": {"mon": [["09:00", "18:00"]]}, "holidays": ["01.05.2026"]}, "'01.05.2026' is not a date"),
        ({"hours": {"mon": [["09:00", "18:00"]]}, "holidays": "2026-05-01"}, "holidays must be a list"),
        ({"hours": {}}, "the calendar is never open"),
        ({"hours": {"mon": [["09:00", "18:00"]]}, "时区": "Asia/Shanghai"}, "unknown keys 时区"),
        ([], "a calendar is an object"),
    ],
)
def test_a_bad_document_is_refused_with_its_problem(document: Any, problem: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        calendar_from_document(document)
    assert raised.value.code == "invalid_calendar"
    assert problem in raised.value.message


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        calendar_from_document(
            {"timezone": "Mars/Olympus", "hours": {"mon": [["08:00", "25:00"]]}, "holidays": ["2026-13-01"]}
        )
    assert raised.value.message == (
        "holidays: '2026-13-01' is not a date YYYY-MM-DD; "
        "timezone 'Mars/Olympus' is not a known time zone (e.g. Europe/Moscow); "
        "hours.mon: '25:00' is not a time of day HH:MM between 00:00 and 24:00"
    )


def test_a_calendar_round_trips_through_its_document() -> None:
    document = {
        "timezone": "Europe/Moscow",
        "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "24:00"]]},
        "holidays": ["2027-01-07", "2027-01-01"],
    }
    hours = calendar_from_document(document)
    assert hours.to_document() == {**document, "holidays": ["2027-01-01", "2027-01-07"]}
    assert calendar_from_document(hours.to_document()) == hours
