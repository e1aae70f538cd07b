"""`ingest_message`: InboundMessage → dedupe → customer → conversation → case → message + events.

All steps run in the caller's unit of work; the caller commits, and only then do agents hear of the
message (the events are emitted to the unit of work, which publishes them after commit).
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omniline.cases.service import AttachedCase, attach_to_case, get_case
from omniline.cases.views import case_view
from omniline.channels.base import ChannelInfo
from omniline.channels.inbox import claim_receipt, previous_message_id
from omniline.conversations.service import store_conversation, thread_message
from omniline.customers.identities import IdentityClaim, normalise_address
from omniline.customers.service import resolve_customer
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.messages.repository import MessageRow, insert_message
from omniline.messages.views import message_view
from omniline.routing.callbacks import CALLBACK_EVENTS, schedule_callback
from omniline.routing.intake import InboundContext, route_inbound_safely
from omniline.timeline.service import insert_events, timeline_row

PIPELINE_ACTOR = "system:pipeline"


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    case_id: uuid.UUID | None
    customer_id: uuid.UUID
    duplicate: bool = False

    def as_json(self) -> dict[str, str | None]:
        return {
            "message_id": str(self.message_id),
            "conversation_id": str(self.conversation_id),
            "case_id": str(self.case_id) if self.case_id else None,
            "customer_id": str(self.customer_id),
        }


def ingest_message(
    uow: UnitOfWork, channel: ChannelInfo, inbound: InboundMessage, *, now: datetime
) -> IngestResult:
    """Store one inbound message on the road every channel shares. A message already received on this
    channel (same external id) stores nothing and answers with what the first one produced.

    Raises InvalidInput for identities that cannot be normalised (before anything is written).
    """
    session = uow.session
    claims = normalise_claims(inbound.identities, region=channel.phone_region)
    message_id = new_id()
    fresh = claim_receipt(
        session,
        tenant_id=channel.tenant_id,
        channel_id=channel.id,
        external_id=inbound.external_id,
        receipt_id=new_id(),
        message_id=message_id,
        now=now,
    )
    if not fresh:
        return duplicate_result(uow, channel, inbound.external_id)

    sender = resolve_customer(
        session,
        tenant_id=channel.tenant_id,
        claims=claims,
        name=inbound.sender_name,
        now=now,
        actor=PIPELINE_ACTOR,
    )
    conversation = thread_message(
        session, channel_id=channel.id, customer_id=sender.customer_id, thread_key=inbound.thread_key, now=now
    )
    case = attach_to_case(
        session,
        tenant_id=channel.tenant_id,
        customer_id=sender.customer_id,
        conversation_case_id=conversation.case_id,
        subject=case_subject(inbound),
        now=now,
        may_open=not inbound.auto_generated,
    )
    store_conversation(
        session,
        conversation,
        tenant_id=channel.tenant_id,
        channel_id=channel.id,
        customer_id=sender.customer_id,
        identity_id=sender.identity_id,
        thread_key=inbound.thread_key,
        subject=inbound.subject,
        case_id=case.id if case else conversation.case_id,
        now=now,
    )
    message = message_row(
        channel, inbound, claims, message_id, conversation.id, case, sender.customer_id, now=now
    )
    insert_message(session, message)
    insert_events(session, arrival_events(channel, message, case))
    if inbound.event in CALLBACK_EVENTS:
        task = schedule_callback(
            session,
            tenant_id=channel.tenant_id,
            customer_id=sender.customer_id,
            case_id=case.id if case else None,
            conversation_id=conversation.id,
            message_id=message_id,
            channel_id=channel.id,
            channel_kind=channel.kind,
            reason=inbound.event,
            now=now,
        )
        uow.emit(
            DomainEvent("task.created", channel.tenant_id, {"task_id": str(task.id), "reason": inbound.event})
        )

    routed_case = None  # the case as routing left it, when routing loaded it
    if case is not None and uow.settings is not None:
        routed_case = route_inbound_safely(
            uow, inbound_context(channel, message, case), uow.settings, now=now
        )
    announce(uow, channel, message, case, started=conversation.is_new, routed_case=routed_case)
    return IngestResult(message_id, conversation.id, case.id if case else None, sender.customer_id)


def message_row(
    channel: ChannelInfo,
    inbound: InboundMessage,
    claims: list[IdentityClaim],
    message_id: uuid.UUID,
    conversation_id: uuid.UUID,
    case: AttachedCase | None,
    customer_id: uuid.UUID,
    *,
    now: datetime,
) -> MessageRow:
    return MessageRow(
        id=message_id,
        tenant_id=channel.tenant_id,
        conversation_id=conversation_id,
        case_id=case.id if case else None,
        customer_id=customer_id,
        channel_id=channel.id,
        channel_kind=channel.kind,
        direction="in",
        sender_identity=claims[0].key,
        sender_name=inbound.sender_name,
        author_user_id=None,
        text=inbound.text,
        subject=inbound.subject,
        attachments=[attachment.as_json() for attachment in inbound.attachments],
        external_id=inbound.external_id,
        event=inbound.event,
        meta=inbound.meta | ({"auto_generated": True} if inbound.auto_generated else {}),
        sent_at=inbound.sent_at,
        created_at=now,
    )


def arrival_events(
    channel: ChannelInfo, message: MessageRow, case: AttachedCase | None
) -> list[dict[str, Any]]:
    """The timeline rows of a stored inbound message, in the order they happened (ids are time-ordered
    and the timeline sorts by them): the case it opened or reopened, then the message."""
    event = functools.partial(
        timeline_row,
        tenant_id=channel.tenant_id,
        customer_id=message.customer_id,
        at=message.created_at,
        channel_id=channel.id,
        channel_kind=channel.kind,
        conversation_id=message.conversation_id,
        case_id=message.case_id,
        actor=PIPELINE_ACTOR,
    )
    events = []
    if case is not None and case.change is not None:
        events.append(event(type=f"case.{case.change}", data={"number": case.number}))
    events.append(event(type="message.received", message_id=message.id))
    return events


def inbound_context(channel: ChannelInfo, message: MessageRow, case: AttachedCase) -> InboundContext:
    """What routing needs to know of a message stored on `case`."""
    return InboundContext(
        tenant_id=channel.tenant_id,
        case_id=case.id,
        customer_id=message.customer_id,
        conversation_id=message.conversation_id,
        message_id=message.id,
        channel_id=channel.id,
        channel_kind=channel.kind,
        text=message.text,
        event=message.event,
        case_change=case.change,
    )


def announce(
    uow: UnitOfWork,
    channel: ChannelInfo,
    message: MessageRow,
    case: AttachedCase | None,
    *,
    started: bool,
    routed_case: Any,
) -> None:
    """Tell agents after commit: the message, and the case it opened or reopened (`routed_case`, the
    case as routing left it, saves reading it again)."""
    uow.emit(
        DomainEvent(
            "message.received", channel.tenant_id, {"message": message_view(message), "started": started}
        )
    )
    if case is not None and case.change is not None:
        view = case_view(routed_case or get_case(uow.session, channel.tenant_id, case.id))
        uow.emit(DomainEvent("case.updated", channel.tenant_id, {"case": view, "change": case.change}))


def normalise_claims(claims: tuple[IdentityClaim, ...], *, region: str) -> list[IdentityClaim]:
    if not claims:
        raise InvalidInput("a message needs at least one sender identity")
    return [
        IdentityClaim(claim.kind, normalise_address(claim.kind, claim.address, region=region), claim.verified)
        for claim in claims
    ]


def duplicate_result(uow: UnitOfWork, channel: ChannelInfo, external_id: str) -> IngestResult:
    """A provider retry: answer with what the first delivery produced, store nothing new."""
    session = uow.session
    message_id = previous_message_id(session, channel.id, external_id)
    message = session.get(Message, message_id) if message_id else None
    if message is None:  # the receipt exists but its message was never stored: impossible in one transaction
        raise InvalidInput(f"message {external_id!r} was received before but left no message")
    return IngestResult(
        message.id, message.conversation_id, message.case_id, message.customer_id, duplicate=True
    )


def case_subject(inbound: InboundMessage) -> str:
    return inbound.subject or inbound.text.strip().split("\n", 1)[0][:200]
