"""Cases over the API: read, resolve, reopen, confirm the topic, wrap up."""

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.bootstrap import Container
from omniline.cases.service import change_case_status, get_case, reopen_case_by_hand
from omniline.cases.views import case_view
from omniline.cases.wrapup import confirm_topic, wrap_up_case
from omniline.kernel.events import DomainEvent
from omniline.security.access import Actor
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

PAST_TENSE = {"resolve": "resolved", "reopen": "reopened"}


@router.get("/{case_id}")
def read_case(case_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return case_view(get_case(uow.session, actor.tenant_id, case_id))


@router.post("/{case_id}/resolve")
def resolve_case(case_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    return _change(case_id, "resolve", actor, container)


@router.post("/{case_id}/reopen")
def reopen_case(case_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    return _change(case_id, "reopen", actor, container)


class TopicRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=1, max_length=100)


class WrapUpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str | None = Field(default=None, min_length=1, max_length=100)
    resolution_code: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=2000)
    resolve: bool = False


@router.post("/{case_id}/topic")
def set_topic(
    case_id: uuid.UUID, body: TopicRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Confirm or correct the case's topic (it becomes a training example for the classifier)."""
    with container.uow() as uow:
        case = confirm_topic(
            uow.session, actor=actor, case_id=case_id, topic_code=body.topic, now=container.clock()
        )
        view = case_view(case)
        uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": view, "change": "topic_confirmed"}))
        uow.commit()
        return view


@router.post("/{case_id}/wrap-up")
def wrap_up(
    case_id: uuid.UUID, body: WrapUpRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Finish your work on the case: topic, resolution code, note, and resolve if it is solved."""
    with container.uow() as uow:
        case = wrap_up_case(
            uow,
            actor=actor,
            case_id=case_id,
            topic_code=body.topic,
            resolution_code=body.resolution_code,
            note=body.note.strip() if body.note and body.note.strip() else None,
            resolve=body.resolve,
            now=container.clock(),
        )
        view = case_view(case)
        uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": view, "change": "wrapped_up"}))
        uow.commit()
        return view


def _change(case_id: uuid.UUID, action: str, actor: Actor, container: Container) -> dict[str, Any]:
    with container.uow() as uow:
        now = container.clock()
        if action == "reopen":  # it needs someone's work again
            case = reopen_case_by_hand(
                uow,
                tenant_id=actor.tenant_id,
                case_id=case_id,
                user_id=actor.user_id,
                actor=actor.ref,
                now=now,
            )
        else:
            case = change_case_status(
                uow, tenant_id=actor.tenant_id, case_id=case_id, action=action, actor=actor.ref, now=now
            )
        view = case_view(case)
        uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": view, "change": PAST_TENSE[action]}))
        uow.commit()
        return view
