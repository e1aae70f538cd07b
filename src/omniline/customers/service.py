"""Customer use cases: resolve a message's sender, merge two records of one person, undo a merge."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omniline.conversations.models import Conversation
from omniline.customers import repository
from omniline.customers.identities import IdentityClaim
from omniline.customers.matching import plan_match
from omniline.customers.models import Customer, CustomerMerge
from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.security.audit import record_audit
from omniline.timeline.models import TimelineEvent
from omniline.timeline.service import record_event


@dataclass(frozen=True, slots=True)
class ResolvedSender:
    customer_id: uuid.UUID
    identity_id: uuid.UUID  # the primary identity's row: where replies go
    created: bool
    merged: tuple[uuid.UUID, ...]


def resolve_customer(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    claims: list[IdentityClaim],
    name: str | None,
    now: datetime,
    actor: str,
) -> ResolvedSender:
    """Find or create the customer behind `claims` (normalised, primary first); link and merge."""
    found = repository.find_known_identities(session, tenant_id, claims)
    plan = plan_match(claims, [known for known, _ in found])
    identity_ids = {known.claim_key: identity_id for known, identity_id in found}
    created = plan.customer_id is None
    if plan.customer_id is None:
        customer_id = new_id()
        session.connection().execute(
            repository.CUSTOMER_INSERT,
            {"id": customer_id, "tenant_id": tenant_id, "name": name, "created_at": now, "updated_at": now},
        )
    else:
        customer_id = plan.customer_id
        nameless = any(known.customer_id == customer_id and not known.customer_name for known, _ in found)
        if name and nameless:
            _fill_missing_name(session, customer_id, name)
    for merged_id in plan.merge:
        merge_customers(
            session,
            tenant_id=tenant_id,
            survivor_id=customer_id,
            merged_id=merged_id,
            actor=actor,
            reason="one message carried verified identities of both customers",
            now=now,
        )
    new_identities = []
    for claim in plan.link:
        identity_ids[claim.key] = new_id()
        new_identities.append(
            {
                "id": identity_ids[claim.key],
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "kind": claim.kind,
                "address": claim.address,
                "verified": claim.verified,
                "created_at": now,
            }
        )
    if new_identities:
        session.connection().execute(repository.IDENTITY_INSERT, new_identities)
    return ResolvedSender(customer_id, identity_ids[claims[0].key], created, plan.merge)


def _fill_missing_name(session: Session, customer_id: uuid.UUID, name: str) -> None:
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.name.is_(None))
        .values(name=name)
        .execution_options(synchronize_session=False)
    )


def get_customer(session: Session, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.tenant_id != tenant_id:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def merge_customers(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID,
    actor: str,
    reason: str,
    now: datetime,
) -> CustomerMerge:
    """Move everything of `merged_id` onto `survivor_id`, recording exactly what moved.

    Raises NotFound when either is not a customer of `tenant_id` (merges never cross tenants),
    InvalidInput when they are the same, Conflict when either is already merged away.
    """
    if survivor_id == merged_id:
        raise InvalidInput("a customer cannot be merged with itself")
    survivor = get_customer(session, tenant_id, survivor_id)
    merged = get_customer(session, tenant_id, merged_id)
    for customer in (survivor, merged):
        if customer.merged_into_id is not None:
            raise Conflict(f"customer {customer.id} is already merged into {customer.merged_into_id}")
    session.flush()
    moved = repository.ids_owned_by(session, merged_id)
    for table, ids in moved.items():
        repository.reassign(session, table, ids, survivor_id)
    redirected = list(session.scalars(select(Customer.id).where(Customer.merged_into_id == merged_id)))
    if redirected:
        session.execute(
            update(Customer).where(Customer.id.in_(redirected)).values(merged_into_id=survivor_id),
            execution_options={"synchronize_session": False},
        )
    merged.merged_into_id = survivor_id
    if not survivor.name and merged.name:
        survivor.name = merged.name
    record = CustomerMerge(
        id=new_id(),
        tenant_id=tenant_id,
        survivor_id=survivor_id,
        merged_id=merged_id,
        actor=actor,
        reason=reason,
        moved={table: [str(item) for item in ids] for table, ids in moved.items()}
        | {"redirected": [str(item) for item in redirected]},
        created_at=now,
    )
    session.add(record)
    record_event(
        session,
        tenant_id=tenant_id,
        customer_id=survivor_id,
        type="customer.merged",
        at=now,
        actor=actor,
        data={"merge_id": str(record.id), "merged_customer_id": str(merged_id), "reason": reason},
    )
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="customer.merged",
        subject_type="customer",
        subject_id=survivor_id,
        data={"merge_id": str(record.id), "merged_customer_id": str(merged_id), "reason": reason},
    )
    session.flush()  # the merge is written before what follows it (statements that bypass the ORM)
    return record


def unmerge_customer(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    merged_id: uuid.UUID,
    actor: str,
    reason: str,
    now: datetime,
) -> CustomerMerge:
    """Undo the merge that folded `merged_id` away: both records get back their own rows.

    Rows recorded by the merge go back, and so do conversations that arrived since on one of the
    returned identities (with their messages and events). Raises Conflict if it is not merged.
    """
    merged = get_customer(session, tenant_id, merged_id)
    record = session.scalars(
        select(CustomerMerge)
        .where(CustomerMerge.merged_id == merged_id, CustomerMerge.undone_at.is_(None))
        .order_by(CustomerMerge.created_at.desc())
    ).first()
    if record is None or merged.merged_into_id is None:
        raise Conflict(f"customer {merged_id} is not merged into another customer")
    survivor_id = record.survivor_id
    session.flush()
    moved = {table: [uuid.UUID(item) for item in ids] for table, ids in record.moved.items()}
    # Conversations that arrived since on one of the returned identities go back too, and every
    # message and event of a returned conversation follows it, including those added while merged.
    later = session.scalars(
        select(Conversation.id).where(
            Conversation.identity_id.in_(moved.get("identities", [])),
            Conversation.started_at >= record.created_at,
        )
    )
    conversations = list(dict.fromkeys([*moved.get("conversations", []), *later]))
    moved["conversations"] = conversations
    for table, model in (("messages", Message), ("events", TimelineEvent)):
        following: list[uuid.UUID] = []
        for start in range(0, len(conversations), 500):
            chunk = conversations[start : start + 500]
            following += session.scalars(select(model.id).where(model.conversation_id.in_(chunk)))
        moved[table] = list(dict.fromkeys([*moved.get(table, []), *following]))
    for table in repository.OWNED_TABLES:
        repository.reassign(session, table, moved.get(table, []), merged_id)
    if moved.get("redirected"):
        session.execute(
            update(Customer).where(Customer.id.in_(moved["redirected"])).values(merged_into_id=merged_id),
            execution_options={"synchronize_session": False},
        )
    merged.merged_into_id = None
    record.undone_at = now
    record.undone_by = actor
    for customer_id, other_id in ((survivor_id, merged_id), (merged_id, survivor_id)):
        record_event(
            session,
            tenant_id=tenant_id,
            customer_id=customer_id,
            type="customer.unmerged",
            at=now,
            actor=actor,
            data={"merge_id": str(record.id), "other_customer_id": str(other_id), "reason": reason},
        )
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="customer.unmerged",
        subject_type="customer",
        subject_id=merged_id,
        data={"merge_id": str(record.id), "survivor_id": str(survivor_id), "reason": reason},
    )
    return record
