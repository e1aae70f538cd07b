"""Work over the API: answer offers, transfer tasks, manage queues, and the wallboard's live figures."""

import uuid
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from omniline.routing.dispatch import offer_view, waited_seconds
from omniline.routing.handoff import transfer_task
from omniline.routing.offers import accept_offer, list_pending_offers, reject_offer
from omniline.routing.queues import (
    create_queue,
    list_queues,
    queue_figures,
    queue_view,
    team_names,
    update_queue,
)
from omniline.routing.service import task_view
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1", tags=["routing"])


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: str | None = Field(default=None, min_length=1, max_length=100)
    team: str | None = Field(default=None, min_length=1, max_length=100)
    agent: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=2000)


class QueueFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=500)
    priority: int = Field(default=0, ge=-100, le=100)
    skills: list[str] = Field(default_factory=list, max_length=20)
    min_skill_level: int = Field(default=1, ge=1, le=5)
    team: str | None = Field(default=None, max_length=100)
    is_bot: bool = False
    overflow_after_seconds: int | None = Field(default=None, ge=1, le=7 * 24 * 3600)
    overflow_to: str | None = Field(default=None, max_length=100)
    overflow_drop_skills: bool = False


class QueueRequest(QueueFields):
    name: str = Field(min_length=1, max_length=100)


@router.get("/offers")
def get_offers(actor: ActorDep, container: ContainerDep, mine: bool = Query(default=True)) -> dict[str, Any]:
    """Your pending offers (`?mine=false`: everyone's, for supervisors), oldest first."""
    if not mine:
        actor.require("supervisor")
    now = container.clock()
    with container.uow() as uow:
        rows = list_pending_offers(uow.session, actor.tenant_id, actor.user_id if mine else None)
        return {
            "items": [
                offer_view(offer) | {"task": task_view(task) | {"waited_seconds": waited_seconds(task, now)}}
                for offer, task in rows
            ]
        }


@router.post("/offers/{offer_id}/accept")
def accept(offer_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Take the offered task; 409 when the offer expired or was answered, 404 when it is not yours."""
    with container.uow() as uow:
        task = accept_offer(uow, actor=actor, offer_id=offer_id, now=container.clock())
        view = task_view(task)
        uow.commit()
        return view


@router.post("/offers/{offer_id}/reject")
def reject(offer_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Refuse the offered task: it goes to the next agent. Two misses in a row pause you."""
    with container.uow() as uow:
        task = reject_offer(uow, actor=actor, offer_id=offer_id, now=container.clock())
        view = task_view(task)
        uow.commit()
        return view


@router.post("/tasks/{task_id}/transfer")
def transfer(
    task_id: uuid.UUID, body: TransferRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Hand the task to one of a queue, a team or an agent (user id), with an optional note."""
    note = body.note.strip() if body.note and body.note.strip() else None
    with container.uow() as uow:
        task = transfer_task(
            uow,
            actor=actor,
            task_id=task_id,
            to_queue=body.queue,
            to_team=body.team,
            to_agent=body.agent,
            note=note,
            now=container.clock(),
        )
        view = task_view(task)
        uow.commit()
        return view


@router.get("/queues")
def get_queues(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        teams = team_names(uow.session, actor.tenant_id)
        return {"items": [queue_view(queue, teams) for queue in list_queues(uow.session, actor.tenant_id)]}


@router.post("/queues", status_code=201)
def post_queue(body: QueueRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require("admin")
    with container.uow() as uow:
        queue = create_queue(
            uow.session,
            actor=actor.ref,
            tenant_id=actor.tenant_id,
            name=body.name,
            fields=body.model_dump(exclude={"name"}),
        )
        uow.commit()
        return queue_view(queue, team_names(uow.session, actor.tenant_id))


@router.patch("/queues/{name}")
def patch_queue(name: str, body: QueueFields, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Change the fields sent (null clears team, overflow_to and overflow_after_seconds)."""
    actor.require("admin")
    with container.uow() as uow:
        queue = update_queue(
            uow.session,
            actor=actor.ref,
            tenant_id=actor.tenant_id,
            name=name,
            fields=body.model_dump(exclude_unset=True),
        )
        uow.commit()
        return queue_view(queue, team_names(uow.session, actor.tenant_id))


@router.get("/supervisor/queues")
def supervisor_queues(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Live figures per queue (waiting, longest wait in seconds, offered, assigned) and agents per state."""
    actor.require("supervisor")
    with container.uow() as uow:
        return queue_figures(uow.session, actor.tenant_id, container.clock())
