"""`/ws`: agents' live feed. Authenticate with `?access_token=…`; receive your tenant's events as
`{"type": "message.received", "data": {...}}`. Send `{"type": "ping"}` to get `{"type": "pong"}`."""

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.kernel.errors import Unauthenticated
from omniline.realtime.bus import Subscription
from omniline.realtime.presence import agent_connected
from omniline.security.access import Actor
from omniline.web.dependencies import actor_from_token
from omniline.web.sessions import same_origin, session_of

router = APIRouter()

AGENT_EVENT_TYPES = frozenset(
    {
        "message.received",
        "message.sent",
        "case.updated",
        "delivery.updated",
        "customer.merged",
        "customer.unmerged",
        "task.created",
        "call.answered",
        "webchat.typing",
        # routing: offers and assignments go to one agent (see `for_user_id`), the rest to everyone
        "case.routed",
        "task.offered",
        "task.assigned",
        "task.offer_ended",
        "task.finished",
        "agent.presence",
        "sla.warning",
        "sla.breached",
        "case.escalated",
    }
)
# An event whose data names `for_user_id` is meant for that one user's sockets only (an offer).
TARGET_KEY = "for_user_id"
UNAUTHENTICATED_CLOSE_CODE = 4401


@router.websocket("/ws")
async def agent_feed(websocket: WebSocket) -> None:
    container: Container = websocket.app.state.container
    token = websocket.query_params.get("access_token") or _bearer(websocket.headers.get("authorization"))
    try:
        actor = await run_in_threadpool(_authenticate, container, websocket, token)
    except Unauthenticated as error:
        await websocket.accept()
        await websocket.close(code=UNAUTHENTICATED_CLOSE_CODE, reason=error.message[:100])
        return
    await websocket.accept()
    subscription = container.bus.subscribe(actor.tenant_id, AGENT_EVENT_TYPES)
    await websocket.send_json({"type": "hello", "data": {"user_id": str(actor.user_id), "role": actor.role}})
    sender = asyncio.create_task(_forward(websocket, subscription, str(actor.user_id)))
    try:
        with agent_connected(actor.tenant_id):
            while True:
                text = await websocket.receive_text()
                with contextlib.suppress(ValueError):
                    if json.loads(text).get("type") == "ping":
                        await websocket.send_json({"type": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        subscription.close()


def _authenticate(container: Container, websocket: WebSocket, token: str | None) -> Actor:
    """A token (programs), or the pages' session cookie from one of our own pages (the Origin check
    stops another site's page from opening a socket with the agent's cookie)."""
    if token:
        return actor_from_token(container, token)
    active = session_of(container, websocket) if same_origin(websocket) else None
    if active is None:
        raise Unauthenticated("no access token or session")
    return active.actor


async def _forward(websocket: WebSocket, subscription: Subscription, user_id: str) -> None:
    while True:
        event = await subscription.get()
        target = event.data.get(TARGET_KEY)
        if target is not None and target != user_id:
            continue
        await websocket.send_json({"type": event.type, "data": event.data})


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None
