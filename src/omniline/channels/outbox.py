"""The outbox: every outbound send is a `deliveries` row first, then a send with retries.

A reply is stored together with its delivery in the agent's transaction; a worker then claims due
deliveries, calls the channel's adapter, and records the outcome. Retryable failures wait
`base * 2**(attempt-1)` seconds (capped, with jitter) before the next try; after `max_attempts` tries,
or at once for a permanent failure, the delivery is `failed`, visible through the API and on the
customer's timeline.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from omniline.channels.base import SendResult
from omniline.channels.models import Delivery
from omniline.kernel.ids import new_id
from omniline.messages.normalized import OutboundMessage

CLAIM_LEASE = timedelta(minutes=2)  # a worker that dies mid-send frees its claim after this


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay_seconds: float
    max_delay_seconds: float
    max_attempts: int


def backoff_delay(attempt: int, policy: RetryPolicy, *, jitter: float = 0.1) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based); ±`jitter` spreads a herd."""
    delay = min(policy.max_delay_seconds, policy.base_delay_seconds * 2 ** (attempt - 1))
    return float(delay * (1 + random.uniform(-jitter, jitter)))


def enqueue_delivery(
    session: Session, *, tenant_id: uuid.UUID, message: OutboundMessage, now: datetime
) -> Delivery:
    delivery = Delivery(
        id=new_id(),
        tenant_id=tenant_id,
        channel_id=message.channel_id,
        message_id=message.message_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        payload=message.to_payload(),
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    return delivery


def due_delivery_ids(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Delivery.id).where(_claimable(now)).order_by(Delivery.next_attempt_at).limit(limit)
        )
    )


def claim_delivery(session: Session, delivery_id: uuid.UUID, now: datetime) -> bool:
    """Mark the delivery as being sent by us; False when another worker got it first."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, _claimable(now))
        .values(status="sending", locked_until=now + CLAIM_LEASE, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "sending", Delivery.locked_until < now),
    )


def record_attempt(delivery: Delivery, result: SendResult, policy: RetryPolicy, now: datetime) -> None:
    """Apply one send's outcome: sent, pending again later, or failed for good."""
    delivery.attempts += 1
    delivery.locked_until = None
    delivery.updated_at = now
    if result.ok:
        delivery.status = "sent"
        delivery.sent_at = now
        delivery.last_error = None
        delivery.provider_message_id = result.provider_message_id
        return
    delivery.last_error = (result.error or "unknown error")[:2000]
    if result.retryable and delivery.attempts < policy.max_attempts:
        wait = backoff_delay(delivery.attempts, policy)
        if result.retry_after_seconds is not None:
            wait = max(wait, min(result.retry_after_seconds, policy.max_delay_seconds))
        delivery.status = "pending"
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    else:
        delivery.status = "failed"


def delivery_view(delivery: Delivery) -> dict[str, object]:
    return {
        "id": str(delivery.id),
        "channel_id": str(delivery.channel_id),
        "message_id": str(delivery.message_id) if delivery.message_id else None,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.status == "pending" else None,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at.isoformat(),
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
    }
