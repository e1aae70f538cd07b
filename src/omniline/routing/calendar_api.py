"""The tenant's business-hours calendar, and a case's SLA clocks, over the API."""

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.cases.service import get_case
from omniline.routing.sla_service import case_sla, forget_business_hours, load_business_hours, save_calendar
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(tags=["sla"])


class CalendarDocument(BaseModel):
    """Shape only; the rules (known zone, HH:MM times, no overlaps, real dates) are the calendar's."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(default="UTC", max_length=64)
    hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    holidays: list[str] = Field(default_factory=list, max_length=2000)


@router.get("/api/v1/calendar")
def read_calendar(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """The calendar SLA clocks count in; 24/7 UTC until an admin sets one."""
    with container.uow() as uow:
        return load_business_hours(uow.session, actor.tenant_id).to_document()


@router.put("/api/v1/calendar")
def replace_calendar(body: CalendarDocument, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Admins only. 422 `invalid_calendar` naming every problem, and nothing stored, for a bad one."""
    actor.require("admin")
    with container.uow() as uow:
        hours = save_calendar(
            uow.session,
            tenant_id=actor.tenant_id,
            actor=actor.ref,
            document=body.model_dump(),
            now=container.clock(),
        )
        uow.commit()
    forget_business_hours(actor.tenant_id)
    return hours.to_document()


@router.get("/api/v1/cases/{case_id}/sla")
def read_case_sla(case_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """The case's clocks, oldest first, with business seconds remaining for those still running."""
    with container.uow() as uow:
        case = get_case(uow.session, actor.tenant_id, case_id)
        return {"case_id": str(case.id), "items": case_sla(uow.session, case.id, now=container.clock())}
