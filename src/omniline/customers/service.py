"""Customer use cases: resolve a message's sender, merge two records of one person, undo a merge."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omniline.conversations.models import Conversation
from omniline.customers import repository
from omniline.customers.identities import IdentityClaim
from omniline.customers.matching import KnownIdentity, MatchPlan, plan_match
from omniline.customers.merging import MergeRequest, merge_many
from omniline.customers.models import Customer, CustomerMerge
from omniline.kernel.errors import Conflict, NotFound
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.routing.models import Task
from omniline.security.audit import record_audit
from omniline.timeline.models import TimelineEvent
from omniline.timeline.service import record_event


@dataclass(frozen=True, slots=True)
class ResolvedSender:
    customer_id: uuid.UUID
    identity_id: uuid.UUID  # the primary identity's row: where replies go
    created: bool


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
    plan = plan_senders(session, tenant_id, [claims])[0]
    return store_senders(session, tenant_id, [(plan, name)], now=now, actor=actor)[0]


@dataclass(frozen=True, slots=True)
class SenderPlan:
    """What matching decided for one message's sender, with the identity rows already known."""

    claims: list[IdentityClaim]
    match: MatchPlan
    identity_ids: dict[str, uuid.UUID]  # claim key → identity row, for the claims that exist
    nameless: bool  # the customer it found has no name yet

    @property
    def customer_id(self) -> uuid.UUID | None:
        return self.match.customer_id


def plan_senders(
    session: Session, tenant_id: uuid.UUID, claim_lists: list[list[IdentityClaim]]
) -> list[SenderPlan]:
    """Match several messages' senders with one read (their claims must not overlap: each is matched
    against what is stored, not against the others)."""
    found = repository.find_known_identities(
        session, tenant_id, [claim for claims in claim_lists for claim in claims]
    )
    return plans_from_found(claim_lists, found)


def plans_from_found(
    claim_lists: list[list[IdentityClaim]], found: list[tuple[KnownIdentity, uuid.UUID]]
) -> list[SenderPlan]:
    """`plan_senders` once the claims that exist are known (`found`: with each identity row's id)."""
    by_key = {known.claim_key: (known, identity_id) for known, identity_id in found}
    plans = []
    for claims in claim_lists:
        mine = [by_key[claim.key] for claim in claims if claim.key in by_key]
        match = plan_match(claims, [known for known, _ in mine])
        nameless = any(
            known.customer_id == match.customer_id and not known.customer_name for known, _ in mine
        )
        identity_ids = {known.claim_key: identity_id for known, identity_id in mine}
        plans.append(SenderPlan(claims, match, identity_ids, nameless))
    return plans


MESSAGE_MERGE_REASON = "one message carried verified identities of both customers"


def store_senders(
    session: Session,
    tenant_id: uuid.UUID,
    senders: list[tuple[SenderPlan, str | None]],
    *,
    now: datetime,
    actor: str,
) -> list[ResolvedSender]:
    """Carry out the plans: create customers, merge, link identities, one statement per kind of row
    for all of them. The plans' customers must all differ (none found, merged or created twice)."""
    customers: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []
    named: list[dict[str, Any]] = []
    merges: list[MergeRequest] = []
    resolved = []
    for plan, name in senders:
        customer_id = plan.match.customer_id
        if customer_id is None:
            customer_id = new_id()
            customers.append(
                {
                    "id": customer_id,
                    "tenant_id": tenant_id,
                    "name": name,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif plan.match.merge:  # the merge fills a missing name, from the message first
            merges.append(MergeRequest(customer_id, plan.match.merge, name if plan.nameless else None))
        elif name and plan.nameless:
            named.append({"customer_id": customer_id, "name": name})
        identity_ids = dict(plan.identity_ids)
        identities += _identity_rows(tenant_id, customer_id, plan, identity_ids, now=now)
        primary = identity_ids[plan.claims[0].key]
        resolved.append(ResolvedSender(customer_id, primary, plan.match.customer_id is None))
    connection = session.connection()
    repository.CUSTOMER_INSERT.execute(connection, customers)
    if merges:
        merge_many(
            session, tenant_id=tenant_id, requests=merges, actor=actor, reason=MESSAGE_MERGE_REASON, now=now
        )
    repository.IDENTITY_INSERT.execute(connection, identities)
    repository.FILL_MISSING_NAME.execute(connection, named)
    return resolved


def _identity_rows(
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    plan: SenderPlan,
    identity_ids: dict[str, uuid.UUID],
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    """Rows for the identities the plan links (their ids added to `identity_ids`)."""
    rows = []
    for claim in plan.match.link:
        identity_ids[claim.key] = new_id()
        rows.append(
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
    return rows


def _fill_missing_name(session: Session, customer_id: uuid.UUID, name: str) -> None:
    repository.FILL_MISSING_NAME.execute(session.connection(), [{"customer_id": customer_id, "name": name}])


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
    """Move everything of `merged_id` onto `survivor_id`, recording exactly what moved (see
    customers/merging.py).

    Raises NotFound when either is not a customer of `tenant_id` (merges never cross tenants),
    InvalidInput when they are the same, Conflict when either is already merged away.
    """
    request = MergeRequest(survivor_id, (merged_id,))
    [[record_id]] = merge_many(
        session, tenant_id=tenant_id, requests=[request], actor=actor, reason=reason, now=now
    )
    return session.get_one(CustomerMerge, record_id)


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
    returned identities (with their messages and events) and the work on the returned cases. Raises
    Conflict if it is not merged.
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
    # …and the work on the returned cases goes back with them, including work made while merged.
    following = (
        ("messages", Message.id, Message.conversation_id, conversations),
        ("events", TimelineEvent.id, TimelineEvent.conversation_id, conversations),
        ("tasks", Task.id, Task.case_id, moved.get("cases", [])),
    )
    for table, row_id, parent, parents in following:
        found: list[uuid.UUID] = []
        for start in range(0, len(parents), 500):  # stay under the backends' bound-parameter limits
            found += session.scalars(select(row_id).where(parent.in_(parents[start : start + 500])))
        moved[table] = list(dict.fromkeys([*moved.get(table, []), *found]))
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
