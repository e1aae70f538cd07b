"""A web chat's staffed hours (pure): is the chat staffed at a given moment?

Config shape: `{"timezone": "Europe/Moscow", "days": {"mon": ["09:00", "18:00"], "sat": ["10:00", "14:00"]}}`.
A day that is missing is closed. An interval ending at or before its start runs past midnight
(`["22:00", "02:00"]`), so the early hours of the next day belong to it.

The channel keeps this shorter shape (one interval a day, overnight allowed); the answer comes from the
tenant calendar's code (routing/calendar.py), to which the config is translated: an overnight interval
becomes the evening of its day and the early hours of the next.
"""

import json
from datetime import datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omniline.kernel.errors import InvalidInput
from omniline.routing.calendar import DAY_NAMES, BusinessHours
from omniline.routing.calendar import is_open as calendar_is_open


def validate_business_hours(value: Any) -> dict[str, Any]:
    """The normalised config; InvalidInput with the exact problem when it is unusable."""
    if not isinstance(value, dict) or set(value) - {"timezone", "days"} or "days" not in value:
        raise InvalidInput(
            'business_hours must look like {"timezone": "Europe/Moscow", "days": {"mon": ["09:00", "18:00"]}}'
        )
    zone = value.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"business_hours.timezone {zone!r} is not a known time zone") from None
    days = value["days"]
    if not isinstance(days, dict) or set(days) - set(DAY_NAMES):
        raise InvalidInput(f"business_hours.days keys must be among {', '.join(DAY_NAMES)}")
    normalised: dict[str, list[str]] = {}
    for day, interval in days.items():
        if not isinstance(interval, list | tuple) or len(interval) != 2:
            raise InvalidInput(f'business_hours.days.{day} must be ["HH:MM", "HH:MM"]')
        start, end = (_parse_time(day, item) for item in interval)
        normalised[day] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
    return {"timezone": str(zone), "days": normalised}


def is_open(business_hours: dict[str, Any] | None, at: datetime) -> bool:
    """True when `at` (timezone-aware) falls in the hours; no hours configured means always open."""
    if not business_hours:
        return True
    calendar = _calendar(json.dumps(business_hours, sort_keys=True))
    return calendar is not None and calendar_is_open(calendar, at)


@lru_cache(maxsize=256)
def _calendar(config: str) -> BusinessHours | None:
    """The calendar of a (validated) config, given as JSON so that it can be cached; None when no day
    has hours (never staffed)."""
    document = json.loads(config)
    hours: dict[str, list[tuple[str, str]]] = {day: [] for day in DAY_NAMES}
    for day, (start, end) in document["days"].items():
        if end > start:
            hours[day].append((start, end))
            continue
        hours[day].append((start, "24:00"))  # overnight: the evening here, the early hours tomorrow
        if end != "00:00":
            hours[DAY_NAMES[(DAY_NAMES.index(day) + 1) % 7]].append(("00:00", end))
    if not any(hours.values()):
        return None
    return BusinessHours(
        document.get("timezone", "UTC"), {day: _joined(spans) for day, spans in hours.items()}
    )


def _joined(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A day's spans in order, those that overlap made one (the calendar refuses overlaps; here the
    night shift of the day before may overlap the day's own hours). "HH:MM" strings sort as times."""
    joined: list[tuple[str, str]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def _parse_time(day: str, text: Any) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput(f"business_hours.days.{day}: {text!r} is not a time like 09:00") from None
