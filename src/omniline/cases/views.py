"""The JSON shape of a case, shared by the API and the realtime feed."""

from types import SimpleNamespace
from typing import Any

from omniline.cases.models import Case

# What a case has before anyone worked on it, beyond the columns it is inserted with.
_FRESH: dict[str, Any] = {
    "topic_source": None,
    "topic_confidence": None,
    "topic_confirmed": False,
    "language": None,
    "sentiment": None,
    "urgency": None,
    "repeat_contact": False,
    "priority": 0,
    "queue": None,
    "assigned_user_id": None,
    "routing": {},
    "first_response_at": None,
    "resolution_code": None,
    "wrapped_up_at": None,
}


def fresh_case(inserted: dict[str, Any]) -> SimpleNamespace:
    """A case opened in this transaction, from the columns it was inserted with: what `case_view`
    reads, without loading it back (batched intake fills in what routing decides)."""
    return SimpleNamespace(**(_FRESH | inserted))


def case_view(case: Case | Any) -> dict[str, Any]:
    """`case` is a Case or any object with its column attributes (`fresh_case`)."""
    return {
        "id": str(case.id),
        "number": case.number,
        "reference": f"C-{case.number}",
        "customer_id": str(case.customer_id),
        "topic_id": str(case.topic_id) if case.topic_id else None,
        "status": case.status,
        "subject": case.subject,
        "opened_at": case.opened_at.isoformat(),
        "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
        "reopen_count": case.reopen_count,
        "updated_at": case.updated_at.isoformat(),
        "topic_source": case.topic_source,
        "topic_confidence": case.topic_confidence,
        "topic_confirmed": case.topic_confirmed,
        "language": case.language,
        "sentiment": case.sentiment,
        "urgency": case.urgency,
        "repeat_contact": case.repeat_contact,
        "priority": case.priority,
        "queue": case.queue,
        "assigned_user_id": str(case.assigned_user_id) if case.assigned_user_id else None,
        "routing": case.routing,
        "first_response_at": case.first_response_at.isoformat() if case.first_response_at else None,
        "resolution_code": case.resolution_code,
        "wrapped_up_at": case.wrapped_up_at.isoformat() if case.wrapped_up_at else None,
    }
