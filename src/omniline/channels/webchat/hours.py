"""Business hours (pure): is the chat staffed at a given moment?

Config shape: `{"timezone": "Europe/Moscow", "days": {"mon": ["09:00", "18:00"], "sat": ["10:00", "14:00"]}}`.
A day that is missing is closed. An interval ending at or before its start runs past midnight
(`["22:00", "02:00"]`), so the early hours of the next day belong to it.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omniline.kernel.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
    local = at.astimezone(ZoneInfo(business_hours.get("timezone", "UTC")))
    days: dict[str, list[str]] = business_hours["days"]
    for offset, day_start in ((0, local), (1, local - timedelta(days=1))):
        interval = days.get(DAY_NAMES[day_start.weekday()])
        if not interval:
            continue
        start, end = (time.fromisoformat(item) for item in interval)
        now = local.time()
        overnight = end <= start
        if offset == 0 and (start <= now < end or (overnight and now >= start)):
            return True
        if offset == 1 and overnight and now < end:
            return True
    return False


def _parse_time(day: str, text: Any) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput(f"business_hours.days.{day}: {text!r} is not a time like 09:00") from None
