"""The queries routing needs about agents: what they hold now, and who may be offered work."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, Uuid, and_, bindparam, func, select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import AgentProfile
from omniline.db.base import table_of
from omniline.routing.models import Offer, Task

# A task counts against an agent's capacity from the moment it is offered to them until it is closed.
HELD_STATUSES = ("offered", "assigned")
DEFAULT_CHANNEL_KIND = "api"


def current_loads(
    session: Session,
    tenant_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID] | None = None,
    *,
    statuses: Sequence[str] = HELD_STATUSES,
) -> dict[uuid.UUID, dict[str, int]]:
    """{user id: {channel kind: tasks offered to or assigned to them}} in one grouped query. An offered
    task's agent is its pending offer's; an assigned task's is `assigned_user_id`. `user_ids` narrows
    the answer to those agents, `statuses` to assigned work only."""
    holder = func.coalesce(Task.assigned_user_id, Offer.user_id)
    query = (
        select(holder, Task.channel_kind, func.count())
        .select_from(Task)
        .outerjoin(Offer, and_(Offer.task_id == Task.id, Offer.status == "pending"))
        .where(Task.tenant_id == tenant_id, Task.status.in_(list(statuses)))
        .group_by(holder, Task.channel_kind)
    )
    if user_ids is not None:
        query = query.where(holder.in_(list(user_ids)))
    loads: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for user_id, kind, count in session.execute(query):
        if user_id is not None:
            loads[user_id][kind or DEFAULT_CHANNEL_KIND] = int(count)
    return dict(loads)


def load_of(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, int]:
    """The work assigned to one agent, per channel kind: what presence follows (busy when it fills the
    capacity, idle when there is none). Pending offers count only for routing's capacity."""
    return current_loads(session, tenant_id, [user_id], statuses=("assigned",)).get(user_id, {})


def anyone_available(session: Session, tenant_id: uuid.UUID) -> bool:
    """Whether any active user of the tenant is available, by one light statement (no objects): most
    dispatches after a message find nobody free, and then need not load and lock profiles."""
    session.flush()  # a presence this unit of work just changed counts
    return session.connection().execute(_ANYONE_AVAILABLE, {"tenant_id": tenant_id}).first() is not None


ON_DUTY = ("available", "busy", "wrap_up")  # presences of an agent at work: not offline, not paused


def anyone_on_duty(session: Session, tenant_id: uuid.UUID) -> bool:
    """Whether any active user of the tenant is at work by their presence (available, busy or wrapping
    up), whichever app process holds their desk's live feed."""
    return session.connection().execute(_ANYONE_ON_DUTY, {"tenant_id": tenant_id}).first() is not None


def available_profiles(session: Session, tenant_id: uuid.UUID) -> list[AgentProfile]:
    """Available agents of active users, locked so that another routing process (PostgreSQL) skips
    them instead of offering them work at the same time; SQLite has one writer anyway."""
    query = (
        select(AgentProfile)
        .join(User, User.id == AgentProfile.user_id)
        .where(
            AgentProfile.tenant_id == tenant_id,
            AgentProfile.presence == "available",
            User.is_active.is_(True),
        )
        .with_for_update(skip_locked=True, of=AgentProfile)
    )
    return list(session.scalars(query))


def lock_profile(session: Session, user_id: uuid.UUID) -> AgentProfile | None:
    """The agent's profile, locked for this transaction (waiting for another writer, not skipping)."""
    return session.scalars(
        select(AgentProfile).where(AgentProfile.user_id == user_id).with_for_update()
    ).first()


def profiles_by_user(session: Session, tenant_id: uuid.UUID) -> dict[uuid.UUID, AgentProfile]:
    rows = session.scalars(select(AgentProfile).where(AgentProfile.tenant_id == tenant_id))
    return {profile.user_id: profile for profile in rows}


def agent_users(session: Session, tenant_id: uuid.UUID) -> list[User]:
    """Everyone who handles work: active users with the agent role, and any other user who has an
    agent profile (a supervisor who takes work)."""
    with_profile = select(AgentProfile.user_id).where(AgentProfile.tenant_id == tenant_id)
    query = (
        select(User)
        .where(
            User.tenant_id == tenant_id,
            User.is_active.is_(True),
            (User.role == "agent") | User.id.in_(with_profile),
        )
        .order_by(User.email)
    )
    return list(session.scalars(query))


_PROFILES = table_of(AgentProfile)
_USERS = table_of(User)


def _any_agent(presence: ColumnElement[bool]) -> Select[tuple[uuid.UUID]]:
    """One active user of the tenant whose profile meets `presence`, if any (the light form of a
    question most callers ask where the answer is usually no)."""
    return (
        select(_PROFILES.c.user_id)
        .join(_USERS, _USERS.c.id == _PROFILES.c.user_id)
        .where(
            _PROFILES.c.tenant_id == bindparam("tenant_id", type_=Uuid()),
            presence,
            _USERS.c.is_active.is_(True),
        )
        .limit(1)
    )


_ANYONE_AVAILABLE = _any_agent(_PROFILES.c.presence == "available")
_ANYONE_ON_DUTY = _any_agent(_PROFILES.c.presence.in_(ON_DUTY))
