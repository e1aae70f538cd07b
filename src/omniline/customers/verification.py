"""Confirming an address a customer claims: a one-time code sent to it, typed back by the customer.

A claim typed into a form (the web chat's pre-chat e-mail) is not proof: linked at once, it would let
anyone attach themselves to another person's history. So the address is linked only when the customer
types back the 6-digit code we sent there. Codes are stored hashed, expire after 15 minutes and allow
5 attempts. A confirmed address that already belongs to another customer means the two are one person:
they merge as the pipeline merges (the older record survives), with the caller's actor and reason.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.customers.identities import IdentityClaim
from omniline.customers.models import Customer, Identity, IdentityVerification
from omniline.customers.service import get_customer, merge_customers
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit

CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_OPEN_CODES = 3  # codes sent to one customer within CODE_LIFETIME: a form cannot spam a mailbox

Outcome = Literal["confirmed", "wrong_code", "expired", "too_many_attempts", "not_found"]


@dataclass(frozen=True, slots=True)
class StartedVerification:
    verification_id: uuid.UUID
    code: str  # to be sent to the address, never shown to the one who claimed it


@dataclass(frozen=True, slots=True)
class VerificationResult:
    outcome: Outcome
    customer_id: uuid.UUID | None = None  # the customer that holds the address now (after a merge)
    merged_customer_id: uuid.UUID | None = None


def start_verification(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, claim: IdentityClaim, now: datetime
) -> StartedVerification | None:
    """A new code for `claim` (normalised); None when too many codes were sent to this customer lately."""
    recent = session.scalar(
        select(func.count())
        .select_from(IdentityVerification)
        .where(
            IdentityVerification.customer_id == customer_id,
            IdentityVerification.created_at > now - CODE_LIFETIME,
        )
    )
    if (recent or 0) >= MAX_OPEN_CODES:
        return None
    verification_id = new_id()
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        IdentityVerification(
            id=verification_id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            kind=claim.kind,
            address=claim.address,
            code_hash=_hash(verification_id, code),
            attempts=0,
            expires_at=now + CODE_LIFETIME,
            created_at=now,
        )
    )
    return StartedVerification(verification_id, code)


def confirm_verification(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    verification_id: uuid.UUID,
    customer_id: uuid.UUID,
    code: str,
    now: datetime,
    actor: str,
    reason: str,
) -> VerificationResult:
    """Check `code`; when right, link the address to `customer_id` as verified (merging its owner).

    The verification must have been started for `customer_id` (or a record merged into it since).
    A wrong code counts an attempt; after MAX_ATTEMPTS, or once expired, even the right code is refused.
    """
    verification = session.get(IdentityVerification, verification_id, with_for_update=True)
    if (
        verification is None
        or verification.tenant_id != tenant_id
        or verification.confirmed_at is not None
        or _current(session, verification.customer_id) != customer_id
    ):
        return VerificationResult("not_found")
    if verification.expires_at <= now:
        return VerificationResult("expired")
    if verification.attempts >= MAX_ATTEMPTS:
        return VerificationResult("too_many_attempts")
    if not hmac.compare_digest(verification.code_hash, _hash(verification.id, code.strip())):
        verification.attempts += 1
        return VerificationResult("wrong_code")
    verification.confirmed_at = now
    survivor, merged = link_verified_identity(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        claim=IdentityClaim(verification.kind, verification.address, verified=True),
        now=now,
        actor=actor,
        reason=reason,
    )
    return VerificationResult("confirmed", survivor, merged)


def link_verified_identity(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    claim: IdentityClaim,
    now: datetime,
    actor: str,
    reason: str,
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """Give `customer_id` the proven identity; returns (the surviving customer, the merged one or None)."""
    identity = session.scalars(
        select(Identity).where(
            Identity.tenant_id == tenant_id, Identity.kind == claim.kind, Identity.address == claim.address
        )
    ).first()
    if identity is None:
        session.add(
            Identity(
                id=new_id(),
                tenant_id=tenant_id,
                customer_id=customer_id,
                kind=claim.kind,
                address=claim.address,
                verified=True,
                created_at=now,
            )
        )
        record_audit(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="identity.verified",
            subject_type="customer",
            subject_id=customer_id,
            data={"identity": claim.key, "reason": reason},
        )
        return customer_id, None
    identity.verified = True
    if identity.customer_id == customer_id:
        return customer_id, None
    ours = get_customer(session, tenant_id, customer_id)
    theirs = get_customer(session, tenant_id, identity.customer_id)
    # As the pipeline does: the older record survives, it carries the longest history.
    survivor, merged = sorted((ours, theirs), key=lambda item: (item.created_at, item.id))
    merge_customers(
        session,
        tenant_id=tenant_id,
        survivor_id=survivor.id,
        merged_id=merged.id,
        actor=actor,
        reason=reason,
        now=now,
    )
    return survivor.id, merged.id


def current_customer_id(session: Session, customer_id: uuid.UUID) -> uuid.UUID:
    """Follow merges: the record that holds `customer_id`'s history now."""
    return _current(session, customer_id)


def _current(session: Session, customer_id: uuid.UUID) -> uuid.UUID:
    merged_into = session.scalar(select(Customer.merged_into_id).where(Customer.id == customer_id))
    return merged_into or customer_id  # merges redirect older merges, so one step is enough


def _hash(verification_id: uuid.UUID, code: str) -> str:
    return hashlib.sha256(f"{verification_id}:{code}".encode()).hexdigest()
