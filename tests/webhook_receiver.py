"""A real HTTP server on loopback standing in for the company's app backend: it records what it
receives and answers with scripted statuses (e.g. 503, 503, then 200)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.loopback import serve_on_loopback


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    statuses: list[int]  # answers in order; the last one repeats
    received: list[ReceivedRequest] = field(default_factory=list)


@contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[WebhookReceiver]:
    state = WebhookReceiver(url="", statuses=list(statuses or [200]))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state.received.append(
                    ReceivedRequest(
                        self.path, {key.lower(): value for key, value in self.headers.items()}, body
                    )
                )
                status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    with serve_on_loopback(Handler) as base:
        state.url = f"{base}/omniline/replies"
        yield state
