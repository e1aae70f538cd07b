"""Business hours (pure): when the tenant's service works, and business-time arithmetic on it.

A calendar is a time zone, opening intervals per weekday in local wall-clock time, and holidays (local
dates, closed all day). SLA clocks count only the seconds inside those intervals.

Document shape (the API's and the database row's):
`{"timezone": "Europe/Moscow", "hours": {"mon": [["09:00", "18:00"]], …}, "holidays": ["2026-01-01"]}`.
A day without a key, or with an empty list, is closed. An interval may end at "24:00"; one that runs
past midnight is refused (split it: mon 22:00–24:00 and tue 00:00–06:00), so every interval belongs to
exactly one local date and a holiday closes exactly that date.

Daylight saving time: intervals are wall-clock times turned into instants with zoneinfo, so business
seconds are real elapsed seconds (a 00:00–24:00 day is 23 h when clocks spring forward).
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omniline.kernel.clock import as_utc
from omniline.kernel.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 24 * 3600
_TIME = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A calendar open at least a minute a week reaches any target within this many days; the bound only
# guards against a bug looping forever.
_MAX_DAYS_SCANNED = 366 * 50

Interval = tuple[int, int]  # seconds since local midnight, start < end <= 86400


@dataclass(frozen=True)
class BusinessHours:
    """A validated calendar; building one with a bad zone, time, interval or date raises InvalidInput
    naming every problem. `hours` maps day names to ("HH:MM", "HH:MM") pairs."""

    timezone: str = "UTC"
    hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: tuple[tuple[Interval, ...], ...] = field(init=False, repr=False, compare=False)
    _always: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            problems.append(f"timezone {self.timezone!r} is not a known time zone (e.g. Europe/Moscow)")
            zone = ZoneInfo("UTC")
        days, hours = _parse_week(self.hours, problems)
        if not problems and not any(days):
            problems.append("the calendar is never open: give at least one day some hours")
        if problems:
            raise InvalidInput("; ".join(problems), code="invalid_calendar")
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_days", days)
        always = not self.holidays and all(day == ((0, DAY_SECONDS),) for day in days)
        object.__setattr__(self, "_always", always)

    @property
    def always(self) -> bool:
        """Open every second of every day (24/7, no holidays): business time is plain time."""
        return self._always

    def to_document(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "hours": {day: [list(pair) for pair in pairs] for day, pairs in self.hours.items()},
            "holidays": sorted(day.isoformat() for day in self.holidays),
        }

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening intervals as UTC instants, in order, from the local day of `start` on."""
        day = as_utc(start).astimezone(self._zone).date()
        for _ in range(_MAX_DAYS_SCANNED):
            if day not in self.holidays:
                for begin, end in self._days[day.weekday()]:
                    yield self._instant(day, begin), self._instant(day, end)
            day += timedelta(days=1)
        raise RuntimeError("no business hours found in 50 years")  # unreachable for a valid calendar

    def _instant(self, day: date, seconds: int) -> datetime:
        if seconds == DAY_SECONDS:
            day, seconds = day + timedelta(days=1), 0
        wall = datetime.combine(day, time(seconds // 3600, seconds % 3600 // 60), tzinfo=self._zone)
        return wall.astimezone(UTC)


def always_open() -> BusinessHours:
    """24/7 in UTC: the calendar of a tenant that has not set one."""
    return BusinessHours("UTC", {day: [("00:00", "24:00")] for day in DAY_NAMES}, frozenset())


def calendar_from_document(document: Any) -> BusinessHours:
    """A calendar from its JSON document; InvalidInput listing every problem, keys included."""
    if not isinstance(document, Mapping):
        raise InvalidInput(
            'a calendar is an object: {"timezone", "hours", "holidays"}', code="invalid_calendar"
        )
    problems: list[str] = []
    unknown = sorted(str(key) for key in document if key not in {"timezone", "hours", "holidays"})
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}: a calendar has timezone, hours, holidays")
    timezone = document.get("timezone", "UTC")
    if not isinstance(timezone, str):
        problems.append("timezone must be a string such as Europe/Moscow")
        timezone = "UTC"
    hours = document.get("hours", {})
    if not isinstance(hours, Mapping):
        problems.append('hours must be an object such as {"mon": [["09:00", "18:00"]]}')
        hours = {}
    holidays = _parse_holidays(document.get("holidays", []), problems)
    try:
        calendar = BusinessHours(timezone, hours, holidays)
    except InvalidInput as error:
        problems.append(error.message)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_calendar")
    return calendar


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """True when the instant `at` falls inside an opening interval (holidays are closed)."""
    if hours.always:
        return True
    local = as_utc(at).astimezone(hours._zone)
    if local.date() in hours.holidays:
        return False
    second = local.hour * 3600 + local.minute * 60 + local.second
    return any(begin <= second < end for begin, end in hours._days[local.weekday()])


def add_business_seconds(hours: BusinessHours, start: datetime, seconds: float) -> datetime:
    """The UTC instant when `seconds` of business time have passed since `start`. Time before the next
    opening does not count; zero seconds is `start` itself. ValueError for a negative amount."""
    if seconds < 0:
        raise ValueError("business seconds to add must not be negative")
    start = as_utc(start)
    if hours.always or seconds == 0:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds)
    for begin, end in hours.open_intervals(start):
        begin = max(begin, start)
        if end <= begin:
            continue
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("open_intervals never ends")


def business_seconds_between(hours: BusinessHours, a: datetime, b: datetime) -> int:
    """Whole business seconds from `a` to `b`; negative when `b` is before `a`."""
    a, b = as_utc(a), as_utc(b)
    if b < a:
        return -business_seconds_between(hours, b, a)
    if hours.always:
        return int((b - a).total_seconds())
    total = timedelta()
    for begin, end in hours.open_intervals(a):
        if begin >= b:
            break
        overlap = min(end, b) - max(begin, a)
        if overlap > timedelta():
            total += overlap
    return int(total.total_seconds())


def _parse_week(
    hours: Mapping[str, Sequence[Sequence[str]]], problems: list[str]
) -> tuple[tuple[tuple[Interval, ...], ...], dict[str, tuple[tuple[str, str], ...]]]:
    days: list[tuple[Interval, ...]] = []
    normalised: dict[str, tuple[tuple[str, str], ...]] = {}
    unknown = sorted(str(key) for key in hours if key not in DAY_NAMES)
    if unknown:
        problems.append(f"unknown days {', '.join(unknown)}: use {', '.join(DAY_NAMES)}")
    for day in DAY_NAMES:
        pairs = hours.get(day) or []
        if isinstance(pairs, str) or not isinstance(pairs, Sequence):
            problems.append(f'hours.{day} must be a list of ["HH:MM", "HH:MM"] intervals')
            pairs = []
        parsed = [_parse_interval(day, pair, problems) for pair in pairs]
        valid = sorted(interval for interval in parsed if interval is not None)
        for previous, following in pairwise(valid):
            if following[0] < previous[1]:
                problems.append(f"hours.{day}: intervals {_span(previous)} and {_span(following)} overlap")
        days.append(_merge(valid))
        if valid:
            normalised[day] = tuple((_clock(begin), _clock(end)) for begin, end in valid)
    return tuple(days), normalised


def _parse_interval(day: str, pair: Any, problems: list[str]) -> Interval | None:
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        problems.append(f'hours.{day}: {pair!r} is not a ["HH:MM", "HH:MM"] pair')
        return None
    begin, end = (_seconds(day, item, problems) for item in pair)
    if begin is None or end is None:
        return None
    if begin == DAY_SECONDS:
        problems.append(f"hours.{day}: an interval cannot start at 24:00")
        return None
    if end <= begin:
        problems.append(
            f"hours.{day}: {pair[0]}–{pair[1]} ends before it starts; an interval past midnight must "
            f"be split into {pair[0]}–24:00 and 00:00–{pair[1]} of the next day"
        )
        return None
    return (begin, end)


def _seconds(day: str, text: Any, problems: list[str]) -> int | None:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        problems.append(f"hours.{day}: {text!r} is not a time of day HH:MM between 00:00 and 24:00")
        return None
    if text == "24:00":
        return DAY_SECONDS
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def _parse_holidays(value: Any, problems: list[str]) -> frozenset[date]:
    if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
        problems.append('holidays must be a list of dates such as ["2026-01-01"]')
        return frozenset()
    days: set[date] = set()
    for item in value:
        if isinstance(item, date):
            days.add(item)
            continue
        try:
            if not isinstance(item, str) or not _DATE.match(item):
                raise ValueError
            days.add(date.fromisoformat(item))
        except ValueError:
            problems.append(f"holidays: {item!r} is not a date YYYY-MM-DD")
    return frozenset(days)


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Touching intervals (09:00–13:00, 13:00–18:00) become one, so 24/7 is recognised."""
    merged: list[Interval] = []
    for begin, end in intervals:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return tuple(merged)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _span(interval: Interval) -> str:
    return f"{_clock(interval[0])}–{_clock(interval[1])}"
