"""The web chat's doors: the widget script, a demo page, the visitor socket and the agents' typing.

- `GET /widget.js` — the embeddable widget (plain JavaScript, no build step, no CDN);
- `GET /webchat/{channel_id}/demo` — a page that embeds it, for trying the channel;
- `WS /webchat/{channel_id}/ws` — the visitor socket (protocol.py); pages whose Origin is not in the
  channel's allowed_origins are refused at the handshake (403);
- `POST /api/v1/webchat/conversations/{id}/typing {"active": true}` — an agent is typing.
"""

import functools
import html
import uuid
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.channels.webchat.config import origin_allowed
from omniline.channels.webchat.connection import VisitorConnection
from omniline.channels.webchat.service import load_webchat_channel
from omniline.conversations.service import get_conversation
from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.events import DomainEvent
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(tags=["webchat"])

REFUSED_CLOSE_CODE = 4403


@functools.cache
def widget_source() -> bytes:
    return (resources.files("omniline.channels.webchat") / "static" / "widget.js").read_bytes()


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> Response:
    return Response(
        widget_source(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/webchat/{channel_id}/demo", include_in_schema=False)
def demo_page(channel_id: uuid.UUID, request: Request, container: ContainerDep) -> HTMLResponse:
    load_webchat_channel(container, channel_id)
    base = html.escape(str(request.base_url).rstrip("/"), quote=True)
    return HTMLResponse(DEMO_PAGE.format(base=base, channel=channel_id))


@router.websocket("/webchat/{channel_id}/ws")
async def visitor_socket(websocket: WebSocket, channel_id: str) -> None:
    container: Container = websocket.app.state.container
    try:
        channel = await run_in_threadpool(load_webchat_channel, container, uuid.UUID(channel_id))
    except (ValueError, NotFound):
        await websocket.close(REFUSED_CLOSE_CODE)  # before accept: the handshake is answered 403
        return
    if not origin_allowed(channel.config, websocket.headers.get("origin")):
        await websocket.close(REFUSED_CLOSE_CODE)
        return
    await websocket.accept()
    ip = websocket.client.host if websocket.client else "unknown"
    await VisitorConnection(container, channel, websocket, ip).run()


class TypingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = True


@router.post("/api/v1/webchat/conversations/{conversation_id}/typing", status_code=202, tags=["webchat"])
def agent_typing(
    conversation_id: uuid.UUID, body: TypingRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Show (or hide) "typing…" in the visitor's widget; nothing is stored."""
    with container.uow() as uow:
        conversation = get_conversation(uow.session, actor.tenant_id, conversation_id)
        if uow.session.get_one(Channel, conversation.channel_id).kind != "webchat":
            raise InvalidInput("typing indicators exist only in web chat conversations")
    data = {"conversation_id": str(conversation_id), "active": body.active, "agent": actor.name}
    container.bus.publish(DomainEvent("webchat.agent_typing", actor.tenant_id, data))
    return {"status": "sent"}


DEMO_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>omniline web chat demo</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}}
</style>
</head>
<body>
<h1>Demo Shop · Демо-магазин · 演示商店</h1>
<p>This page embeds the omniline web chat with one tag. Open the chat with the button in the corner.</p>
<p>Эта страница встраивает веб-чат omniline одним тегом. Откройте чат кнопкой в углу.</p>
<p>本页面用一个标签嵌入了 omniline 网页聊天。点击角落里的按钮打开聊天。</p>
<pre>&lt;script src="{base}/widget.js" data-channel="{channel}" async&gt;&lt;/script&gt;</pre>
<script src="{base}/widget.js" data-channel="{channel}" async></script>
</body>
</html>
"""
