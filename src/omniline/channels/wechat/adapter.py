"""The `wechat` channel adapter: a WeChat Official Account's server callbacks at `/hooks/{channel_id}`.

- GET with `signature`, `timestamp`, `nonce`, `echostr`: WeChat checking the URL; we echo `echostr`
  when the signature is right.
- POST of XML: a follower's message or an event. Plain mode is signed by `signature` (which covers
  the query only); safe mode (`encrypt_type=aes`, the channel has `encoding_aes_key`) by
  `msg_signature`, which also covers the encrypted body.

WeChat waits 5 seconds for an answer and then retries (three times, then tells the follower the
account is unavailable), so the hook answers a plain `success` and never a passive reply. Agents'
replies go out later through the customer-service message API (`client.py`).
"""

from typing import Any

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    HookResponse,
    InboundBatch,
    SendResult,
)
from omniline.channels.wechat import config as wechat_config
from omniline.channels.wechat.client import CallFailed, WeChatApi
from omniline.channels.wechat.config import WeChatConfig, load_config
from omniline.channels.wechat.crypto import decrypt_message
from omniline.channels.wechat.inbound import inbound_message
from omniline.channels.wechat.parsing import parse_fields
from omniline.channels.wechat.signature import signature_matches
from omniline.kernel.errors import InvalidInput, MalformedInput, Unauthenticated
from omniline.messages.normalized import OutboundMessage

SUCCESS = HookResponse(200, b"success")


class WeChatChannelAdapter(BaseAdapter):
    kind = "wechat"

    def __init__(self) -> None:
        self._api = WeChatApi()

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return wechat_config.validate_config(config)

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        if request.subpath or request.method not in ("GET", "POST"):
            raise InvalidInput("a wechat channel accepts GET and POST /hooks/{channel_id} only")
        config = load_config(channel.config)
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if request.method == "GET":
            _check_signature(query.get("signature"), config.token, timestamp, nonce)
            echo = query.get("echostr", "")
            if not echo:
                raise InvalidInput("WeChat's URL check carries echostr")
            return InboundBatch(response=HookResponse(200, echo.encode()))
        fields = _verified_fields(config, request)
        message = inbound_message(channel.id, fields)
        return InboundBatch([message] if message else [], response=SUCCESS)

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        kind, _, openid = message.recipient.partition(":")
        if kind != "wechat" or not openid:
            return SendResult(ok=False, error=f"a wechat channel cannot send to {message.recipient!r}")
        body = {"touser": openid, "msgtype": "text", "text": {"content": message.text}}
        try:
            answer = self._api.send_custom_message(
                context.http, load_config(channel.config), channel.id, body, context.clock
            )
        except CallFailed as failure:
            return failure.result
        message_id = answer.get("msgid")
        return SendResult(ok=True, provider_message_id=str(message_id) if message_id else None)


def _verified_fields(config: WeChatConfig, request: HookRequest) -> dict[str, str]:
    """The message's fields once its signature checks out (decrypted in safe mode)."""
    query = request.query
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    encrypted = query.get("encrypt_type", "raw").lower() == "aes"
    if config.aes_key is None:
        if encrypted:
            raise InvalidInput("the message is encrypted but the channel has no encoding_aes_key")
        _check_signature(query.get("signature"), config.token, timestamp, nonce)
        return parse_fields(request.body)
    # Safe mode: a plain request would be a downgrade (its signature does not cover the body).
    if not encrypted:
        raise Unauthenticated("this channel is in safe mode: expected encrypt_type=aes", code="bad_signature")
    given = query.get("msg_signature")
    if not given:
        raise Unauthenticated("missing msg_signature", code="bad_signature")
    # msg_signature covers the Encrypt element, so the envelope is read (safely) before the check.
    envelope = parse_fields(request.body)
    ciphertext = envelope.get("Encrypt", "")
    if not ciphertext:
        raise MalformedInput("the encrypted message has no Encrypt element", code="malformed_xml")
    _check_signature(given, config.token, timestamp, nonce, ciphertext, name="msg_signature")
    return parse_fields(decrypt_message(ciphertext, key=config.aes_key, app_id=config.app_id))


def _check_signature(given: str | None, *parts: str, name: str = "signature") -> None:
    if not signature_matches(given, *parts):
        raise Unauthenticated(f"missing or wrong {name}", code="bad_signature")
