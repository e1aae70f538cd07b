"""Matching (pure): which customer a message belongs to, which identities to link, whom to merge.

Rules:
- the primary identity (the address the channel itself gives, e.g. the sender of a mail) always
  finds or creates the customer;
- further identities are linked only when verified (the company's app signs them, a code was
  confirmed); an unverified claim never links and never merges;
- a verified identity that already belongs to another customer means the two are one person: they
  are merged into the older record, which survives.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from omniline.customers.identities import IdentityClaim


@dataclass(frozen=True, slots=True)
class KnownIdentity:
    claim_key: str
    customer_id: uuid.UUID
    customer_created_at: datetime
    customer_name: str | None = None


@dataclass(frozen=True, slots=True)
class MatchPlan:
    """`customer_id` None means "create a new customer"."""

    customer_id: uuid.UUID | None
    link: tuple[IdentityClaim, ...] = ()
    merge: tuple[uuid.UUID, ...] = ()  # customers to merge into `customer_id`
    ignored: tuple[IdentityClaim, ...] = field(default=())


def plan_match(claims: list[IdentityClaim], known: list[KnownIdentity]) -> MatchPlan:
    """Decide the customer for a message whose first claim is the primary identity."""
    if not claims:
        raise ValueError("a message needs at least one identity")
    owner_of = {item.claim_key: item for item in known}
    primary, *others = claims
    trusted = [primary] + [claim for claim in others if claim.verified]
    ignored = tuple(claim for claim in others if not claim.verified)

    owners: dict[uuid.UUID, datetime] = {}
    for claim in trusted:
        found = owner_of.get(claim.key)
        if found is not None:
            owners[found.customer_id] = found.customer_created_at
    to_link = tuple(claim for claim in _unique(trusted) if claim.key not in owner_of)
    if not owners:
        return MatchPlan(customer_id=None, link=to_link, ignored=ignored)
    # The oldest record survives: it carries the longest history and the ids people already use.
    ordered = sorted(owners, key=lambda customer_id: (owners[customer_id], customer_id))
    survivor, merged = ordered[0], tuple(ordered[1:])
    return MatchPlan(customer_id=survivor, link=to_link, merge=merged, ignored=ignored)


def _unique(claims: list[IdentityClaim]) -> list[IdentityClaim]:
    seen: set[str] = set()
    result = []
    for claim in claims:
        if claim.key not in seen:
            seen.add(claim.key)
            result.append(claim)
    return result
