import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Message(IdMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_channel_external", "channel_id", "external_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    channel_kind: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    sender_identity: Mapped[str] = mapped_column(String(340))  # "KIND:ADDRESS"
    sender_name: Mapped[str | None] = mapped_column(String(200))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(500))
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    external_id: Mapped[str | None] = mapped_column(String(300))
    # A call event ("call.started", "voicemail", …) or a visit; None for an ordinary utterance.
    event: Mapped[str | None] = mapped_column(String(50))
    # Channel extras the timeline shows: call duration, recording URL, post URL, "public", "auto_generated".
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
