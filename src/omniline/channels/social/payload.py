"""The listening integration's events (signed JSON) → InboundMessages, and replies → its JSON (pure).

Inbound body, one post or comment per request:

    {"network": "weibo", "event_id": "e-1", "author": {"handle": "xiaowang", "name": "小王", "id": "17"},
     "post_id": "P2", "url": "https://weibo.com/…", "text": "…", "posted_at": "2026-11-23T10:00:00+08:00",
     "in_reply_to": "P1", "public": true}

- the sender is `social:<network>:<handle>` (or `<id>` when the network has no handles), handles
  lower-cased without a leading `@`, as networks compare them;
- external id `<network>:<event_id>`, so the integration's retries dedupe;
- the thread is the root post: `in_reply_to` (the post commented on) or the post itself, so a
  customer's comments under one post stay one conversation;
- meta `{"network", "post_id", "url", "public"}`: public posts are marked public on the timeline.
"""

import uuid
from typing import Any
from urllib.parse import urlparse

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from omniline.customers.identities import IdentityClaim
from omniline.messages.normalized import InboundMessage, OutboundMessage

MAX_TEXT_LENGTH = 20_000
_ID = Field(min_length=1, max_length=200)


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str | None = Field(default=None, min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _handle_or_id(self) -> "Author":
        if not (self.handle or "").strip().lstrip("@") and not (self.id or "").strip():
            raise ValueError("an author needs a handle or an id")
        return self

    @property
    def address(self) -> str:
        handle = (self.handle or "").strip().lstrip("@").lower()
        return handle or (self.id or "").strip()


class SocialEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    network: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,29}$")  # vk, weibo, twitter, facebook, …
    event_id: str = _ID
    author: Author
    post_id: str = _ID
    url: str = Field(max_length=2000)
    text: str = Field(max_length=MAX_TEXT_LENGTH)
    posted_at: AwareDatetime
    in_reply_to: str | None = Field(default=None, min_length=1, max_length=200)
    public: bool

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value  # kept exactly as the network spells it

    def inbound(self, channel_id: uuid.UUID) -> InboundMessage:
        return InboundMessage(
            channel_id=channel_id,
            external_id=f"{self.network}:{self.event_id}",
            identities=(IdentityClaim("social", f"{self.network}:{self.author.address}", verified=True),),
            text=self.text,
            sent_at=self.posted_at,
            sender_name=self.author.name or self.author.handle or None,
            thread_key=self.in_reply_to or self.post_id,
            meta={
                "network": self.network,
                "post_id": self.post_id,
                "url": self.url,
                "public": self.public,
            },
        )


def reply_body(message: OutboundMessage) -> dict[str, Any] | None:
    """What the integration gets for a reply; None when the recipient is not a social identity."""
    kind, _, address = message.recipient.partition(":")
    network, separator, author = address.partition(":")
    if kind != "social" or not separator or not message.thread_key:
        return None
    return {
        "network": network,
        "in_reply_to": message.thread_key,
        "recipient": author,  # the handle (or id) to mention, on networks where replies are public
        "text": message.text,
        "message_id": str(message.message_id),
        "channel_id": str(message.channel_id),
    }
