"""Who saved the routing policy last, and when: the row says `user:<id>` (or `cli`, `demo`); people
read a name."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.routing.models import RoutingPolicy


def policy_meta(session: Session, tenant_id: uuid.UUID) -> dict[str, Any] | None:
    """{"version", "updated_by", "updated_at"} of the saved policy; None while the default is in force."""
    row = session.scalar(select(RoutingPolicy).where(RoutingPolicy.tenant_id == tenant_id))
    if row is None:
        return None
    return {
        "version": row.version,
        "updated_by": _who(session, tenant_id, row.updated_by),
        "updated_at": row.updated_at,
    }


def _who(session: Session, tenant_id: uuid.UUID, actor: str) -> str:
    kind, _, ident = actor.partition(":")
    if kind == "user":
        try:
            user = session.get(User, uuid.UUID(ident))
        except ValueError:
            user = None
        if user is not None and user.tenant_id == tenant_id:
            return user.name
    return actor
