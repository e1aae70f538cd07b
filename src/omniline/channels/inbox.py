"""The inbox: remember each provider message once per (channel, external id).

The receipt is inserted in the same transaction as the message it produces, so a provider retry that
arrives while the first delivery is still being processed waits for it and then finds the receipt.
"""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniline.channels.models import InboundReceipt
from omniline.kernel.ids import new_id


def claim_receipt(
    session: Session, *, tenant_id: uuid.UUID, channel_id: uuid.UUID, external_id: str, now: datetime
) -> uuid.UUID | None:
    """The new receipt's id, or None when this (channel, external id) was already received."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    receipt_id = new_id()
    inserted = session.execute(
        insert(InboundReceipt)
        .values(
            id=receipt_id,
            tenant_id=tenant_id,
            channel_id=channel_id,
            external_id=external_id,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "external_id"])
        .returning(InboundReceipt.id)
    ).scalar_one_or_none()
    return inserted


def previous_message_id(session: Session, channel_id: uuid.UUID, external_id: str) -> uuid.UUID | None:
    return session.scalar(
        select(InboundReceipt.message_id).where(
            InboundReceipt.channel_id == channel_id, InboundReceipt.external_id == external_id
        )
    )


def settle_receipt(session: Session, receipt_id: uuid.UUID, message_id: uuid.UUID) -> None:
    session.execute(
        update(InboundReceipt).where(InboundReceipt.id == receipt_id).values(message_id=message_id),
        execution_options={"synchronize_session": False},
    )
