"""Agent presence as a pure state machine: which states exist, who may move an agent between them, and
what the move does to `idle_since` (the key of "longest idle first").

States: offline, available (takes offers), busy (no free capacity left), wrap_up (finishing work, no
offers), paused (away, with a reason). Who may set what:

- the agent, for themselves, and a supervisor, for anyone: available, paused (a reason is required),
  offline (refused while the agent still holds work: it would be stranded);
- the system: everything above, plus busy and wrap_up, which follow the work an agent holds, and
  paused "missed offers" after two offers in a row were rejected or timed out.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from omniline.kernel.errors import Conflict, InvalidInput, PermissionDenied

PRESENCE_STATES = ("offline", "available", "busy", "wrap_up", "paused")
PERSON_STATES = frozenset({"offline", "available", "paused"})
SYSTEM_STATES = frozenset(PRESENCE_STATES)
MISSED_OFFERS_REASON = "missed offers"
MAX_REASON_LENGTH = 100

Setter = Literal["agent", "supervisor", "system"]

# From each state, the states one step away. Staying put is always allowed (a paused agent may change
# the reason); busy and wrap_up are never entered from offline: an offline agent holds no offers.
TRANSITIONS: dict[str, frozenset[str]] = {
    "offline": frozenset({"available", "paused"}),
    "available": frozenset({"offline", "paused", "busy", "wrap_up"}),
    "busy": frozenset({"available", "wrap_up", "paused", "offline"}),
    "wrap_up": frozenset({"available", "busy", "paused", "offline"}),
    "paused": frozenset({"available", "offline", "busy", "wrap_up"}),
}


@dataclass(frozen=True, slots=True)
class Presence:
    state: str
    reason: str | None
    since: datetime
    idle_since: datetime | None


def change_presence(
    current: Presence, target: str, *, by: Setter, reason: str | None, has_work: bool, now: datetime
) -> Presence:
    """The presence after `by` moves an agent from `current` to `target`.

    InvalidInput for an unknown state or a missing/overlong pause reason; PermissionDenied when `by`
    may not set `target`; Conflict for a move the machine does not allow (e.g. offline with work).
    Setting the state the agent is already in keeps `since` (and `idle_since`), so it is idempotent.
    """
    if target not in PRESENCE_STATES:
        raise InvalidInput(f"presence must be one of {', '.join(PRESENCE_STATES)}")
    allowed = SYSTEM_STATES if by == "system" else PERSON_STATES
    if target not in allowed:
        raise PermissionDenied(f"{target!r} follows the work an agent holds; it is set by the system")
    reason = _checked_reason(target, reason)
    if target != current.state and target not in TRANSITIONS[current.state]:
        raise Conflict(f"an agent who is {current.state} cannot become {target}")
    if target == "offline" and has_work and by != "system":
        raise Conflict("finish or transfer the tasks you hold before going offline")
    if target == current.state:
        return replace(current, reason=reason)
    return Presence(
        state=target,
        reason=reason,
        since=now,
        idle_since=_idle_since(current, target, has_work=has_work, now=now),
    )


def work_ended(current: Presence, *, has_work: bool, now: datetime) -> Presence:
    """After a task left the agent: with no work left they are idle from now on, and a busy agent has
    room again. A paused or wrap-up agent stays so (their choice), but their idle time starts now."""
    state = "available" if current.state == "busy" else current.state
    idle_since = current.idle_since if has_work else now
    since = now if state != current.state else current.since
    return Presence(
        state=state,
        reason=current.reason if state == current.state else None,
        since=since,
        idle_since=idle_since,
    )


def work_taken(current: Presence, *, at_capacity: bool, now: datetime) -> Presence:
    """After an agent accepted a task: no longer idle, and busy once no capacity is left."""
    if at_capacity and current.state == "available":
        return Presence(state="busy", reason=None, since=now, idle_since=None)
    return replace(current, idle_since=None)


def _idle_since(current: Presence, target: str, *, has_work: bool, now: datetime) -> datetime | None:
    if has_work:
        return None
    if target == "available" and current.idle_since is None:
        return now
    if target == "available" and current.state in ("offline", "paused"):
        return now  # time away is not idle time: the queue of idle agents starts again from now
    return current.idle_since


def _checked_reason(target: str, reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if target != "paused":
        return None
    if reason is None:
        raise InvalidInput("say why the agent is paused (e.g. lunch, training)")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"a pause reason is at most {MAX_REASON_LENGTH} characters")
    return reason
