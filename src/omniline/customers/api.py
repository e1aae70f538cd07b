"""Customers over the API: find by any identity or name, read, edit, add an address, timeline, merge
and unmerge."""

import uuid
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.customers import repository
from omniline.customers.editing import MAX_NAME, MAX_NOTES, add_identity, update_customer
from omniline.customers.identities import parse_identity
from omniline.customers.models import Customer, CustomerMerge
from omniline.customers.search import parse_search
from omniline.customers.service import get_customer, merge_customers, unmerge_customer
from omniline.customers.views import customer_view
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.timeline.repository import read_timeline
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID = Field(description="the customer to fold into this one")
    reason: str = Field(min_length=1, max_length=1000)


class CustomerChanges(BaseModel):
    """Only the fields sent change; `name` or `notes` null (or empty) clears them."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=MAX_NAME)
    tier: str = Field(default="standard", max_length=20, description="standard, gold, vip, …")
    value: float = Field(default=0.0, ge=0, allow_inf_nan=False, description="lifetime value")
    notes: str | None = Field(default=None, max_length=MAX_NOTES)


class NewIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: str = Field(min_length=3, max_length=400, description="KIND:ADDRESS, e.g. phone:+7916…")


class UnmergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID = Field(description="the customer that was merged into this one")
    reason: str = Field(min_length=1, max_length=1000)


@router.get("")
def find_customers(
    actor: ActorDep,
    container: ContainerDep,
    identity: str | None = Query(default=None, max_length=400, description="KIND:ADDRESS"),
    q: str | None = Query(default=None, max_length=200, description="a name, or part of one, or an address"),
    limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    """With `identity`, the customer who has it (any spelling: it is normalised); with `q`, those whose
    name or address contains it (an exact identity first); else the newest."""
    with container.uow() as uow:
        session = uow.session
        region = session.get_one(Tenant, actor.tenant_id).default_region
        if identity is not None:
            claim = parse_identity(identity, region=region)
            found = repository.find_customer_by_identity(session, actor.tenant_id, claim)
            customers = [found] if found else []
        elif q is not None:
            terms = parse_search(q, region=region)
            customers = repository.search_customers(session, actor.tenant_id, terms, limit=limit)
        else:
            customers = list(
                session.scalars(
                    select(Customer)
                    .where(Customer.tenant_id == actor.tenant_id, Customer.merged_into_id.is_(None))
                    .order_by(Customer.id.desc())
                    .limit(limit)
                )
            )
        return {"items": _views(session, customers)}


@router.get("/{customer_id}")
def read_customer(customer_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        customer = get_customer(uow.session, actor.tenant_id, customer_id)
        _audit_read(uow.session, actor, customer_id, "customer.viewed")
        view = _view(uow.session, customer)
        uow.commit()
        return view


@router.patch("/{customer_id}")
def edit_customer(
    customer_id: uuid.UUID, body: CustomerChanges, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Change the profile; answers the customer and `changes` ({field: [old, new]})."""
    with container.uow() as uow:
        changes = update_customer(
            uow.session,
            tenant_id=actor.tenant_id,
            customer_id=customer_id,
            changes=body.model_dump(include=body.model_fields_set),
            actor=actor.ref,
            now=container.clock(),
        )
        view = _view(uow.session, get_customer(uow.session, actor.tenant_id, customer_id))
        uow.commit()
        return view | {"changes": changes}


@router.post("/{customer_id}/identities", status_code=201)
def add_customer_identity(
    customer_id: uuid.UUID, body: NewIdentity, actor: ActorDep, container: ContainerDep, response: Response
) -> dict[str, Any]:
    """201 with the normalised identity; 200 if the customer already had it; 409 `identity_taken`
    when another customer has it (find them with `GET ?identity=` and merge)."""
    with container.uow() as uow:
        region = uow.session.get_one(Tenant, actor.tenant_id).default_region
        identity, created = add_identity(
            uow.session,
            tenant_id=actor.tenant_id,
            customer_id=customer_id,
            identity=body.identity,
            region=region,
            actor=actor.ref,
            now=container.clock(),
        )
        uow.commit()
        response.status_code = 201 if created else 200
        return {
            "identity": f"{identity.kind}:{identity.address}",
            "kind": identity.kind,
            "address": identity.address,
            "verified": identity.verified,
        }


@router.get("/{customer_id}/timeline")
def customer_timeline(
    customer_id: uuid.UUID,
    actor: ActorDep,
    container: ContainerDep,
    limit: int = Query(default=50, ge=1, le=200),
    before: str | None = Query(default=None, description="the next_cursor of the previous page"),
) -> dict[str, Any]:
    """Every channel's events of this customer, newest first; page with `before=next_cursor`."""
    cursor = _parse_cursor(before)
    with container.uow() as uow:
        get_customer(uow.session, actor.tenant_id, customer_id)
        items, next_cursor = read_timeline(uow.session, customer_id, limit=limit, before=cursor)
        _audit_read(uow.session, actor, customer_id, "customer.timeline_viewed")
        uow.commit()
        return {"items": items, "next_cursor": next_cursor}


@router.get("/{customer_id}/merges")
def customer_merges(customer_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        get_customer(uow.session, actor.tenant_id, customer_id)
        rows = repository.list_merges(uow.session, customer_id)
        return {"items": [merge_view(row) for row in rows]}


@router.post("/{customer_id}/merge")
def merge(
    customer_id: uuid.UUID, body: MergeRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Fold `customer_id` of the body into this customer: identities, conversations, cases, timeline."""
    with container.uow() as uow:
        record = merge_customers(
            uow.session,
            tenant_id=actor.tenant_id,
            survivor_id=customer_id,
            merged_id=body.customer_id,
            actor=actor.ref,
            reason=body.reason,
            now=container.clock(),
        )
        uow.emit(DomainEvent("customer.merged", actor.tenant_id, merge_view(record)))
        uow.commit()
        return merge_view(record)


@router.post("/{customer_id}/unmerge")
def unmerge(
    customer_id: uuid.UUID, body: UnmergeRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Undo the merge of `customer_id` of the body into this customer; both get their own rows back."""
    with container.uow() as uow:
        merged = get_customer(uow.session, actor.tenant_id, body.customer_id)
        if merged.merged_into_id is not None and merged.merged_into_id != customer_id:
            raise InvalidInput(f"customer {body.customer_id} is not merged into {customer_id}")
        record = unmerge_customer(
            uow.session,
            tenant_id=actor.tenant_id,
            merged_id=body.customer_id,
            actor=actor.ref,
            reason=body.reason,
            now=container.clock(),
        )
        uow.emit(DomainEvent("customer.unmerged", actor.tenant_id, merge_view(record)))
        uow.commit()
        return merge_view(record)


def merge_view(record: CustomerMerge) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "survivor_id": str(record.survivor_id),
        "merged_id": str(record.merged_id),
        "actor": record.actor,
        "reason": record.reason,
        "moved": {table: len(ids) for table, ids in record.moved.items()},
        "created_at": record.created_at.isoformat(),
        "undone_at": record.undone_at.isoformat() if record.undone_at else None,
        "undone_by": record.undone_by,
    }


def _view(session: Session, customer: Customer) -> dict[str, Any]:
    return _views(session, [customer])[0]


def _views(session: Session, customers: list[Customer]) -> list[dict[str, Any]]:
    ids = [customer.id for customer in customers]
    identities = repository.identities_of(session, ids)
    cases = repository.cases_of(session, ids)
    return [customer_view(customer, identities[customer.id], cases[customer.id]) for customer in customers]


def _parse_cursor(before: str | None) -> uuid.UUID | None:
    if before is None:
        return None
    try:
        return uuid.UUID(before)
    except ValueError:
        raise InvalidInput("before must be the next_cursor of a previous page") from None


def _audit_read(session: Session, actor: Actor, customer_id: uuid.UUID, action: str) -> None:
    # Reads of personal data are audited too: most leaks come from inside (N14).
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action=action,
        subject_type="customer",
        subject_id=customer_id,
    )
