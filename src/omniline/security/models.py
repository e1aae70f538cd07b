import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class AuditEntry(IdMixin, Base):
    """Who did what to which record, and when: every state change by a person or a bot."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "tenant_id", "subject_type", "subject_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    actor: Mapped[str] = mapped_column(String(200))  # "user:<id>", "system:pipeline", "cli"
    action: Mapped[str] = mapped_column(String(100))  # dotted, e.g. "customer.merged"
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
