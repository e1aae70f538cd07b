"""The `social` channel adapter: a listening integration (a social-media monitoring service or the
company's own collector) posts public mentions and comments; agents' replies go back through it.

Inbound, at `/hooks/{channel_id}`, signed like the `api` channel
(`X-Omniline-Signature: sha256=HMAC(channel secret, body)`), one event per request (payload.py).
Outbound: a reply is POSTed to `config.webhook_url`, signed the same way with `X-Omniline-Delivery`
as an idempotency key, as `{"network", "in_reply_to", "recipient", "text", "message_id",
"channel_id"}`, `in_reply_to` being the conversation's root post and `recipient` the handle to
mention; the integration publishes it on the network. 5xx, 429 and network errors retry.
"""

from typing import Any

from pydantic import ValidationError

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
from omniline.channels.social.payload import SocialEvent, reply_body
from omniline.kernel.errors import InvalidInput, Unauthenticated
from omniline.messages.normalized import OutboundMessage


class SocialChannelAdapter(BaseAdapter):
    kind = "social"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return webhook_config(config, kind="social")

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        header = request.headers.get(SIGNATURE_HEADER.lower())
        # compare_digest raises on non-ASCII text; such a header is simply wrong.
        if header is not None and not header.isascii():
            header = None
        if not signature_matches(channel.secret, request.body, header):
            raise Unauthenticated(f"missing or wrong {SIGNATURE_HEADER}", code="bad_signature")
        if request.method != "POST" or request.subpath:
            raise InvalidInput("a social channel accepts POST /hooks/{channel_id} only")
        try:
            event = SocialEvent.model_validate_json(request.body)
        except ValidationError as error:
            raise body_problem(error) from None
        return InboundBatch([event.inbound(channel.id)])

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        body = reply_body(message)
        if body is None:
            return SendResult(ok=False, error=f"no social post to reply to for {message.recipient!r}")
        return post_signed_json(channel, message, body, context)
