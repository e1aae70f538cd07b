import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Case(IdMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_cases_customer_status", "customer_id", "status"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    number: Mapped[int]  # human reference, e.g. C-1042, per tenant
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    topic_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("topics.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|pending|resolved
    subject: Mapped[str | None] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Classification: where the topic came from, and whether a person confirmed it.
    topic_source: Mapped[str | None] = mapped_column(String(20))  # rules | model | agent
    topic_confidence: Mapped[float | None]
    topic_confirmed: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(10))
    sentiment: Mapped[str | None] = mapped_column(String(10))  # negative | neutral | positive
    urgency: Mapped[str | None] = mapped_column(String(10))  # normal | high
    # Routing: the last decision (rule, reasons, action) and where the work is now.
    repeat_contact: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=0)
    queue: Mapped[str | None] = mapped_column(String(100))
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    routing: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_response_at: Mapped[datetime | None]
    resolution_code: Mapped[str | None] = mapped_column(String(50))
    wrapped_up_at: Mapped[datetime | None]
