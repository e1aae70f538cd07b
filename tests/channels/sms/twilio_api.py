"""A real HTTP server on loopback standing in for Twilio's REST API: it records the requests it gets
and answers with scripted replies (status, JSON body, headers); GETs of a message's media serve the
picture when the request carries the account's basic-auth credentials."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.loopback import serve_on_loopback

FIXTURES = Path(__file__).parent / "fixtures"
# The smallest valid PNG (1×1, transparent): sniffed as image/png by the file store.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class TwilioApi:
    url: str
    replies: list[Reply]  # answers to POSTs in order; the last one repeats
    media_auth: str  # the Authorization header a media GET must carry
    received: list[Received] = field(default_factory=list)


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@contextmanager
def twilio_api(replies: list[Reply] | None = None, *, media_auth: str = "") -> Iterator[TwilioApi]:
    state = TwilioApi(
        url="", replies=list(replies or [Reply(201, fixture("message_created.json"))]), media_auth=media_auth
    )
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> Received:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(
                self.command, self.path, {key.lower(): value for key, value in self.headers.items()}, body
            )
            with lock:
                state.received.append(item)
            return item

        def do_POST(self) -> None:
            self._record()
            with lock:
                reply = state.replies.pop(0) if len(state.replies) > 1 else state.replies[0]
            raw = json.dumps(reply.body, ensure_ascii=False).encode() if reply.body is not None else b""
            self.send_response(reply.status)
            for name, value in ({"Content-Type": "application/json"} | reply.headers).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            request = self._record()
            allowed = "/Media/" in self.path and request.headers.get("authorization") == state.media_auth
            raw = PNG if allowed else b""
            self.send_response(200 if allowed else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    with serve_on_loopback(Handler) as base:
        state.url = base
        yield state
