"""The `api` channel adapter.

Inbound, at `/hooks/{channel_id}`, signed with `X-Omniline-Signature: sha256=HMAC(secret, body)`:

    {"external_id": "m-1", "sender": {"identities": ["app:42", "phone:+7916…"], "name": "Anna"},
     "text": "…", "sent_at": "2026-11-23T10:00:00Z", "thread_id": "optional"}

The app vouches for every identity it sends (it signs the body), so all of them are verified claims
and may link or merge customers. Outbound replies are POSTed to `config.webhook_url`, signed the
same way, with `X-Omniline-Delivery` as an idempotency key for the receiver.
"""

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    InboundBatch,
    SendResult,
)
from omniline.channels.signed_webhook import body_problem, post_signed_json, webhook_config
from omniline.channels.signing import SIGNATURE_HEADER, signature_matches
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import InvalidInput, Unauthenticated
from omniline.messages.normalized import InboundMessage, OutboundMessage

MAX_TEXT_LENGTH = 20_000


class _Sender(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identities: list[str] = Field(min_length=1, max_length=10)
    name: str | None = Field(default=None, max_length=200)


class _InboundBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=300)
    sender: _Sender
    text: str = Field(max_length=MAX_TEXT_LENGTH)
    sent_at: AwareDatetime
    thread_id: str | None = Field(default=None, min_length=1, max_length=300)


class ApiChannelAdapter(BaseAdapter):
    kind = "api"
    parses_in_memory = True  # a signature and a JSON body

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return webhook_config(config, kind="api")

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        if request.method != "POST" or request.subpath:
            raise InvalidInput("the api channel accepts POST /hooks/{channel_id} only")
        if not signature_matches(channel.secret, request.body, request.headers.get(SIGNATURE_HEADER.lower())):
            raise Unauthenticated(f"missing or wrong {SIGNATURE_HEADER}", code="bad_signature")
        try:
            body = _InboundBody.model_validate_json(request.body)
        except ValidationError as error:
            raise body_problem(error) from None
        claims = []
        for text in body.sender.identities:
            kind, separator, address = text.partition(":")
            if not separator:
                raise InvalidInput(f"identity {text!r} must look like KIND:ADDRESS")
            claims.append(IdentityClaim(kind.strip().lower(), address, verified=True))
        message = InboundMessage(
            channel_id=channel.id,
            external_id=body.external_id,
            identities=tuple(claims),
            text=body.text,
            sent_at=body.sent_at,
            sender_name=body.sender.name,
            thread_key=body.thread_id,
        )
        return InboundBatch([message])

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        return post_signed_json(channel, message, _outbound_body(message), context)


def _outbound_body(message: OutboundMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_id": str(message.channel_id),
        "message_id": str(message.message_id),
        "conversation_id": str(message.conversation_id),
        "thread_id": message.thread_key,
        "recipient": {"identity": message.recipient},
        "author": {"name": message.author_name},
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
    }
