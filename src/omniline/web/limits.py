"""Body size limit for every HTTP request, enforced before any route reads the body."""

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Routes that take file uploads (an agent's reply with attachments): their bodies may carry files up
# to the file limit, where every other body keeps the small JSON limit.
UPLOAD_PATHS = re.compile(r"^/api/v1/conversations/[^/]+/messages$")
MULTIPART_OVERHEAD = 64 * 1024  # form boundaries, headers and the reply's text


class BodySizeLimit:
    """Answers 413 when a body exceeds `max_bytes` (`upload_max_bytes` on upload routes), by
    Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = max(max_bytes, (upload_max_bytes or 0) + MULTIPART_OVERHEAD)

    def limit_for(self, path: str) -> int:
        return self.upload_max_bytes if UPLOAD_PATHS.match(path) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {"error": {"code": "payload_too_large", "message": f"the body exceeds {limit} bytes"}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
