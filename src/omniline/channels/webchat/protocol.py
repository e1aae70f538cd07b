"""The widget's wire protocol: JSON frames over `/webchat/{channel_id}/ws`.

Visitor → server (the first frame must be `hello`):
    {"type": "hello", "token": "…"|null, "user_id": "42", "user_hash": "hex", "name": "Anna",
     "email": "…", "phone": "…", "verification_id": "…"}                (all but type optional)
    {"type": "message", "client_id": "uuid made in the browser", "text": "…"}
    {"type": "typing", "active": true}
    {"type": "prechat", "name": "…", "email": "…", "phone": "…"}     (all optional)
    {"type": "verify", "code": "123456"}
    {"type": "offline_email", "email": "…"}
    {"type": "ping"}

Server → visitor:
    {"type": "welcome", "token", "visitor_id", "conversation_id", "messages": [...], "online", "greeting",
     "app_user_verified"}
    {"type": "ack", "client_id", "message_id", "duplicate"}      the message is stored (exactly once)
    {"type": "message", "message": {"id", "direction", "text", "author", "sent_at", "client_id"}}
    {"type": "typing", "active"}                                  an agent is typing
    {"type": "status", "online"}
    {"type": "verification", "status": "sent"|"confirmed"|"wrong_code"|"expired"|"too_many_attempts"|…}
    {"type": "error", "code", "message", "client_id"?}            nothing was stored
    {"type": "pong"}
"""

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_TEXT_CHARS = 4000
MAX_FRAME_BYTES = 16 * 1024


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT_CHARS * 4)


class Hello(_Frame):
    type: Literal["hello"]
    token: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    user_hash: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    # Remembered by the widget from its pre-chat form: unverified, recorded on messages only.
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    verification_id: uuid.UUID | None = None  # a code mailed before a reload can still be typed in


class VisitorText(_Frame):
    type: Literal["message"]
    client_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    text: str


class Typing(_Frame):
    type: Literal["typing"]
    active: bool = True


class Prechat(_Frame):
    type: Literal["prechat"]
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class Verify(_Frame):
    type: Literal["verify"]
    code: str = Field(min_length=1, max_length=12)


class OfflineEmail(_Frame):
    type: Literal["offline_email"]
    email: str = Field(min_length=3, max_length=320)


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[
    Hello | VisitorText | Typing | Prechat | Verify | OfflineEmail | Ping, Field(discriminator="type")
]
CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


def error_frame(code: str, message: str, client_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def message_frame(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message (the API's message view) as the visitor may see it: no internal fields."""
    return {"type": "message", "message": visitor_message(message)}


def visitor_message(message: dict[str, Any]) -> dict[str, Any]:
    external_id = message.get("external_id") or ""
    inbound = message["direction"] == "in"
    return {
        "id": message["id"],
        "direction": message["direction"],
        "text": message["text"],
        "author": None if inbound else message["sender"]["name"],
        "sent_at": message["sent_at"],
        # Visitor messages carry the browser's id after the visitor prefix: the widget matches its queue.
        "client_id": external_id.rpartition(":")[2] if inbound and external_id else None,
    }
