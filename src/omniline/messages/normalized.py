"""The channel-independent message forms every adapter produces (inbound) and consumes (outbound)."""

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from omniline.customers.identities import IdentityClaim


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    storage_key: str | None = None  # where the file store keeps the bytes, when it does

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """What an adapter hands to the pipeline. The first identity is the primary (the channel's own
    address of the sender); addresses may be un-normalised, the pipeline normalises them."""

    channel_id: uuid.UUID
    external_id: str
    identities: tuple[IdentityClaim, ...]
    text: str
    sent_at: datetime
    sender_name: str | None = None
    subject: str | None = None
    thread_key: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # A call event ("call.started", "call.abandoned", "voicemail", …) rather than an utterance.
    event: str | None = None
    # Extras shown on the timeline (duration, recording URL, post URL, "public": True, …), JSON-ready.
    meta: dict[str, Any] = field(default_factory=dict)
    # Auto-replies, bounces, our own mail coming back: stored, but they never open or reopen a case.
    auto_generated: bool = False


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What the outbox hands to an adapter to send; stored as the delivery's JSON payload."""

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    recipient: str  # "KIND:ADDRESS"
    text: str
    sent_at: datetime
    author_name: str | None = None
    subject: str | None = None
    thread_key: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())
    # What the adapter needs to thread the reply on the provider's side (e.g. In-Reply-To, chat id).
    reply_context: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return {
            "message_id": str(self.message_id),
            "conversation_id": str(self.conversation_id),
            "channel_id": str(self.channel_id),
            "recipient": self.recipient,
            "text": self.text,
            "sent_at": self.sent_at.isoformat(),
            "author_name": self.author_name,
            "subject": self.subject,
            "thread_key": self.thread_key,
            "attachments": [attachment.as_json() for attachment in self.attachments],
            "reply_context": self.reply_context,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "OutboundMessage":
        return cls(
            message_id=uuid.UUID(payload["message_id"]),
            conversation_id=uuid.UUID(payload["conversation_id"]),
            channel_id=uuid.UUID(payload["channel_id"]),
            recipient=payload["recipient"],
            text=payload["text"],
            sent_at=datetime.fromisoformat(payload["sent_at"]),
            author_name=payload.get("author_name"),
            subject=payload.get("subject"),
            thread_key=payload.get("thread_key"),
            attachments=tuple(Attachment(**item) for item in payload.get("attachments", [])),
            reply_context=payload.get("reply_context", {}),
        )
