"""Webchat use cases on the database: who a visitor is, their history, their messages, their claims.

Called from the visitor socket through a thread pool; each function is one unit of work and commits.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from omniline.agents.repository import anyone_on_duty
from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.channels.webchat.hours import is_open
from omniline.channels.webchat.protocol import visitor_message
from omniline.conversations.models import Conversation
from omniline.customers import repository
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import NotFound
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.messages.views import message_view
from omniline.pipeline.ingest import IngestResult, ingest_message
from omniline.realtime.presence import connected_agents

HISTORY_LIMIT = 50
INTEGRITY_RETRIES = 3  # two first messages of one new visitor racing (two tabs): the loser retries


@dataclass
class Visitor:
    """One widget's identity for the length of its socket."""

    visitor_id: uuid.UUID
    app_user_id: str | None = None  # set only when the site's user_hash checked out
    name: str | None = None
    unverified: list[IdentityClaim] = field(default_factory=list)  # pre-chat e-mail/phone, not proven
    verification_id: uuid.UUID | None = None

    @property
    def primary(self) -> IdentityClaim:
        return IdentityClaim("webchat", str(self.visitor_id), verified=True)

    @property
    def claims(self) -> tuple[IdentityClaim, ...]:
        vouched = [IdentityClaim("app", self.app_user_id, verified=True)] if self.app_user_id else []
        return (self.primary, *vouched, *self.unverified)


@dataclass(frozen=True, slots=True)
class VisitorHistory:
    customer_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    messages: list[dict[str, Any]]


def load_webchat_channel(container: Container, channel_id: uuid.UUID) -> ChannelInfo:
    """The active webchat channel; NotFound for anything else (an api channel's id is not a widget)."""
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
    if channel.kind != "webchat":
        raise NotFound(f"webchat channel {channel_id} not found")
    return channel


def find_customer(container: Container, channel: ChannelInfo, visitor: Visitor) -> uuid.UUID | None:
    with container.uow() as uow:
        return _customer_of(uow.session, channel, visitor)


def load_history(container: Container, channel: ChannelInfo, visitor: Visitor) -> VisitorHistory:
    """The visitor's latest chat on this channel (found by the browser's visitor id, or by the site's
    vouched user id on another device), newest HISTORY_LIMIT messages, oldest first."""
    with container.uow() as uow:
        session = uow.session
        customer_id = _customer_of(session, channel, visitor)
        if customer_id is None:
            return VisitorHistory(None, None, [])
        conversation_id = session.scalar(
            select(Conversation.id)
            .where(Conversation.channel_id == channel.id, Conversation.customer_id == customer_id)
            .order_by(Conversation.last_message_at.desc())
            .limit(1)
        )
        if conversation_id is None:
            return VisitorHistory(customer_id, None, [])
        rows = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.event.is_(None))
            .order_by(Message.id.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        return VisitorHistory(
            customer_id, conversation_id, [visitor_message(message_view(row)) for row in reversed(rows)]
        )


def receive_visitor_message(
    container: Container, channel: ChannelInfo, inbound: InboundMessage
) -> IngestResult:
    """The one pipeline, with the hook's retry for a first-contact race; commits."""
    for attempt in range(INTEGRITY_RETRIES):
        with container.uow() as uow:
            try:
                result = ingest_message(uow, channel, inbound, now=container.clock())
                uow.commit()
                return result
            except IntegrityError:
                if attempt == INTEGRITY_RETRIES - 1:
                    raise
    raise AssertionError("unreachable")


def is_online(container: Container, channel: ChannelInfo) -> bool:
    """Within business hours, and an agent is there: one has the desk open in this process (a live feed
    connected), or one is at work by their presence. The second matters when several app processes
    serve the installation: the desk's feed may be held by another process than the visitor's."""
    if not is_open(channel.config.get("business_hours"), container.clock()):
        return False
    if connected_agents(channel.tenant_id) > 0:
        return True
    with container.uow() as uow:
        return anyone_on_duty(uow.session, channel.tenant_id)


def _customer_of(session: Any, channel: ChannelInfo, visitor: Visitor) -> uuid.UUID | None:
    claims = [visitor.primary]
    if visitor.app_user_id:
        claims.append(IdentityClaim("app", visitor.app_user_id))
    found = repository.find_known_identities(session, channel.tenant_id, claims)
    by_key = {known.claim_key: known.customer_id for known, _ in found}
    return by_key.get(visitor.primary.key) or next(iter(by_key.values()), None)


def visitor_inbound(
    channel: ChannelInfo,
    visitor: Visitor,
    *,
    external_id: str,
    text: str,
    sent_at: Any,
    event: str | None = None,
    meta: dict[str, Any] | None = None,
) -> InboundMessage:
    extra: dict[str, Any] = dict(meta or {})
    if visitor.unverified:
        extra["unverified_claims"] = [claim.key for claim in visitor.unverified]
    return InboundMessage(
        channel_id=channel.id,
        external_id=external_id,
        identities=visitor.claims,
        text=text,
        sent_at=sent_at,
        sender_name=visitor.name,
        event=event,
        meta=extra,
    )
