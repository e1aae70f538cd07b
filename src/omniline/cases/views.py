"""The JSON shape of a case, shared by the API and the realtime feed."""

from typing import Any

from omniline.cases.models import Case


def case_view(case: Case | Any) -> dict[str, Any]:
    """`case` is a Case or any object with its column attributes (a freshly inserted row)."""
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
    }
