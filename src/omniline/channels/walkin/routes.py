"""`POST /api/v1/visits`: branch staff record a customer's visit (the use case is in service.py).

The customer is found by any identity (phone, e-mail, document number, …) or created; the visit
becomes a message with event "visit" on the branch's walkin channel, goes through the same pipeline
as every other channel (so it joins the customer's open case or opens one); `topic_code` becomes the
case's confirmed topic, and an outcome of "resolved" resolves that case.
"""

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from omniline.channels.walkin.service import Visit, record_visit
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])


class VisitCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identities: list[str] = Field(
        min_length=1, max_length=10, description='e.g. ["phone:+7…", "document:4510…"]'
    )
    name: str | None = Field(default=None, max_length=200)


class VisitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: uuid.UUID = Field(description="the branch: a walkin channel")
    customer: VisitCustomer
    summary: str = Field(
        min_length=1, max_length=5000, description="what the customer wanted and what was done"
    )
    outcome: Literal["resolved", "open", "follow_up"]
    topic_code: str | None = Field(default=None, max_length=100)
    visited_at: AwareDatetime | None = None
    visit_id: str | None = Field(default=None, min_length=1, max_length=200, description="idempotency key")


@router.post("", status_code=201)
def record_visit_route(body: VisitRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """201 with the message, conversation, case and customer ids, `duplicate`, and the case as it is
    after the visit; 422 (nothing stored) for a channel that is not an office, a bad identity or an
    unknown topic."""
    visit = Visit(
        channel_id=body.channel_id,
        identities=tuple(body.customer.identities),
        name=body.customer.name,
        summary=body.summary,
        outcome=body.outcome,
        topic_code=body.topic_code,
        visited_at=body.visited_at,
        visit_id=body.visit_id,
    )
    with container.uow() as uow:
        recorded = record_visit(uow, actor=actor, visit=visit, now=container.clock())
        uow.commit()
        return recorded.as_json()
