"""Agent use cases: profiles (skills, languages, capacity, team), presence changes, teams.

Presence changes are decided by `agents.presence` (pure); this module loads, applies, audits and emits
`agent.presence`. Offering work to an agent who became available is routing's job: the edge calls
`routing.dispatch.dispatch` in the same transaction.
"""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import AgentProfile, Team
from omniline.agents.presence import Presence, Setter, change_presence
from omniline.agents.repository import agent_users, current_loads, load_of, profiles_by_user
from omniline.channels.registry import CHANNEL_KINDS
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit

MAX_SKILL_LEVEL = 5
MAX_CAPACITY = 50
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def get_or_create_profile(session: Session, user: User) -> AgentProfile:
    """The user's agent profile; a new one (offline, no skills, no capacity) on first use."""
    profile = session.scalars(select(AgentProfile).where(AgentProfile.user_id == user.id)).first()
    if profile is None:
        profile = AgentProfile(
            id=new_id(),
            tenant_id=user.tenant_id,
            user_id=user.id,
            skills={},
            languages=[],
            capacity={},
            presence="offline",
            missed_offers=0,
            data={},
        )
        session.add(profile)
        session.flush()
    return profile


def get_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id or not user.is_active:
        raise NotFound(f"user {user_id} not found")
    return user


def list_agents(session: Session, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every agent with presence, skills, capacity, team and current load (three queries in all)."""
    profiles = profiles_by_user(session, tenant_id)
    loads = current_loads(session, tenant_id)
    teams = {team.id: team.name for team in list_teams(session, tenant_id)}
    return [
        agent_view(user, profiles.get(user.id), loads.get(user.id, {}), teams)
        for user in agent_users(session, tenant_id)
    ]


def read_agent(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, Any]:
    user = get_user(session, tenant_id, user_id)
    profile = session.scalars(select(AgentProfile).where(AgentProfile.user_id == user.id)).first()
    teams = {team.id: team.name for team in list_teams(session, tenant_id)}
    load = current_loads(session, tenant_id, [user.id]).get(user.id, {})
    return agent_view(user, profile, load, teams)


def update_agent(
    session: Session,
    *,
    actor: str,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    changes: dict[str, Any],
) -> AgentProfile:
    """Apply `changes` (any of skills, languages, capacity, team) after validating all of them;
    InvalidInput names the first bad value and nothing is changed."""
    user = get_user(session, tenant_id, user_id)
    values: dict[str, Any] = {}
    if "skills" in changes:
        values["skills"] = _checked_skills(changes["skills"])
    if "languages" in changes:
        values["languages"] = _checked_languages(changes["languages"])
    if "capacity" in changes:
        values["capacity"] = _checked_capacity(changes["capacity"])
    if "team" in changes:
        values["team_id"] = (
            None if changes["team"] is None else find_team(session, tenant_id, changes["team"]).id
        )
    profile = get_or_create_profile(session, user)
    for name, value in values.items():
        setattr(profile, name, value)
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="agent.updated",
        subject_type="user",
        subject_id=user.id,
        data={key: str(value) if isinstance(value, uuid.UUID) else value for key, value in values.items()},
    )
    return profile


def set_presence(
    uow: UnitOfWork,
    *,
    actor: str,
    by: Setter,
    profile: AgentProfile,
    state: str,
    reason: str | None,
    now: datetime,
) -> bool:
    """Move the agent to `state` (see `agents.presence` for who may); audit row and `agent.presence`
    event when it changed. Returns whether anything changed."""
    has_work = bool(load_of(uow.session, profile.tenant_id, profile.user_id))
    before = presence_of(profile)
    after = change_presence(before, state, by=by, reason=reason, has_work=has_work, now=now)
    if after == before:
        return False
    apply_presence(uow, profile, after)
    if after.state == "available":
        profile.missed_offers = 0  # back at the desk: the count of misses in a row starts again
    record_audit(
        uow.session,
        tenant_id=profile.tenant_id,
        actor=actor,
        action="agent.presence_changed",
        subject_type="user",
        subject_id=profile.user_id,
        data={"from": before.state, "to": after.state, "reason": after.reason},
    )
    return True


def presence_of(profile: AgentProfile) -> Presence:
    return Presence(profile.presence, profile.presence_reason, profile.presence_since, profile.idle_since)


def apply_presence(uow: UnitOfWork, profile: AgentProfile, presence: Presence) -> None:
    """Store a presence decided elsewhere and tell the desks and wallboards (no audit: callers decide)."""
    changed_state = presence.state != profile.presence or presence.reason != profile.presence_reason
    profile.presence = presence.state
    profile.presence_reason = presence.reason
    profile.presence_since = presence.since
    profile.idle_since = presence.idle_since
    if changed_state:
        uow.emit(DomainEvent("agent.presence", profile.tenant_id, presence_view(profile)))


def presence_view(profile: AgentProfile) -> dict[str, Any]:
    return {
        "user_id": str(profile.user_id),
        "presence": profile.presence,
        "reason": profile.presence_reason,
        "since": profile.presence_since.isoformat(),
    }


def agent_view(
    user: User, profile: AgentProfile | None, load: dict[str, int], teams: dict[uuid.UUID, str]
) -> dict[str, Any]:
    return {
        "user_id": str(user.id),
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "presence": profile.presence if profile else "offline",
        "reason": profile.presence_reason if profile else None,
        "since": profile.presence_since.isoformat() if profile else None,
        "idle_since": profile.idle_since.isoformat() if profile and profile.idle_since else None,
        "skills": dict(profile.skills) if profile else {},
        "languages": list(profile.languages) if profile else [],
        "capacity": dict(profile.capacity) if profile else {},
        "team": teams.get(profile.team_id) if profile and profile.team_id else None,
        "load": dict(sorted(load.items())),
        "missed_offers": profile.missed_offers if profile else 0,
    }


def list_teams(session: Session, tenant_id: uuid.UUID) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.tenant_id == tenant_id).order_by(Team.name)))


def find_team(session: Session, tenant_id: uuid.UUID, name: str) -> Team:
    """The team called `name`; InvalidInput when there is none (it is a value the client sent)."""
    team = session.scalars(select(Team).where(Team.tenant_id == tenant_id, Team.name == name)).first()
    if team is None:
        raise InvalidInput(f"there is no team {name!r}")
    return team


def create_team(session: Session, *, actor: str, tenant_id: uuid.UUID, name: str) -> Team:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a team name is 1 to 100 characters")
    if session.scalars(select(Team.id).where(Team.tenant_id == tenant_id, Team.name == name)).first():
        raise Conflict(f"team {name!r} already exists")
    team = Team(id=new_id(), tenant_id=tenant_id, name=name)
    session.add(team)
    record_audit(
        session,
        actor=actor,
        tenant_id=tenant_id,
        action="team.created",
        subject_type="team",
        subject_id=team.id,
        data={"name": name},
    )
    return team


def team_view(team: Team) -> dict[str, Any]:
    return {"id": str(team.id), "name": team.name, "created_at": team.created_at.isoformat()}


def _checked_skills(skills: Any) -> dict[str, int]:
    if not isinstance(skills, dict):
        raise InvalidInput("skills is an object of skill name → level 1..5")
    checked: dict[str, int] = {}
    for name, level in skills.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise InvalidInput("a skill name is 1 to 50 characters")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= MAX_SKILL_LEVEL:
            raise InvalidInput(f"skill {name!r}: the level is a whole number from 1 to {MAX_SKILL_LEVEL}")
        checked[name.strip()] = level
    return checked


def _checked_languages(languages: Any) -> list[str]:
    if not isinstance(languages, list) or not all(isinstance(item, str) for item in languages):
        raise InvalidInput('languages is a list of language codes, e.g. ["ru", "zh"]')
    checked = [item.strip().lower() for item in languages]
    for code in checked:
        if not _LANGUAGE.match(code):
            raise InvalidInput(f"{code!r} is not a language code (e.g. en, ru, zh)")
    return sorted(set(checked))


def _checked_capacity(capacity: Any) -> dict[str, int]:
    if not isinstance(capacity, dict):
        raise InvalidInput("capacity is an object of channel kind → how many at once")
    for kind, count in capacity.items():
        if kind not in CHANNEL_KINDS:
            raise InvalidInput(f"unknown channel kind {kind!r}; kinds: {', '.join(CHANNEL_KINDS)}")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_CAPACITY:
            raise InvalidInput(f"capacity for {kind}: a whole number from 0 to {MAX_CAPACITY}")
    return dict(capacity)
