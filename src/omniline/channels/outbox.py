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
from omniline.messages.models import Message
from omniline.messages.normalized import OutboundMessage
from omniline.timeline.service import record_event

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


def find_delivery_by_provider_id(
    session: Session, channel_id: uuid.UUID, provider_message_id: str
) -> Delivery | None:
    return session.scalars(
        select(Delivery).where(
            Delivery.channel_id == channel_id, Delivery.provider_message_id == provider_message_id
        )
    ).first()


def apply_provider_report(
    delivery: Delivery, *, outcome: str, provider_status: str, error: str | None, now: datetime
) -> bool:
    """A provider's later word on a send (delivered, or failed after all: a bounce, an undeliverable
    SMS). Returns True when the delivery became failed by it."""
    # Providers' reports can arrive out of order: a late "sent" must not hide an earlier "delivered".
    if not (outcome == "sent" and delivery.provider_status == "delivered"):
        delivery.provider_status = provider_status[:30]
    delivery.updated_at = now
    if outcome == "failed" and delivery.status != "failed":
        delivery.status = "failed"
        delivery.last_error = (error or f"the provider reported {provider_status}")[:2000]
        return True
    return False


def record_delivery_failure(session: Session, delivery: Delivery) -> None:
    """Put the failure on the customer's timeline, next to the message that did not arrive."""
    message = session.get(Message, delivery.message_id) if delivery.message_id else None
    if message is None:
        return
    record_event(
        session,
        tenant_id=delivery.tenant_id,
        customer_id=message.customer_id,
        type="message.delivery_failed",
        at=delivery.updated_at,
        channel_id=message.channel_id,
        channel_kind=message.channel_kind,
        conversation_id=message.conversation_id,
        case_id=message.case_id,
        message_id=message.id,
        actor="system:outbox",
        data={"delivery_id": str(delivery.id), "attempts": delivery.attempts, "error": delivery.last_error},
    )
