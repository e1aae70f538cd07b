"""The `sms` channel adapter: a Twilio-compatible number.

- `POST /hooks/{id}`: an inbound SMS/MMS (form, `X-Twilio-Signature` over the public URL). Answered
  with empty TwiML, so the provider sends no auto-reply. `MessageSid` is the external id, so the
  provider's retries are stored once; the sender's number (`phone:+…`) finds the customer; STOP/START
  keywords maintain `channel_opt_outs`, and a reply to a number that opted out is refused (409) before
  anything is stored or sent.
- `POST /hooks/{id}/status`: delivery-status callbacks for our sends (found by the message sid).
- Outbound through the provider's Messages API (`client.py`).
"""

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    HookResponse,
    InboundBatch,
    SendResult,
)
from omniline.channels.sms.client import send_sms
from omniline.channels.sms.config import validate_sms_config
from omniline.channels.sms.form import verified_form
from omniline.channels.sms.media import fetch_media
from omniline.channels.sms.optouts import apply_opt_out, is_opted_out
from omniline.channels.sms.parsing import check_account, delivery_update, inbound_sms, media_items
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.messages.normalized import OutboundMessage

EMPTY_TWIML = HookResponse(
    status=200,
    body=b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    content_type="text/xml",
)

if TYPE_CHECKING:
    from omniline.conversations.models import Conversation
    from omniline.pipeline.ingest import IngestResult


class SmsChannelAdapter(BaseAdapter):
    kind = "sms"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return validate_sms_config(config)

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        if request.subpath not in ("", "status"):
            raise InvalidInput("an sms channel takes POST /hooks/{channel_id} and /hooks/{channel_id}/status")
        form = verified_form(request, channel.config["auth_token"])
        check_account(channel, form)
        if request.subpath == "status":
            update = delivery_update(form)
            return InboundBatch(delivery_updates=[update] if update else [], response=EMPTY_TWIML)
        items = media_items(form)
        message = inbound_sms(channel, form, now=context.clock())  # validates before any download
        if items:
            attachments, media_meta = fetch_media(channel, message.external_id, items, context)
            message = replace(message, attachments=attachments, meta=message.meta | {"media": media_meta})
        return InboundBatch([message], response=EMPTY_TWIML)

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        kind, _, address = message.recipient.partition(":")
        if kind != "phone" or not address:
            return SendResult(ok=False, error=f"an SMS goes to a phone number, not to {message.recipient!r}")
        return send_sms(channel, address, message.text, context)

    def after_ingest(
        self, session: Session, channel: ChannelInfo, batch: InboundBatch, results: "list[IngestResult]"
    ) -> None:
        for message, result in zip(batch.messages, results, strict=True):
            if not result.duplicate:  # a retried old STOP must not undo a later START
                apply_opt_out(session, channel, message, now=message.sent_at)

    def prepare_reply(
        self, session: Session, channel: ChannelInfo, conversation: "Conversation", recipient: str
    ) -> dict[str, Any]:
        kind, _, address = recipient.partition(":")
        if kind == "phone" and is_opted_out(session, channel, address):
            raise Conflict("the customer opted out of SMS on this channel (STOP)", code="opted_out")
        return {}
