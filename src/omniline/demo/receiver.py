"""A stand-in for the company's app backend, served only in development: the demo `api` channel
delivers agents' replies here, so a new user sees the whole round trip without writing a receiver.

POST /demo/app-webhook checks the signature like a real receiver must; GET lists what arrived.
"""

import json
import uuid
from collections import deque
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from omniline.channels.service import load_channel_info
from omniline.channels.signing import SIGNATURE_HEADER, signature_matches
from omniline.kernel.errors import InvalidInput, NotFound, Unauthenticated
from omniline.web.dependencies import ContainerDep

router = APIRouter(prefix="/demo", tags=["demo"], include_in_schema=False)
_received: deque[dict[str, Any]] = deque(maxlen=200)


@router.post("/app-webhook")
async def receive_reply(request: Request, container: ContainerDep) -> JSONResponse:
    body = await request.body()
    try:
        payload = json.loads(body)
        channel_id = payload["channel_id"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("not an omniline reply") from None

    def secret() -> str:
        with container.uow() as uow:
            return load_channel_info(uow.session, uuid.UUID(channel_id)).secret

    try:
        channel_secret = await run_in_threadpool(secret)
    except (ValueError, NotFound):
        raise NotFound("unknown channel") from None
    if not signature_matches(channel_secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise Unauthenticated("bad signature", code="bad_signature")
    _received.appendleft(payload)
    return JSONResponse({"ok": True})


@router.get("/app-webhook")
def list_replies() -> dict[str, Any]:
    return {"items": list(_received)}
