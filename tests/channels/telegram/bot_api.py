"""A fake Bot API on loopback: a real HTTP server answering in Telegram's format from the fixtures.

It records every request, serves the files it was given through getFile and `/file/bot<token>/…`,
and answers sendMessage (and any other method) from scripted answers, the last one repeating.
"""

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
BOT_TOKEN = "7000000001:AAHfake-bot-token-for-tests-0000000"
SECRET_TOKEN = "tg-secret-token-for-tests-0001"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class BotApiCall:
    method: str  # "sendMessage", "getFile", … or "file:<path>" for a download
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None


@dataclass
class FakeBotApi:
    base_url: str = ""
    token: str = BOT_TOKEN
    calls: list[BotApiCall] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id → (file_path, bytes)
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)  # method → answers

    def answer(self, method: str, *answers: tuple[int, Any]) -> None:
        self.answers[method] = list(answers)

    def calls_to(self, method: str) -> list[BotApiCall]:
        return [call for call in self.calls if call.method == method]

    def _next_answer(self, method: str) -> tuple[int, Any]:
        queue = self.answers.get(method)
        if not queue:
            if method == "sendMessage":
                return 200, fixture("send_message_ok.json")
            return 200, {"ok": True, "result": True}
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def _get_file(self, body: Any) -> tuple[int, Any]:
        file_id = body.get("file_id") if isinstance(body, dict) else None
        if file_id not in self.files:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        answer = fixture("get_file.json")
        path, data = self.files[file_id]
        answer["result"].update(file_id=file_id, file_path=path, file_size=len(data))
        return 200, answer


@contextmanager
def fake_bot_api() -> Iterator[FakeBotApi]:
    state = FakeBotApi()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            prefix = f"/file/bot{state.token}/"
            with lock:
                state.calls.append(
                    BotApiCall(f"file:{self.path[len(prefix) :]}", self.path, self._headers(), None)
                )
                found = [data for path, data in state.files.values() if prefix + path == self.path]
            if not found:
                self._send(404, b"Not Found", "text/plain")
            else:
                self._send(200, found[0], "application/octet-stream")

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.loads(raw) if raw else None
            prefix = f"/bot{state.token}/"
            if not self.path.startswith(prefix):
                self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            method = self.path[len(prefix) :]
            with lock:
                state.calls.append(BotApiCall(method, self.path, self._headers(), body))
                if method == "getFile" and method not in state.answers:
                    status, answer = state._get_file(body)
                else:
                    status, answer = state._next_answer(method)
            self._json(status, answer)

        def _headers(self) -> dict[str, str]:
            return {key.lower(): value for key, value in self.headers.items()}

        def _json(self, status: int, answer: Any) -> None:
            self._send(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    with serve_on_loopback(Handler) as base:
        state.base_url = base
        yield state
