import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Task(IdMixin, Base):
    """A unit of work for an agent: a callback owed to a customer, or a conversation to answer.
    It waits in a queue (`status` open), is offered to one agent at a time (offered), then belongs to
    that agent (assigned) until wrap-up (done) or it is withdrawn (cancelled)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_queue_status_due", "tenant_id", "status", "due_at"),
        Index("ix_tasks_assigned_status", "assigned_user_id", "status"),
        Index("ix_tasks_case_status", "case_id", "status"),
        Index("ix_tasks_tenant_created", "tenant_id", "created_at"),  # the wallboard's "today"
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(20))  # callback | conversation
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|offered|assigned|done|cancelled
    queue: Mapped[str] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(200))  # e.g. call.abandoned, voicemail, routed, transfer
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversations.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"))
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # What agent choice needs, copied here so a decision reads one row.
    channel_kind: Mapped[str | None] = mapped_column(String(20))  # whose capacity it takes (callbacks: voice)
    language: Mapped[str | None] = mapped_column(String(10))
    skills: Mapped[list[str]] = mapped_column(default=list)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    sticky_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))  # offered first
    enqueued_at: Mapped[datetime | None]  # entered its current queue: waiting time and ageing
    overflowed: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime | None]


class Queue(IdMixin, Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    priority: Mapped[int] = mapped_column(default=0)  # added to each task's own priority
    skills: Mapped[list[str]] = mapped_column(default=list)  # every agent taking its work needs these
    min_skill_level: Mapped[int] = mapped_column(default=1)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))  # only this team, if set
    is_bot: Mapped[bool] = mapped_column(default=False)  # self-service first (served by the bot, later)
    overflow_after_seconds: Mapped[int | None]
    overflow_to: Mapped[str | None] = mapped_column(String(100))  # another queue's name
    overflow_drop_skills: Mapped[bool] = mapped_column(default=False)  # …or the same queue, any skills
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(IdMixin, Base):
    """One offer of a task to one agent, and how it ended: the history of who was asked."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_status_expires", "status", "expires_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # pending | accepted | rejected | expired | withdrawn
    status: Mapped[str] = mapped_column(String(20), default="pending")
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


class RoutingPolicy(IdMixin, Base):
    """A tenant's ordered routing rules (the first that matches decides) and their settings."""

    __tablename__ = "routing_policies"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), unique=True)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. repeat-contact window
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BusinessCalendar(IdMixin, Base):
    """When the tenant's service works: SLA clocks count only these hours."""

    __tablename__ = "business_calendars"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # {"mon": [["09:00", "18:00"]], …, "sun": []}; no key for a day means closed
    hours: Mapped[dict[str, list[list[str]]]] = mapped_column(default=dict)
    holidays: Mapped[list[str]] = mapped_column(default=list)  # ISO dates, closed all day
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlaClock(IdMixin, Base):
    """One SLA target of one case: first response or resolution, counted in business time."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index("ix_sla_clocks_status_warn", "status", "warn_at"),
        Index("ix_sla_clocks_status_due", "status", "due_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # first_response | resolution
    target_seconds: Mapped[int]  # business seconds
    channel_class: Mapped[str] = mapped_column(String(10))  # live | async
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime]  # 80% of the target
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|met|breached|cancelled
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
