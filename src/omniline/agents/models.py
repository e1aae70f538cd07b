import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Team(IdMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentProfile(IdMixin, Base):
    """What routing knows about a user who handles work. One per user; created on first use."""

    __tablename__ = "agent_profiles"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    skills: Mapped[dict[str, int]] = mapped_column(default=dict)  # {"billing": 3} levels 1..5
    languages: Mapped[list[str]] = mapped_column(default=list)  # ["ru", "en"]
    # channel kind → how many at once, e.g. {"voice": 1, "webchat": 3, "email": 5}; absent = not taken
    capacity: Mapped[dict[str, int]] = mapped_column(default=dict)
    # offline | available | busy | wrap_up | paused
    presence: Mapped[str] = mapped_column(String(20), default="offline")
    presence_reason: Mapped[str | None] = mapped_column(String(100))  # why paused (lunch, training, …)
    presence_since: Mapped[datetime] = mapped_column(default=utcnow)
    idle_since: Mapped[datetime | None]  # when the agent last had no work: longest idle is offered first
    missed_offers: Mapped[int] = mapped_column(default=0)  # in a row; two pause the agent
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
