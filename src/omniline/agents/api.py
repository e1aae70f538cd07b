"""Agents and teams over the API: who handles work (skills, languages, capacity, team, load) and their
presence. An agent becoming available is offered waiting work in the same transaction."""

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.agents.service import (
    create_team,
    get_or_create_profile,
    get_user,
    list_agents,
    list_teams,
    read_agent,
    set_presence,
    team_view,
    update_agent,
)
from omniline.bootstrap import Container
from omniline.routing.dispatch import dispatch, withdraw_offers
from omniline.security.access import Actor
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1", tags=["agents"])


class AgentChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: dict[str, int] | None = None
    languages: list[str] | None = Field(default=None, max_length=20)
    capacity: dict[str, int] | None = None
    team: str | None = Field(default=None, max_length=100)


class PresenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=200)


class TeamRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)


@router.get("/agents")
def get_agents(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Every agent with presence, skills, languages, capacity, team and load per channel kind."""
    actor.require("supervisor")
    with container.uow() as uow:
        return {"items": list_agents(uow.session, actor.tenant_id)}


@router.get("/agents/me")
def get_me(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return read_agent(uow.session, actor.tenant_id, actor.user_id)


@router.patch("/agents/{user_id}")
def patch_agent(
    user_id: uuid.UUID, body: AgentChanges, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Change an agent's skills {name: 1..5}, languages, capacity {channel kind: n} or team (by name,
    null for none). Only the fields sent change."""
    actor.require("supervisor")
    with container.uow() as uow:
        update_agent(
            uow.session,
            actor=actor.ref,
            tenant_id=actor.tenant_id,
            user_id=user_id,
            changes=body.model_dump(exclude_unset=True),
        )
        uow.commit()
        return read_agent(uow.session, actor.tenant_id, user_id)


@router.put("/agents/me/presence")
def put_my_presence(body: PresenceRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Set your presence: available, paused (with a reason) or offline."""
    return _change_presence(container, actor, actor.user_id, body, by="agent")


@router.put("/agents/{user_id}/presence")
def put_presence(
    user_id: uuid.UUID, body: PresenceRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """A supervisor sets an agent's presence."""
    if user_id != actor.user_id:
        actor.require("supervisor")
    return _change_presence(container, actor, user_id, body, by="supervisor")


@router.get("/teams")
def get_teams(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return {"items": [team_view(team) for team in list_teams(uow.session, actor.tenant_id)]}


@router.post("/teams", status_code=201)
def post_team(body: TeamRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require("supervisor")
    with container.uow() as uow:
        team = create_team(uow.session, actor=actor.ref, tenant_id=actor.tenant_id, name=body.name)
        uow.commit()
        return team_view(team)


def _change_presence(
    container: Container, actor: Actor, user_id: uuid.UUID, body: PresenceRequest, *, by: str
) -> dict[str, Any]:
    now = container.clock()
    with container.uow() as uow:
        profile = get_or_create_profile(uow.session, get_user(uow.session, actor.tenant_id, user_id))
        changed = set_presence(
            uow,
            actor=actor.ref,
            by="supervisor" if by == "supervisor" else "agent",
            profile=profile,
            state=body.state,
            reason=body.reason,
            now=now,
        )
        # An agent who stepped away answers no offers: their pending ones go to someone else.
        withdrawn = withdraw_offers(uow, user_id, now) if profile.presence in ("paused", "offline") else []
        if (changed and profile.presence == "available") or withdrawn:
            dispatch(uow, actor.tenant_id, now=now)
        uow.commit()
        return read_agent(uow.session, actor.tenant_id, user_id)
