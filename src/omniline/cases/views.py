"""The JSON shape of a case, shared by the API and the realtime feed."""

from typing import Any

from omniline.cases.models import Case


def case_view(case: Case) -> dict[str, Any]:
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
