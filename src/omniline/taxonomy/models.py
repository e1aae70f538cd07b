import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow


class Topic(IdMixin, Base):
    """A node of the tenant's problem taxonomy. Everything routing and SLA need to know about a kind of
    problem lives here, so a change in the taxonomy file changes behaviour on every channel at once."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("topics.id"))
    code: Mapped[str] = mapped_column(String(100))  # dotted, e.g. billing.double_charge
    name: Mapped[str] = mapped_column(String(200))  # English name (the fallback)
    names: Mapped[dict[str, str]] = mapped_column(default=dict)  # {"en": …, "ru": …, "zh": …}
    risk: Mapped[str] = mapped_column(String(10), default="low")  # low | medium | high
    complexity: Mapped[str] = mapped_column(String(10), default="standard")  # simple|standard|complex
    self_service: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(default=list)  # e.g. ["complaint"], ["financial"]
    skills: Mapped[list[str]] = mapped_column(default=list)  # skills an agent needs for it
    # {"live": {"first_response": seconds, "resolution": seconds}, "async": {...}}
    sla: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"keywords": {"en": [...], "ru": [...], "zh": [...]}, "patterns": ["regex", ...]}
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)  # order among siblings
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TopicExample(IdMixin, Base):
    """A labelled text for the classifier: written when an agent confirms or corrects a case's topic
    (the text is copied, so later edits or erasure of messages do not silently change the training set)."""

    __tablename__ = "topic_examples"
    __table_args__ = (Index("ix_topic_examples_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    topic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("topics.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # confirmed | corrected | imported
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassifierModel(IdMixin, Base):
    """A trained topic model for one tenant; the newest row is the one in use."""

    __tablename__ = "classifier_models"
    __table_args__ = (Index("ix_classifier_models_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    blob: Mapped[bytes] = mapped_column(LargeBinary)  # the fitted model's arrays (taxonomy/model.py)
    topic_codes: Mapped[list[str]] = mapped_column(default=list)
    samples: Mapped[int] = mapped_column(default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)  # held-out scores when trained
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
