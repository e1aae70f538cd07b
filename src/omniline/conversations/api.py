"""Conversations over the API: read one, list its messages, reply on its channel."""

import uuid
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from omniline.channels.models import Delivery
from omniline.channels.outbox import delivery_view
from omniline.conversations.models import Conversation
from omniline.conversations.service import get_conversation
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.messages.models import Message
from omniline.messages.service import send_reply
from omniline.messages.views import message_view
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)


def conversation_view(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "channel_id": str(conversation.channel_id),
        "customer_id": str(conversation.customer_id),
        "case_id": str(conversation.case_id) if conversation.case_id else None,
        "thread_key": conversation.thread_key,
        "status": conversation.status,
        "subject": conversation.subject,
        "started_at": conversation.started_at.isoformat(),
        "last_message_at": conversation.last_message_at.isoformat(),
    }


@router.get("/{conversation_id}")
def read_conversation(conversation_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return conversation_view(get_conversation(uow.session, actor.tenant_id, conversation_id))


@router.get("/{conversation_id}/messages")
def list_messages(
    conversation_id: uuid.UUID,
    actor: ActorDep,
    container: ContainerDep,
    limit: int = Query(default=100, ge=1, le=500),
    after: str | None = Query(default=None, description="the id of the last message already seen"),
) -> dict[str, Any]:
    """Messages in the order they were stored, oldest first; outbound ones carry their delivery."""
    with container.uow() as uow:
        get_conversation(uow.session, actor.tenant_id, conversation_id)
        query = select(Message).where(Message.conversation_id == conversation_id)
        if after is not None:
            try:
                query = query.where(Message.id > uuid.UUID(after))
            except ValueError:
                raise InvalidInput("after must be a message id") from None
        messages = uow.session.scalars(query.order_by(Message.id).limit(limit)).all()
        outbound_ids = [item.id for item in messages if item.direction == "out"]
        deliveries = (
            {
                row.message_id: row
                for row in uow.session.scalars(select(Delivery).where(Delivery.message_id.in_(outbound_ids)))
            }
            if outbound_ids
            else {}
        )
        items = []
        for message in messages:
            view = message_view(message)
            if message.id in deliveries:
                view["delivery"] = delivery_view(deliveries[message.id])
            items.append(view)
        return {"items": items}


@router.post("/{conversation_id}/messages", status_code=201)
def reply(
    conversation_id: uuid.UUID, body: ReplyRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Reply on the conversation's own channel; the send goes through the outbox (retried)."""
    if not body.text.strip():
        raise InvalidInput("the reply is empty")
    with container.uow() as uow:
        conversation = get_conversation(uow.session, actor.tenant_id, conversation_id)
        message, delivery = send_reply(
            uow.session,
            actor=actor,
            conversation=conversation,
            text=body.text,
            now=container.clock(),
            registry=container.channels,
        )
        uow.session.flush()
        view = message_view(message) | {"delivery": delivery_view(delivery)}
        uow.emit(DomainEvent("message.sent", actor.tenant_id, {"message": message_view(message)}))
        uow.emit(DomainEvent("delivery.queued", actor.tenant_id, {"delivery_id": str(delivery.id)}))
        uow.commit()
        return view
