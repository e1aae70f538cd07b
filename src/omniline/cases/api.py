"""Cases over the API: read, resolve, reopen."""

import uuid
from typing import Any

from fastapi import APIRouter

from omniline.bootstrap import Container
from omniline.cases.service import change_case_status, get_case
from omniline.cases.views import case_view
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


def _change(case_id: uuid.UUID, action: str, actor: Actor, container: Container) -> dict[str, Any]:
    with container.uow() as uow:
        case = change_case_status(
            uow.session,
            tenant_id=actor.tenant_id,
            case_id=case_id,
            action=action,
            actor=actor.ref,
            now=container.clock(),
        )
        view = case_view(case)
        uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": view, "change": PAST_TENSE[action]}))
        uow.commit()
        return view
