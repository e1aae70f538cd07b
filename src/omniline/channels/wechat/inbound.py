"""WeChat message and event fields → InboundMessage.

Each kind becomes readable text (`[location] 上海市…`, `[image]`) with its details in `meta`; media
stay on WeChat's side, referenced by `media_id` (valid there for three days); a message kind we do
not know is kept as `[kind]` with its fields, so an agent still sees that something arrived. Events
are stored too, as `wechat.<event>`, but never open a case: a follow, an unfollow or a menu tap is
not a problem report. Other events (periodic location reports, template-send receipts) return None:
WeChat still gets its "success", or it would retry and then tell the follower the account is down.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import InboundMessage

MAX_TEXT_LENGTH = 20_000
# Events stored on the timeline (lower-cased WeChat name → our event name); others are acknowledged only.
EVENTS = {
    "subscribe": "wechat.subscribe",
    "unsubscribe": "wechat.unsubscribe",
    "click": "wechat.click",
    "view": "wechat.view",
}


def inbound_message(channel_id: uuid.UUID, fields: dict[str, str]) -> InboundMessage | None:
    """The message WeChat's fields describe; InvalidInput when a field it must have is missing."""
    openid = _required(fields, "FromUserName")
    created = _required(fields, "CreateTime")
    if not created.isdigit():
        raise InvalidInput(f"CreateTime must be a Unix time in seconds, not {created[:40]!r}")
    sent_at = datetime.fromtimestamp(int(created), UTC)
    msg_type = _required(fields, "MsgType").lower()
    if msg_type == "event":
        return _event(channel_id, fields, openid, created, sent_at)
    text, meta = RENDERERS.get(msg_type, _other)(fields)
    return InboundMessage(
        channel_id=channel_id,
        external_id=_required(fields, "MsgId"),
        identities=(IdentityClaim("wechat", openid, verified=True),),
        text=text[:MAX_TEXT_LENGTH],
        sent_at=sent_at,
        meta={"msg_type": msg_type, **meta},
    )


def _event(
    channel_id: uuid.UUID, fields: dict[str, str], openid: str, created: str, sent_at: datetime
) -> InboundMessage | None:
    name = _required(fields, "Event")
    event = EVENTS.get(name.lower())
    if event is None:
        return None
    key = fields.get("EventKey") or None
    meta: dict[str, Any] = {"msg_type": "event", "event": name.lower()}
    if key:
        meta["event_key"] = key
    for field, meta_key in (("Ticket", "ticket"), ("MenuId", "menu_id")):
        if fields.get(field):
            meta[meta_key] = fields[field]
    text = {
        "wechat.subscribe": "[subscribe]",
        "wechat.unsubscribe": "[unsubscribe]",
        "wechat.click": f"[menu click] {key or ''}".strip(),
        "wechat.view": f"[menu link] {key or ''}".strip(),
    }[event]
    return InboundMessage(
        channel_id=channel_id,
        # Events have no MsgId; WeChat's own advice is to dedupe them on sender + CreateTime.
        external_id=f"{openid}-{created}-{name}",
        identities=(IdentityClaim("wechat", openid, verified=True),),
        text=text,
        sent_at=sent_at,
        event=event,
        meta=meta,
        auto_generated=True,
    )


def _text(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    content = fields.get("Content", "")
    if not content:
        raise InvalidInput("a text message needs Content")
    return content, {}


def _image(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    return "[image]", _pick(fields, PicUrl="pic_url", MediaId="media_id")


def _voice(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    meta = _pick(fields, MediaId="media_id", Format="format", Recognition="recognition")
    return f"[voice] {meta['recognition']}" if meta.get("recognition") else "[voice]", meta


def _video(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    return "[video]", _pick(fields, MediaId="media_id", ThumbMediaId="thumb_media_id")


def _location(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    try:  # WeChat's Location_X is the latitude and Location_Y the longitude
        latitude, longitude = float(fields["Location_X"]), float(fields["Location_Y"])
        scale = int(fields["Scale"]) if fields.get("Scale") else None
    except (KeyError, ValueError):
        raise InvalidInput("a location needs numeric Location_X, Location_Y and Scale") from None
    label = fields.get("Label", "")
    meta: dict[str, Any] = {"latitude": latitude, "longitude": longitude, "scale": scale, "label": label}
    return f"[location] {label or f'{latitude}, {longitude}'}", meta


def _link(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    meta = _pick(fields, Title="title", Description="description", Url="url")
    parts = [part for part in (meta.get("title"), meta.get("url")) if part]
    return "\n".join(["[link] " + (parts[0] if parts else ""), *parts[1:]]).strip(), meta


ENVELOPE_FIELDS = frozenset({"ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId"})
RENDERERS: dict[str, Callable[[dict[str, str]], tuple[str, dict[str, Any]]]] = {
    "text": _text,
    "image": _image,
    "voice": _voice,
    "video": _video,
    "shortvideo": _video,
    "location": _location,
    "link": _link,
}


def _other(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A kind WeChat added after us (a mini-program card, …): shown by name, its fields kept."""
    extra = {name: value[:500] for name, value in fields.items() if name not in ENVELOPE_FIELDS}
    return f"[{fields['MsgType'].lower()}]", {"fields": dict(list(extra.items())[:20])}


def _pick(fields: dict[str, str], **names: str) -> dict[str, Any]:
    return {meta_key: fields[field] for field, meta_key in names.items() if fields.get(field)}


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise InvalidInput(f"the WeChat message has no {name}")
    return value
