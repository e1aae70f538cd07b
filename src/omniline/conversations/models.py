import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Conversation(IdMixin, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_customer_channel", "customer_id", "channel_id", "last_message_at"),
        Index("ix_conversations_thread", "channel_id", "thread_key"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))  # the case it serves now
    identity_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identities.id"))  # reply address
    thread_key: Mapped[str | None] = mapped_column(String(300))  # the provider's thread, if it has one
    status: Mapped[str] = mapped_column(String(20), default="open")
    subject: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
