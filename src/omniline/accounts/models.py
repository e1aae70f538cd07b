import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.db.base import Base, IdMixin
from omniline.kernel.clock import utcnow

ROLES = ("admin", "supervisor", "agent")


class Tenant(IdMixin, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_region: Mapped[str] = mapped_column(String(2), default="RU")  # for phones without +code
    case_counter: Mapped[int] = mapped_column(default=0)  # last human case number handed out
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(IdMixin, Base):
    __tablename__ = "users"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # the pages' language (en/ru/zh); None: the browser's
    language: Mapped[str | None] = mapped_column(String(8))
    # Carried by every access token; raised when the password is set or the user disabled, which
    # makes the tokens issued before worthless (accounts/service.py update_user).
    token_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
