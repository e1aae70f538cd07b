"""Staff editing a customer: the profile (name, tier, value, notes) and the addresses they add.

Every value is checked before anything changes. A change is audited (`customer.updated`, old → new)
and put on the customer's timeline, so the next agent sees who changed what and when.
"""

import math
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omniline.customers import repository
from omniline.customers.identities import parse_identity
from omniline.customers.models import Customer, Identity
from omniline.customers.service import get_customer
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

EDITABLE_FIELDS = ("name", "tier", "value", "notes")
# Tiers are the tenant's own words (routing rules and SLA factors name them: standard, gold, vip, …).
TIER = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
KNOWN_TIERS = ("standard", "gold", "vip")
MAX_NAME = 200
MAX_NOTES = 5000
MAX_VALUE = 1e12


def check_profile_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes in their stored form; InvalidInput naming the first bad field. Pure."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}"
        )
    checked: dict[str, Any] = {}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if len(name) > MAX_NAME:
            raise InvalidInput(f"name: at most {MAX_NAME} characters")
        checked["name"] = name or None  # a customer may be nameless (a caller we only know by number)
    if "tier" in changes:
        tier = changes["tier"]
        if not isinstance(tier, str) or not TIER.match(tier.strip().lower()):
            raise InvalidInput("tier: a short lower-case word such as standard, gold or vip")
        checked["tier"] = tier.strip().lower()
    if "value" in changes:
        value = changes["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput("value: a number")
        if not 0 <= value <= MAX_VALUE:
            raise InvalidInput(f"value: between 0 and {MAX_VALUE:.0f}")
        checked["value"] = float(value)
    if "notes" in changes:
        notes = (changes["notes"] or "").strip()
        if len(notes) > MAX_NOTES:
            raise InvalidInput(f"notes: at most {MAX_NOTES} characters")
        checked["notes"] = notes or None
    return checked


def update_customer(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    changes: dict[str, Any],
    actor: str,
    now: datetime,
) -> dict[str, list[Any]]:
    """Apply `changes` (only the fields given); returns {field: [old, new]} of what really changed.

    Raises InvalidInput for a bad value (nothing changes), NotFound outside the tenant, Conflict for
    a customer merged into another (edit the survivor)."""
    customer = _editable(session, tenant_id, customer_id)
    checked = check_profile_changes(changes)
    diff = {
        field: [getattr(customer, field), value]
        for field, value in checked.items()
        if getattr(customer, field) != value
    }
    if not diff:
        return {}
    for field, (_old, new) in diff.items():
        setattr(customer, field, new)
    customer.updated_at = now
    _record(session, customer, actor, "customer.updated", {"changes": diff}, now=now)
    return diff


def add_identity(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    identity: str,
    region: str,
    actor: str,
    now: datetime,
) -> tuple[Identity, bool]:
    """Give the customer an address (`KIND:ADDRESS`, normalised); returns it and whether it is new.

    Staff typed it in, nobody confirmed it with a code: it is stored unverified. InvalidInput for an
    address that cannot be normalised; Conflict (code `identity_taken`) when another customer has it:
    that is a case for merging the two."""
    customer = _editable(session, tenant_id, customer_id)
    claim = parse_identity(identity, region=region, verified=False)
    owner = repository.find_customer_by_identity(session, tenant_id, claim)
    if owner is not None and owner.id == customer.id:
        found = repository.find_identity(session, tenant_id, claim)
        assert found is not None
        return found, False
    if owner is not None:
        raise Conflict(
            f"{claim.key} belongs to another customer ({owner.id}); merge them instead", code="identity_taken"
        )
    row = Identity(
        id=new_id(),
        tenant_id=tenant_id,
        customer_id=customer.id,
        kind=claim.kind,
        address=claim.address,
        verified=False,
        created_at=now,
    )
    try:
        with session.begin_nested():  # a message from the same address may have created it just now
            session.add(row)
    except IntegrityError:
        raise Conflict(
            f"{claim.key} was just added to a customer; reload and try again", code="identity_taken"
        ) from None
    _record(session, customer, actor, "customer.identity_added", {"identity": claim.key}, now=now)
    return row, True


def _editable(session: Session, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = get_customer(session, tenant_id, customer_id)
    if customer.merged_into_id is not None:
        raise Conflict(
            f"customer {customer_id} is merged into {customer.merged_into_id}; edit that customer",
            code="customer_merged",
        )
    return customer


def _record(
    session: Session, customer: Customer, actor: str, action: str, data: dict[str, Any], *, now: datetime
) -> None:
    """A person's change to a customer: on the timeline and in the audit log, alike."""
    record_event(
        session,
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        type=action,
        at=now,
        actor=actor,
        data=data,
    )
    record_audit(
        session,
        tenant_id=customer.tenant_id,
        actor=actor,
        action=action,
        subject_type="customer",
        subject_id=customer.id,
        data=data,
    )
