import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class TimelineEvent(IdMixin, Base):
    """One entry of a customer's timeline. Rows are only inserted; a merge re-points customer_id."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_customer_id", "customer_id", "id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    type: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("channels.id"))
    channel_kind: Mapped[str | None] = mapped_column(String(20))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"))
    actor: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
