"""Case lifecycle (pure): statuses, allowed transitions, and which case a new inbound message joins.

    open ──resolve──► resolved ──reopen──► open
    open ◄──────────► pending (waiting for the customer or a third party)

A new inbound message joins, in order: the open case of its conversation; the customer's most
recently active open case (on any channel — a mail and a later chat are one problem until an agent
says otherwise); the case its conversation had, reopened, when that was resolved within the reopen
window (the customer answered in the same thread); otherwise a new case.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from omniline.kernel.errors import Conflict

OPEN_STATUSES = frozenset({"open", "pending"})
DEFAULT_REOPEN_WINDOW = timedelta(days=7)

_TRANSITIONS = {
    ("open", "resolve"): "resolved",
    ("pending", "resolve"): "resolved",
    ("resolved", "reopen"): "open",
    ("open", "wait"): "pending",
    ("pending", "resume"): "open",
}


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: uuid.UUID
    status: str
    updated_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseDecision:
    """Exactly one of: attach to `case_id`, reopen `case_id`, or open a new case (case_id None)."""

    case_id: uuid.UUID | None
    reopen: bool = False


def next_status(current: str, action: str) -> str:
    """The status after `action`; Conflict when the case cannot do that from `current`."""
    if action not in _PAST:
        raise ValueError(f"unknown case action {action!r}")
    try:
        return _TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(f"a case that is {current} cannot be {_PAST[action]}") from None


_PAST = {"resolve": "resolved", "reopen": "reopened", "wait": "set pending", "resume": "resumed"}


def decide_case(
    conversation_case: CaseSummary | None,
    customer_open_cases: list[CaseSummary],
    *,
    now: datetime,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> CaseDecision:
    if conversation_case is not None and conversation_case.status in OPEN_STATUSES:
        return CaseDecision(conversation_case.id)
    open_cases = [case for case in customer_open_cases if case.status in OPEN_STATUSES]
    if open_cases:
        # the latest activity; on a tie (one `now` for a whole group), the later case (ids are time-ordered)
        return CaseDecision(max(open_cases, key=lambda case: (case.updated_at, case.id)).id)
    if (
        conversation_case is not None
        and conversation_case.resolved_at is not None
        and now - conversation_case.resolved_at <= reopen_window
    ):
        return CaseDecision(conversation_case.id, reopen=True)
    return CaseDecision(None)
