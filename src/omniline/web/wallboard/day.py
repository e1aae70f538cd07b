"""The wallboard's "today" (pure): the tenant's calendar day in its own time zone, and its hours.

A supervisor in Moscow means Moscow's day, not UTC's, so every "today" figure counts from local
midnight to the next. The day has 24 hour slots by the wall clock; on a daylight-saving day one slot
is empty (spring forward) or holds two real hours (fall back), which is what the wall clock shows.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omniline.kernel.clock import as_utc

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class BusinessDay:
    """`start` ≤ t < `end` is today (UTC instants); `hour_starts` are the 25 boundaries of the 24 wall-
    clock hour slots (the first is `start`, the last is `end`), never decreasing."""

    local_date: date
    timezone: str
    start: datetime
    end: datetime
    hour_starts: tuple[datetime, ...]

    def contains(self, moment: datetime) -> bool:
        return self.start <= as_utc(moment) < self.end


def business_day(now: datetime, timezone: str) -> BusinessDay:
    """The local day that contains `now` in `timezone` (an IANA name)."""
    zone = ZoneInfo(timezone)
    local_date = as_utc(now).astimezone(zone).date()
    starts = [_instant(local_date, hour, zone) for hour in range(HOURS_PER_DAY)]
    end = _instant(local_date + timedelta(days=1), 0, zone)
    # A wall-clock hour that does not exist (spring forward) maps past the next one: clamp, so that the
    # slot is empty rather than the boundaries running backwards.
    for index in range(1, len(starts)):
        starts[index] = max(starts[index], starts[index - 1])
    return BusinessDay(local_date, timezone, starts[0], end, (*starts, end))


def _instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
