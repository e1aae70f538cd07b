"""The JSON shape of a customer."""

from typing import Any

from omniline.cases.models import Case
from omniline.customers.models import Customer, Identity


def customer_view(customer: Customer, identities: list[Identity], cases: list[Case]) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "name": customer.name,
        "tier": customer.tier,
        "value": customer.value,
        "notes": customer.notes,
        "merged_into_id": str(customer.merged_into_id) if customer.merged_into_id else None,
        "identities": [
            {
                "identity": f"{item.kind}:{item.address}",
                "kind": item.kind,
                "address": item.address,
                "verified": item.verified,
            }
            for item in identities
        ],
        "cases": [
            {
                "id": str(case.id),
                "reference": f"C-{case.number}",
                "status": case.status,
                "subject": case.subject,
            }
            for case in cases
        ],
        "created_at": customer.created_at.isoformat(),
    }
