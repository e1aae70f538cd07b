"""What the channels that talk to the company's own systems share (the `api` app, the `social`
listening integration): signed JSON replies to a configured webhook, and pydantic errors as 400/422."""

import json
from typing import Any
from urllib.parse import urlparse

import httpx
from pydantic import ValidationError

from omniline.channels.base import AdapterContext, ChannelInfo, SendResult
from omniline.channels.http_results import result_from_response, result_from_transport_error
from omniline.channels.signing import SIGNATURE_HEADER, sign_body
from omniline.kernel.errors import InvalidInput, MalformedInput
from omniline.messages.normalized import OutboundMessage


def webhook_config(config: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """The stored config of a channel whose only setting is an optional `webhook_url` (http or https);
    without one, replies fail visibly until it is set."""
    unknown = set(config) - {"webhook_url"}
    if unknown:
        article = "an" if kind[:1] in "aeiou" else "a"
        raise InvalidInput(f"unknown config keys for {article} {kind} channel: {', '.join(sorted(unknown))}")
    url = config.get("webhook_url")
    if url is None:
        return {}
    parsed = urlparse(str(url))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("webhook_url must be an http:// or https:// URL")
    return {"webhook_url": str(url)}


def post_signed_json(
    channel: ChannelInfo, message: OutboundMessage, body: dict[str, Any], context: AdapterContext
) -> SendResult:
    """POST `body` to the channel's `webhook_url`, signed with the channel secret; the message id
    goes along as `X-Omniline-Delivery` so the receiver can drop our retries."""
    url = channel.config.get("webhook_url")
    if not url:
        return SendResult(ok=False, error="the channel has no webhook_url to deliver replies to")
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign_body(channel.secret, raw),
        "X-Omniline-Delivery": str(message.message_id),
    }
    try:
        response = context.http.post(url, content=raw, headers=headers)
    except httpx.HTTPError as error:
        return result_from_transport_error(error)
    return result_from_response(response)


def body_problem(error: ValidationError) -> InvalidInput:
    """A body that is not JSON at all is malformed (400); one with wrong fields is invalid (422)."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}" for item in error.errors()
    )
    if any(item["type"] == "json_invalid" for item in error.errors()):
        return MalformedInput(f"the body is not valid JSON: {problems}")
    return InvalidInput(problems)
