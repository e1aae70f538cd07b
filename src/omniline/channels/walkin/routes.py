"""`POST /api/v1/visits`: branch staff record a customer's visit.

The customer is found by any identity (phone, e-mail, document number, …) or created; the visit
becomes a message with event "visit" on the branch's walkin channel, goes through the same pipeline
as every other channel (so it joins the customer's open case or opens one), and an outcome of
"resolved" resolves that case.
"""

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from omniline.cases.service import change_case_status
from omniline.cases.views import case_view
from omniline.channels.service import get_channel, load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.ingest import ingest_message
from omniline.security.audit import record_audit
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
def record_visit(body: VisitRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        branch = get_channel(uow.session, actor.tenant_id, body.channel_id)
        if branch.kind != "walkin":
            raise InvalidInput(f"channel {branch.id} is a {branch.kind} channel, not an office (walkin)")
        channel = load_channel_info(uow.session, branch.id)
        now = container.clock()
        inbound = InboundMessage(
            channel_id=channel.id,
            external_id=body.visit_id or str(new_id()),
            identities=tuple(_claim(text) for text in body.customer.identities),
            text=body.summary,
            sent_at=body.visited_at or now,
            sender_name=body.customer.name,
            event="visit",
            meta={
                "branch": channel.name,
                "outcome": body.outcome,
                "topic_code": body.topic_code,
                "recorded_by": actor.ref,
                "recorded_by_name": actor.name,
            },
        )
        result = ingest_message(uow, channel, inbound, now=now)
        case: dict[str, Any] | None = None
        if result.case_id and body.outcome == "resolved" and not result.duplicate:
            resolved = change_case_status(
                uow,
                tenant_id=actor.tenant_id,
                case_id=result.case_id,
                action="resolve",
                actor=actor.ref,
                now=now,
            )
            case = case_view(resolved)
            uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": case, "change": "resolved"}))
        if not result.duplicate:
            record_audit(
                uow.session,
                tenant_id=actor.tenant_id,
                actor=actor.ref,
                action="visit.recorded",
                subject_type="customer",
                subject_id=result.customer_id,
                data={"message_id": str(result.message_id), "branch": channel.name, "outcome": body.outcome},
            )
        uow.commit()
        return result.as_json() | {"duplicate": result.duplicate, "case": case}


def _claim(text: str) -> IdentityClaim:
    kind, separator, address = text.partition(":")
    if not separator:
        raise InvalidInput(f"identity {text!r} must look like KIND:ADDRESS, e.g. phone:+79161234567")
    # Staff checked the person in front of them (a document, a phone in hand): the claims are verified.
    return IdentityClaim(kind.strip().lower(), address, verified=True)
