"""What a visitor tells us about themselves: a pre-chat e-mail to confirm by code, an offline e-mail.

Neither is trusted as typed: the pre-chat e-mail is linked only after the code we mail to it comes
back (customers/verification.py); the offline e-mail is recorded on the chat as an unverified reply
address for the agents, and links nothing.
"""

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.models import Channel
from omniline.channels.outbox import enqueue_delivery
from omniline.channels.webchat.service import Visitor, receive_visitor_message, visitor_inbound
from omniline.customers import repository
from omniline.customers.identities import IdentityClaim
from omniline.customers.service import resolve_customer
from omniline.customers.verification import (
    VerificationResult,
    confirm_verification,
    current_customer_id,
    start_verification,
)
from omniline.kernel.events import DomainEvent
from omniline.messages.normalized import OutboundMessage
from omniline.pipeline.ingest import IngestResult

ACTOR = "system:webchat"
MERGE_REASON = "e-mail confirmed in web chat"
CODE_SUBJECT = "Your chat verification code / Код подтверждения / 验证码"
CODE_TEXT = (
    "Your code: {code}\nВаш код: {code}\n您的验证码：{code}\n\n"
    "It is valid for 15 minutes. If you did not ask for it, ignore this mail."
)


@dataclass(frozen=True, slots=True)
class CodeRequest:
    status: Literal["sent", "no_email_channel", "too_many_codes"]
    verification_id: uuid.UUID | None = None
    delivery_id: uuid.UUID | None = None


def find_email_channel(session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None:
    """The tenant's (first) active e-mail channel: where codes and offline answers are sent from."""
    return session.scalars(
        select(Channel.id)
        .where(Channel.tenant_id == tenant_id, Channel.kind == "email", Channel.is_active.is_(True))
        .order_by(Channel.id)
    ).first()


def request_email_code(
    container: Container, channel: ChannelInfo, visitor: Visitor, email: IdentityClaim
) -> CodeRequest:
    """Mail a code to `email` (normalised) through the tenant's e-mail channel, via the outbox.

    The visitor's customer is created now if they have not written yet: the code belongs to someone.
    """
    now = container.clock()
    with container.uow() as uow:
        session = uow.session
        mailbox = find_email_channel(session, channel.tenant_id)
        if mailbox is None:
            return CodeRequest("no_email_channel")
        trusted = [claim for claim in visitor.claims if claim.verified]
        sender = resolve_customer(
            session, tenant_id=channel.tenant_id, claims=trusted, name=visitor.name, now=now, actor=ACTOR
        )
        session.flush()
        started = start_verification(
            session, tenant_id=channel.tenant_id, customer_id=sender.customer_id, claim=email, now=now
        )
        if started is None:
            return CodeRequest("too_many_codes")
        # A synthetic outbound message: the code is mail of ours, not part of any conversation.
        outbound = OutboundMessage(
            message_id=started.verification_id,
            conversation_id=started.verification_id,
            channel_id=mailbox,
            recipient=email.key,
            text=CODE_TEXT.format(code=started.code),
            sent_at=now,
            subject=CODE_SUBJECT,
            reply_context={"purpose": "identity_verification"},
        )
        delivery = enqueue_delivery(session, tenant_id=channel.tenant_id, message=outbound, now=now)
        uow.emit(DomainEvent("delivery.queued", channel.tenant_id, {"delivery_id": str(delivery.id)}))
        uow.commit()
        return CodeRequest("sent", started.verification_id, delivery.id)


def confirm_email_code(
    container: Container, channel: ChannelInfo, visitor: Visitor, code: str
) -> VerificationResult:
    if visitor.verification_id is None:
        return VerificationResult("not_found")
    now = container.clock()
    with container.uow() as uow:
        session = uow.session
        owner = _visitor_customer(session, channel, visitor)
        if owner is None:
            return VerificationResult("not_found")
        result = confirm_verification(
            session,
            tenant_id=channel.tenant_id,
            verification_id=visitor.verification_id,
            customer_id=owner,
            code=code,
            now=now,
            actor=ACTOR,
            reason=MERGE_REASON,
        )
        if result.outcome == "confirmed" and result.merged_customer_id is not None:
            uow.emit(
                DomainEvent(
                    "customer.merged",
                    channel.tenant_id,
                    {"survivor_id": str(result.customer_id), "merged_id": str(result.merged_customer_id)},
                )
            )
        uow.commit()  # a wrong code's attempt counts too
        return result


def record_offline_email(
    container: Container, channel: ChannelInfo, visitor: Visitor, email: IdentityClaim, external_id: str
) -> IngestResult:
    """Note on the chat that the visitor wants the answer by e-mail: an event message whose meta holds
    the (unverified) address and, when the tenant has one, the e-mail channel to answer from."""
    with container.uow() as uow:
        mailbox = find_email_channel(uow.session, channel.tenant_id)
    meta: dict[str, object] = {"offline": True, "reply_by_email": email.address}
    if mailbox is not None:
        meta["reply_channel_id"] = str(mailbox)
    with_claim = Visitor(
        visitor.visitor_id,
        visitor.app_user_id,
        visitor.name,
        [*visitor.unverified, IdentityClaim(email.kind, email.address, verified=False)],
    )
    inbound = visitor_inbound(
        channel,
        with_claim,
        external_id=external_id,
        text=f"Reply by e-mail: {email.address}",
        sent_at=container.clock(),
        event="webchat.offline_email",
        meta=meta,
    )
    return receive_visitor_message(container, channel, inbound)


def _visitor_customer(session: Session, channel: ChannelInfo, visitor: Visitor) -> uuid.UUID | None:
    found = repository.find_known_identities(session, channel.tenant_id, [visitor.primary])
    if not found:
        return None
    return current_customer_id(session, found[0][0].customer_id)
