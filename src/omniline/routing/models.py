import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Task(IdMixin, Base):
    """A unit of work for an agent: a callback owed to a customer, or a conversation to answer."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_queue_status_due", "tenant_id", "status", "due_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(20))  # callback | conversation
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|offered|assigned|done|cancelled
    queue: Mapped[str] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(200))  # e.g. call.abandoned, voicemail, selfservice.failed
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversations.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"))
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
