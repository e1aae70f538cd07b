"""The `email` channel adapter.

Mail does not arrive over HTTP: the built-in SMTP listener (listener.py) and IMAP polling
(imap.py) receive it, and both go through receiving.receive_mail. `parse_hook` therefore refuses
every request. Replies leave by SMTP (outbound.py) through the outbox; `prepare_reply` gives them
the case token and the thread's Message-IDs.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    InboundBatch,
    SendResult,
)
from omniline.channels.email.config import read_config
from omniline.channels.email.outbound import send_mail
from omniline.conversations.models import Conversation
from omniline.kernel.errors import InvalidInput
from omniline.messages.models import Message
from omniline.messages.normalized import OutboundMessage

MAX_REFERENCES = 20  # long threads: the root and the latest ids are what clients thread on


class EmailChannelAdapter(BaseAdapter):
    kind = "email"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return read_config(config).model_dump(exclude_none=True)

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        raise InvalidInput(
            "an email channel receives mail by SMTP (OMNILINE_SMTP_PORT) or IMAP polling, not over HTTP",
            code="not_a_hook_channel",
        )

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        return send_mail(channel, message, context)

    def prepare_reply(
        self, session: Session, channel: ChannelInfo, conversation: Conversation, recipient: str
    ) -> dict[str, Any]:
        case = session.get(Case, conversation.case_id) if conversation.case_id else None
        last = session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.direction == "in")
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
        context: dict[str, Any] = {
            "case_number": case.number if case else None,
            "subject": conversation.subject,
        }
        meta = last.meta if last is not None else {}
        message_id = meta.get("message_id")
        if message_id:
            references = [str(item) for item in meta.get("references") or [] if item != message_id]
            chain = [*references, message_id]
            if conversation.thread_key and conversation.thread_key not in chain:
                chain.insert(0, conversation.thread_key)
            context["in_reply_to"] = message_id
            context["references"] = chain[:1] + chain[1:][-(MAX_REFERENCES - 1) :]
        return context
