"""Conversations over the API: read one, list its messages, reply on its channel (with files), and
link it to another case of the same customer."""

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.cases.views import case_view
from omniline.channels.models import Delivery
from omniline.channels.outbox import delivery_view
from omniline.conversations.case_link import link_conversation_to_case
from omniline.conversations.models import Conversation
from omniline.conversations.service import get_conversation
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.messages.attachments import MAX_ATTACHMENTS, Upload, check_uploads, store_uploads
from omniline.messages.models import Message
from omniline.messages.service import send_reply
from omniline.messages.views import message_view
from omniline.security.access import Actor
from omniline.web.dependencies import ActorDep, ContainerDep

MAX_TEXT = 20_000

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT)


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID


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


# The reply accepts JSON {"text"} or a multipart form (text + files), documented here because the
# route reads the body itself to take either.
_REPLY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ReplyRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
    }
}


@router.post("/{conversation_id}/messages", status_code=201, openapi_extra=_REPLY_BODY)
async def reply(
    conversation_id: uuid.UUID, request: Request, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Reply on the conversation's own channel; the send goes through the outbox (retried). With a
    multipart body, `files` are stored in the file store and sent with the message where the channel
    carries files (413 above the file size limit; at most 10 files)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        text, uploads = await read_reply_form(request)
    else:
        text, uploads = _read_reply_json(await request.body()), []
    if not text.strip() and not uploads:
        raise InvalidInput("the reply is empty")
    check_uploads(container.files, uploads)
    return await run_in_threadpool(_store_reply, container, actor, conversation_id, text, uploads)


def _store_reply(
    container: Container, actor: Actor, conversation_id: uuid.UUID, text: str, uploads: list[Upload]
) -> dict[str, Any]:
    with container.uow() as uow:
        conversation = get_conversation(uow.session, actor.tenant_id, conversation_id)
        message, delivery = send_reply(
            uow.session,
            actor=actor,
            conversation=conversation,
            text=text,
            now=container.clock(),
            registry=container.channels,
            store_attachments=lambda: store_uploads(container.files, uploads),
        )
        uow.session.flush()
        view = message_view(message) | {"delivery": delivery_view(delivery)}
        uow.emit(DomainEvent("message.sent", actor.tenant_id, {"message": message_view(message)}))
        uow.emit(DomainEvent("delivery.queued", actor.tenant_id, {"delivery_id": str(delivery.id)}))
        uow.commit()
        return view


async def read_reply_form(request: Request) -> tuple[str, list[Upload]]:
    """The multipart reply: a `text` field and any number of `files` (checked by the caller)."""
    form = await request.form(max_files=MAX_ATTACHMENTS + 1, max_fields=10)
    text = form.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("text must be a form field, not a file")
    if text is not None and len(text) > MAX_TEXT:
        raise InvalidInput(f"text: at most {MAX_TEXT} characters")
    uploads = []
    for item in form.getlist("files"):
        if isinstance(item, str):
            raise InvalidInput("files must be files, not text fields")
        uploads.append(Upload(item.filename or "attachment", item.content_type, await item.read()))
    await form.close()
    return text or "", uploads


def _read_reply_json(raw: bytes) -> str:
    try:
        return ReplyRequest.model_validate_json(raw).text
    except ValidationError as error:
        # The same 400/422 answers FastAPI gives for a declared body.
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False)]
        ) from None


@router.post("/{conversation_id}/case")
def link_to_case(
    conversation_id: uuid.UUID, body: LinkRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Make the conversation serve another case of the same customer (earlier messages keep theirs);
    a resolved case is reopened, and the case left behind is resolved (`linked`) when no conversation
    serves it any more. 404 for another tenant's case, 422 for another customer's, 409 when it already
    serves it."""
    with container.uow() as uow:
        conversation = get_conversation(uow.session, actor.tenant_id, conversation_id)
        link = link_conversation_to_case(
            uow, actor=actor, conversation=conversation, case_id=body.case_id, now=container.clock()
        )
        uow.session.flush()
        view = conversation_view(conversation) | {
            "previous_case_id": str(link.previous_case_id) if link.previous_case_id else None
        }
        uow.emit(
            DomainEvent(
                "case.updated",
                actor.tenant_id,
                {"case": case_view(link.case), "change": "conversation_linked"},
            )
        )
        if link.resolved_previous is not None:
            uow.emit(
                DomainEvent(
                    "case.updated",
                    actor.tenant_id,
                    {"case": case_view(link.resolved_previous), "change": "resolved"},
                )
            )
        uow.commit()
        return view
