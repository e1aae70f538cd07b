import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow
from omniline.security.sealing import SealedJSON, SealedString


class Channel(IdMixin, Base):
    """A configured account of one channel kind (a mailbox, a bot, an app integration, an office)."""

    __tablename__ = "channels"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # Provider credentials in it are sealed in the database (security/sealing.py).
    config: Mapped[dict[str, Any]] = mapped_column(SealedJSON(), default=dict)
    # HMAC verification needs the key itself, so it is sealed, not hashed; shown to people only once.
    secret: Mapped[str] = mapped_column(SealedString())
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundReceipt(IdMixin, Base):
    """The inbox: each provider message is stored once per (channel, external id) before processing."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(IdMixin, Base):
    """The outbox: one outbound send, retried with backoff until sent or failed."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provider_message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(30))  # e.g. delivered, undelivered, read
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class ChannelOptOut(IdMixin, Base):
    """An address that asked not to be messaged on this channel (SMS STOP), until it opts in again."""

    __tablename__ = "channel_opt_outs"
    __table_args__ = (UniqueConstraint("channel_id", "address"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    address: Mapped[str] = mapped_column(String(320))
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)
