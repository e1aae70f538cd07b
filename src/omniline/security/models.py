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


class WebSession(IdMixin, Base):
    """A browser's login: the cookie holds a random token, only its hash is kept here."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the cookie's token
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # sent back in forms and X-CSRF-Token
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # the absolute end, whatever the activity
    ended_at: Mapped[datetime | None]  # logout, or the user was disabled
    user_agent: Mapped[str | None] = mapped_column(String(300))


class SignInFailure(IdMixin, Base):
    """One wrong password for an e-mail (known or not), kept while it counts (see accounts/sign_in.py)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_key", "email_key", "failed_at"),)

    email_key: Mapped[str] = mapped_column(String(64))  # sha256 hex of the folded e-mail, not the e-mail
    failed_at: Mapped[datetime]
