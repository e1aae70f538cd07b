"""One received mail → stored: the path the SMTP listener and IMAP polling share.

parse → find the thread (In-Reply-To/References against what we sent and received, then the case
token) → ingest every message and apply bounce reports → after_ingest → commit; one transaction
per mail. Threading needs the database, so it happens here rather than in the pure parser.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.channels.base import ChannelInfo
from omniline.channels.email.inbound import mail_to_batch
from omniline.channels.email.mail_threading import case_number_in, our_message_uuid
from omniline.channels.email.parsing import ParsedMail, parse_mail
from omniline.channels.hooks import apply_delivery_updates
from omniline.channels.models import InboundReceipt
from omniline.conversations.models import Conversation
from omniline.messages.models import Message
from omniline.pipeline.ingest import IngestResult, ingest_message

INTEGRITY_RETRIES = 3  # two first mails of one new sender racing on PostgreSQL: the loser retries


def receive_mail(container: Container, channel: ChannelInfo, raw: bytes) -> list[IngestResult]:
    mail = parse_mail(raw)
    adapter = container.channels.get(channel.kind)
    for attempt in range(INTEGRITY_RETRIES):
        with container.uow() as uow:
            try:
                now = container.clock()
                thread_key = resolve_thread_key(uow.session, channel, mail)
                batch = mail_to_batch(
                    channel, mail, raw, container.adapter_context, thread_key=thread_key, received_at=now
                )
                results = [ingest_message(uow, channel, message, now=now) for message in batch.messages]
                apply_delivery_updates(uow, channel, batch.delivery_updates, now=now)
                adapter.after_ingest(uow.session, channel, batch, results)
                uow.commit()
                return results
            except IntegrityError:
                if attempt == INTEGRITY_RETRIES - 1:
                    raise
    return []


def resolve_thread_key(session: Session, channel: ChannelInfo, mail: ParsedMail) -> str | None:
    """The root Message-ID of the thread this mail continues, or None for a new thread."""
    references = [*reversed(mail.in_reply_to), *reversed(mail.references)]
    for reference in dict.fromkeys(references):
        key = _thread_of_reference(session, channel, reference)
        if key is not None:
            return key
    number = case_number_in(mail.subject)
    if number is None:
        return None
    return session.scalar(
        select(Conversation.thread_key)
        .join(Case, Case.id == Conversation.case_id)
        .where(
            Case.tenant_id == channel.tenant_id,
            Case.number == number,
            Conversation.channel_id == channel.id,
            Conversation.thread_key.is_not(None),
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(1)
    )


def _thread_of_reference(session: Session, channel: ChannelInfo, reference: str) -> str | None:
    ours = our_message_uuid(reference, str(channel.config["address"]))
    message_id: uuid.UUID | None
    if ours is not None:
        message_id = ours
    else:
        message_id = session.scalar(
            select(InboundReceipt.message_id).where(
                InboundReceipt.channel_id == channel.id, InboundReceipt.external_id == reference
            )
        )
    if message_id is None:
        return None
    return session.scalar(
        select(Conversation.thread_key)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.id == message_id, Message.channel_id == channel.id)
    )
