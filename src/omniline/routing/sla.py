"""SLA rules (pure): which targets a case gets, when its clocks warn and fall due, and what a clock
needs doing at a given moment.

Targets are business seconds, chosen by the case's topic, the channel class and the customer tier.
A topic's `sla` looks like
`{"live": {"first_response": 60, "resolution": 3600}, "async": {...}, "tiers": {"vip": 0.5}}`;
whatever it leaves out comes from the defaults below.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from omniline.routing.calendar import BusinessHours, add_business_seconds

ChannelClass = Literal["live", "async"]
ClockKind = Literal["first_response", "resolution"]
CLOCK_KINDS: tuple[ClockKind, ...] = ("first_response", "resolution")

# Live channels have someone waiting on the line or in the chat window; the rest are answered later.
LIVE_CHANNEL_KINDS = frozenset({"voice", "webchat", "telegram", "wechat", "walkin"})


@dataclass(frozen=True, slots=True)
class Targets:
    """Business seconds allowed until the first agent reply, and until the case is resolved."""

    first_response: int
    resolution: int

    def for_kind(self, kind: str) -> int:
        return self.first_response if kind == "first_response" else self.resolution


# When a topic (or the case has none yet) does not say: a live contact is answered within a minute
# and resolved within a working day; an e-mail within four business hours and two business days.
DEFAULT_TARGETS: dict[ChannelClass, Targets] = {
    "live": Targets(first_response=60, resolution=8 * 3600),
    "async": Targets(first_response=4 * 3600, resolution=48 * 3600),
}
# Used when the topic has no `tiers` of its own: valuable customers get tighter targets.
DEFAULT_TIER_FACTORS: dict[str, float] = {"vip": 0.5, "gold": 0.75}
WARNING_FRACTION = 0.8  # the warning comes when 80% of the business time is used
# A breach raises the case and its waiting work by this much: as much as the default policy gives a
# VIP customer, so breached work moves ahead of everything not yet late.
ESCALATION_PRIORITY_BUMP = 10


def channel_class(kind: str) -> ChannelClass:
    """ "live" for voice, web chat, Telegram, WeChat and office visits; "async" for everything else."""
    return "live" if kind in LIVE_CHANNEL_KINDS else "async"


def sla_targets(topic_sla: dict[str, Any] | None, channel_class: ChannelClass, tier: str | None) -> Targets:
    """The targets for a case; a missing topic, class or value takes the default, and the tier's
    factor (the topic's `tiers`, else DEFAULT_TIER_FACTORS) scales both, never below one second.
    Values that are not positive numbers are ignored (the taxonomy import refuses them anyway)."""
    sla = topic_sla if isinstance(topic_sla, dict) else {}
    defaults = DEFAULT_TARGETS[channel_class]
    given = sla.get(channel_class)
    given = given if isinstance(given, dict) else {}
    tiers = sla.get("tiers")
    factors = tiers if isinstance(tiers, dict) else DEFAULT_TIER_FACTORS
    factor = factors.get(tier or "", 1.0)
    if not _positive(factor):
        factor = 1.0
    first = given.get("first_response")
    resolution = given.get("resolution")
    return Targets(
        first_response=_scaled(first if _positive(first) else defaults.first_response, factor),
        resolution=_scaled(resolution if _positive(resolution) else defaults.resolution, factor),
    )


def clock_times(hours: BusinessHours, started_at: datetime, target_seconds: int) -> tuple[datetime, datetime]:
    """(warn_at, due_at): 80% and 100% of the target in business time after `started_at`."""
    warn_at = add_business_seconds(hours, started_at, int(target_seconds * WARNING_FRACTION))
    return warn_at, add_business_seconds(hours, started_at, target_seconds)


def stopped_status(due_at: datetime, now: datetime) -> Literal["met", "breached"]:
    """How a running clock ends when its goal is reached at `now`: met up to and including due_at."""
    return "met" if now <= due_at else "breached"


def due_action(
    *, warn_at: datetime, due_at: datetime, warned_at: datetime | None, now: datetime
) -> Literal["warn", "breach"] | None:
    """What a running clock needs at `now`: a breach once past due_at (as `stopped_status` counts it),
    a warning once past warn_at. A clock found already past due is breached without a warning
    first: a warning then would be stale news announcing what the breach says."""
    if now > due_at:
        return "breach"
    if now >= warn_at and warned_at is None:
        return "warn"
    return None


def escalated_priority(priority: int) -> int:
    return priority + ESCALATION_PRIORITY_BUMP


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _scaled(seconds: Any, factor: float) -> int:
    return max(1, round(float(seconds) * factor))
