"""One visitor's socket: the hello handshake, then frames in (messages, typing, claims) and out.

Every frame that would store something passes the per-visitor and per-IP token buckets first and is
refused with an error frame, storing nothing, when either is empty. Database work runs in the thread
pool; frames for the visitor (acks, agent replies, typing) leave through one writer task.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.webchat import claims, protocol
from omniline.channels.webchat.hub import HUB, VisitorSocket
from omniline.channels.webchat.limits import IP_LIMIT, VISITOR_LIMIT
from omniline.channels.webchat.service import (
    Visitor,
    is_online,
    load_history,
    receive_visitor_message,
    visitor_inbound,
)
from omniline.channels.webchat.tokens import issue_visitor_token, read_visitor_token, user_hash_matches
from omniline.customers.identities import IdentityClaim, normalise_email, normalise_phone
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id

log = logging.getLogger(__name__)

HELLO_TIMEOUT_SECONDS = 10
BAD_TOKEN_CLOSE_CODE = 4401
PROTOCOL_CLOSE_CODE = 4400
TYPING_INTERVAL_SECONDS = 2.0


class VisitorConnection:
    def __init__(self, container: Container, channel: ChannelInfo, websocket: WebSocket, ip: str) -> None:
        self.container = container
        self.channel = channel
        self.websocket = websocket
        self.ip = ip
        self.visitor: Visitor
        self.socket: VisitorSocket
        self.conversations: set[uuid.UUID] = set()
        self.online = True
        self._last_typing = 0.0

    async def run(self) -> None:
        visitor = await self._handshake()
        if visitor is None:
            return
        self.visitor = visitor
        self.socket = VisitorSocket(visitor.visitor_id, self.channel.id)
        HUB.ensure_fanout(self.container.bus)
        writer = asyncio.create_task(self._write())
        try:
            await self._welcome()
            while True:
                await self._handle(await self.websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            HUB.forget(self.socket, self.conversations)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _handshake(self) -> Visitor | None:
        try:
            text = await asyncio.wait_for(self.websocket.receive_text(), HELLO_TIMEOUT_SECONDS)
            hello = protocol.CLIENT_FRAME.validate_json(text)
        except (TimeoutError, ValidationError, WebSocketDisconnect):
            hello = None
        if not isinstance(hello, protocol.Hello):
            await self.websocket.close(PROTOCOL_CLOSE_CODE, "the first frame must be a hello")
            return None
        if hello.token is None:
            visitor = Visitor(new_id())
        else:
            visitor_id = read_visitor_token(self.channel.secret, self.channel.id, hello.token)
            if visitor_id is None:
                refusal = protocol.error_frame("bad_token", "the visitor token is not valid")
                await self.websocket.send_json(refusal)
                await self.websocket.close(BAD_TOKEN_CLOSE_CODE, "bad visitor token")
                return None
            visitor = Visitor(visitor_id)
        visitor.name = hello.name
        visitor.verification_id = hello.verification_id
        if hello.user_id is not None:
            if user_hash_matches(self.channel.secret, hello.user_id, hello.user_hash):
                visitor.app_user_id = hello.user_id
            else:
                # The page's word alone is not proof: chat on anonymously, link nothing.
                await self.websocket.send_json(
                    protocol.error_frame("user_not_verified", "user_hash does not match user_id")
                )
        for kind, value in (("email", hello.email), ("phone", hello.phone)):
            if value:
                with contextlib.suppress(InvalidInput):  # a stale form value: chat on without it
                    visitor.unverified.append(self._parse_claim(kind, value))
        return visitor

    async def _welcome(self) -> None:
        history = await run_in_threadpool(load_history, self.container, self.channel, self.visitor)
        if history.conversation_id is not None:
            self._watch(history.conversation_id)
        self.online = await run_in_threadpool(is_online, self.container, self.channel)
        await self.websocket.send_json(
            {
                "type": "welcome",
                "visitor_id": str(self.visitor.visitor_id),
                "token": issue_visitor_token(self.channel.secret, self.channel.id, self.visitor.visitor_id),
                "conversation_id": str(history.conversation_id) if history.conversation_id else None,
                "messages": history.messages,
                "online": self.online,
                "greeting": self.channel.config.get("greeting"),
                "app_user_verified": self.visitor.app_user_id is not None,
            }
        )

    async def _write(self) -> None:
        while True:
            frame = await self.socket.queue.get()
            await self.websocket.send_json(frame)

    def _send(self, frame: dict[str, Any]) -> None:
        self.socket.offer(frame)

    def _watch(self, conversation_id: uuid.UUID) -> None:
        if conversation_id not in self.conversations:
            self.conversations.add(conversation_id)
            HUB.watch(self.socket, conversation_id)

    async def _handle(self, text: str) -> None:
        if len(text) > protocol.MAX_FRAME_BYTES:
            limit = f"frames are limited to {protocol.MAX_FRAME_BYTES} bytes"
            self._send(protocol.error_frame("too_large", limit))
            return
        try:
            frame = protocol.CLIENT_FRAME.validate_json(text)
        except ValidationError as error:
            code = "malformed" if _not_json(text) else "invalid"
            self._send(protocol.error_frame(code, error.errors()[0]["msg"] if error.errors() else "invalid"))
            return
        try:
            await self._dispatch(frame)
        except InvalidInput as error:
            self._send(protocol.error_frame("invalid", error.message, getattr(frame, "client_id", None)))
        except Exception:  # the visitor gets an answer, the server log the details
            log.exception("webchat frame failed")
            self._send(protocol.error_frame("internal", "something went wrong on our side"))

    async def _dispatch(self, frame: Any) -> None:
        if isinstance(frame, protocol.Ping):
            self._send({"type": "pong"})
        elif isinstance(frame, protocol.VisitorText):
            await self._message(frame)
        elif isinstance(frame, protocol.Typing):
            self._typing(frame.active)
        elif isinstance(frame, protocol.Prechat):
            await self._prechat(frame)
        elif isinstance(frame, protocol.Verify):
            await self._verify(frame.code)
        elif isinstance(frame, protocol.OfflineEmail):
            await self._offline_email(frame.email)
        else:
            self._send(protocol.error_frame("invalid", "hello was already received"))

    def _allowed(self, client_id: str | None = None, cost: float = 1.0) -> bool:
        visitor_ok = VISITOR_LIMIT.allow(f"{self.channel.id}:{self.visitor.visitor_id}", cost)
        ip_ok = IP_LIMIT.allow(f"{self.channel.id}:{self.ip}", cost)
        if visitor_ok and ip_ok:
            return True
        self._send(protocol.error_frame("rate_limited", "too many messages; wait a moment", client_id))
        return False

    async def _message(self, frame: protocol.VisitorText) -> None:
        text = frame.text.strip()
        if not text:
            self._send(protocol.error_frame("empty", "the message is empty", frame.client_id))
            return
        if len(text) > protocol.MAX_TEXT_CHARS:
            message = f"messages are limited to {protocol.MAX_TEXT_CHARS} characters"
            self._send(protocol.error_frame("too_long", message, frame.client_id))
            return
        if not self._allowed(frame.client_id):
            return
        online = await run_in_threadpool(is_online, self.container, self.channel)
        inbound = visitor_inbound(
            self.channel,
            self.visitor,
            external_id=f"{self.visitor.visitor_id}:{frame.client_id}",
            text=text,
            sent_at=self.container.clock(),
            meta={} if online else {"offline": True},
        )
        result = await run_in_threadpool(receive_visitor_message, self.container, self.channel, inbound)
        self._watch(result.conversation_id)
        self._send(
            {
                "type": "ack",
                "client_id": frame.client_id,
                "message_id": str(result.message_id),
                "conversation_id": str(result.conversation_id),
                "duplicate": result.duplicate,
            }
        )
        if online != self.online:
            self.online = online
            self._send({"type": "status", "online": online})

    def _typing(self, active: bool) -> None:
        now = time.monotonic()
        if not self.conversations or (active and now - self._last_typing < TYPING_INTERVAL_SECONDS):
            return  # nobody to tell yet, or told a moment ago: typing is throttled, never an error
        self._last_typing = now
        data = {
            "conversation_id": str(max(self.conversations)),
            "visitor_id": str(self.visitor.visitor_id),
            "active": active,
        }
        self.container.bus.publish(DomainEvent("webchat.typing", self.channel.tenant_id, data))

    async def _prechat(self, frame: protocol.Prechat) -> None:
        if not self._allowed(cost=3):
            return
        if frame.name:
            self.visitor.name = frame.name.strip()[:200] or None
        if frame.phone:
            phone = self._claim("phone", frame.phone)
            if phone is None:
                return
            self._add_unverified(phone)
        if frame.email:
            email = self._claim("email", frame.email)
            if email is None:
                return
            self._add_unverified(email)
            request = await run_in_threadpool(
                claims.request_email_code, self.container, self.channel, self.visitor, email
            )
            if request.verification_id is not None:
                self.visitor.verification_id = request.verification_id
            self._send(
                {
                    "type": "verification",
                    "status": request.status,
                    "verification_id": str(request.verification_id) if request.verification_id else None,
                }
            )
            return
        self._send({"type": "prechat", "status": "saved"})

    async def _verify(self, code: str) -> None:
        if not self._allowed(cost=2):
            return
        result = await run_in_threadpool(
            claims.confirm_email_code, self.container, self.channel, self.visitor, code
        )
        if result.outcome == "confirmed":
            self.visitor.unverified = [item for item in self.visitor.unverified if item.kind != "email"]
            self.visitor.verification_id = None
        self._send({"type": "verification", "status": result.outcome})

    async def _offline_email(self, address: str) -> None:
        if not self._allowed(cost=2):
            return
        email = self._claim("email", address)
        if email is None:
            return
        result = await run_in_threadpool(
            claims.record_offline_email,
            self.container,
            self.channel,
            self.visitor,
            email,
            f"{self.visitor.visitor_id}:offline-email:{email.address}",
        )
        self._watch(result.conversation_id)
        self._send({"type": "offline_email", "status": "recorded", "email": email.address})

    def _claim(self, kind: str, value: str) -> IdentityClaim | None:
        """The normalised, unverified claim; None (and an error frame) when it is not an address."""
        try:
            return self._parse_claim(kind, value)
        except InvalidInput as error:
            self._send(protocol.error_frame(f"invalid_{kind}", error.message))
            return None

    def _parse_claim(self, kind: str, value: str) -> IdentityClaim:
        if kind == "email":
            return IdentityClaim(kind, normalise_email(value), verified=False)
        return IdentityClaim(kind, normalise_phone(value, region=self.channel.phone_region), verified=False)

    def _add_unverified(self, claim: IdentityClaim) -> None:
        others = [item for item in self.visitor.unverified if item.kind != claim.kind]
        self.visitor.unverified = [*others, claim]


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False
