"""The inbox: remember each provider message once per (channel, external id).

The receipt is inserted in the same transaction as the message it produces (with the message's id,
made in advance), so a provider retry that arrives while the first delivery is still being processed
waits for it and then finds the receipt and the message.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.channels.models import InboundReceipt
from omniline.db.base import table_of
from omniline.db.bulk import RowsInsert

# A provider's retry finds its (channel, external id) taken and is left out.
_CLAIM = RowsInsert(table_of(InboundReceipt), skip_existing_on=("channel_id", "external_id"))


def claim_receipt(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    external_id: str,
    receipt_id: uuid.UUID,
    message_id: uuid.UUID,
    now: datetime,
) -> bool:
    """True when this (channel, external id) is new; False when it was received before."""
    receipt = Receipt(receipt_id, tenant_id, channel_id, external_id, message_id)
    return bool(claim_receipts(session, [receipt], now=now))


@dataclass(frozen=True, slots=True)
class Receipt:
    id: uuid.UUID
    tenant_id: uuid.UUID
    channel_id: uuid.UUID
    external_id: str
    message_id: uuid.UUID


def claim_receipts(session: Session, receipts: list[Receipt], *, now: datetime) -> set[uuid.UUID]:
    """The ids of the receipts that are new, in one statement; the others were received before. The
    (channel, external id) pairs must differ from one another."""
    if not receipts:
        return set()
    rows = [
        {
            "id": receipt.id,
            "tenant_id": receipt.tenant_id,
            "channel_id": receipt.channel_id,
            "external_id": receipt.external_id,
            "message_id": receipt.message_id,
            "received_at": now,
        }
        for receipt in receipts
    ]
    return _CLAIM.insert_new(session.connection(), rows)


def previous_message_id(session: Session, channel_id: uuid.UUID, external_id: str) -> uuid.UUID | None:
    return session.scalar(
        select(InboundReceipt.message_id).where(
            InboundReceipt.channel_id == channel_id, InboundReceipt.external_id == external_id
        )
    )
