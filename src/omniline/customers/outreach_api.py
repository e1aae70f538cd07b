"""Writing to a customer on a channel of the agent's choice (an SMS to a caller, an e-mail to a chat
visitor) over the API. Its own module: customers/api.py holds the customer record's routes."""

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.channels.outbox import delivery_view
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.messages.outreach import start_outreach
from omniline.messages.views import message_view
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class OutreachRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: uuid.UUID
    to: str = Field(
        min_length=1, max_length=400, description="KIND:ADDRESS, or an address of the channel's kind"
    )
    text: str = Field(min_length=1, max_length=20_000)
    subject: str | None = Field(default=None, max_length=500)
    case_id: uuid.UUID | None = None


@router.post("/{customer_id}/messages", status_code=201)
def write_to_customer(
    customer_id: uuid.UUID, body: OutreachRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Start (or continue) a conversation with the customer on `channel_id` for the same case, and queue
    the message through the outbox. 201 {message, conversation_id}; 404 for another tenant's customer,
    channel or case; 422 for an address that does not fit the channel or a case of another customer;
    409 for another customer's address or an opted-out recipient. Nothing is stored on a refusal."""
    if not body.text.strip():
        raise InvalidInput("the message is empty")
    subject = body.subject.strip() if body.subject and body.subject.strip() else None
    with container.uow() as uow:
        outreach = start_outreach(
            uow.session,
            actor=actor,
            customer_id=customer_id,
            channel_id=body.channel_id,
            to=body.to,
            text=body.text,
            subject=subject,
            case_id=body.case_id,
            registry=container.channels,
            now=container.clock(),
        )
        uow.session.flush()
        view = message_view(outreach.message) | {"delivery": delivery_view(outreach.delivery)}
        uow.emit(DomainEvent("message.sent", actor.tenant_id, {"message": message_view(outreach.message)}))
        uow.emit(DomainEvent("delivery.queued", actor.tenant_id, {"delivery_id": str(outreach.delivery.id)}))
        uow.commit()
        return {"message": view, "conversation_id": str(outreach.conversation.id)}
