"""WeChat test helpers: fixtures, signed hook requests, and a local server standing in for
api.weixin.qq.com that issues access tokens and records customer-service messages."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi.testclient import TestClient
from httpx import Response

from omniline.channels.wechat.config import decode_aes_key
from omniline.channels.wechat.crypto import encrypt_message
from omniline.channels.wechat.signature import wechat_signature
from tests.loopback import serve_on_loopback
from tests.support import ApiWorld

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "omnilineToken2026"
APP_ID = "wx5823bf96d3bd56c7"
APP_SECRET = "9a1b8c2d7e3f6a4b5c0d9e8f7a6b5c4d"
ENCODING_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
TIMESTAMP, NONCE = "1763892000", "1320562132"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def plain_config(**overrides: str) -> dict[str, str]:
    return {"app_id": APP_ID, "app_secret": APP_SECRET, "token": TOKEN} | overrides


def create_wechat_channel(world: ApiWorld, config: dict[str, str]) -> dict[str, Any]:
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "wechat", "name": "公众号", "config": config},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def signed_query(token: str = TOKEN, **extra: str) -> dict[str, str]:
    return {
        "signature": wechat_signature(token, TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
    } | extra


def post_plain(
    client: TestClient, channel_id: str, body: bytes, query: dict[str, str] | None = None
) -> Response:
    return client.post(
        f"/hooks/{channel_id}",
        params=signed_query() if query is None else query,
        content=body,
        headers={"Content-Type": "text/xml"},
    )


def encrypted_envelope(
    xml: bytes, *, aes_key: str = ENCODING_AES_KEY, app_id: str = APP_ID
) -> tuple[bytes, str]:
    """The safe-mode body WeChat would send for `xml`, and its Encrypt value."""
    encrypted = encrypt_message(xml, key=decode_aes_key(aes_key), app_id=app_id)
    body = (
        "<xml><ToUserName><![CDATA[gh_3f9c1a7b2d4e]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return body.encode(), encrypted


def safe_query(encrypted: str, token: str = TOKEN) -> dict[str, str]:
    """The query of a safe-mode POST whose body carries `encrypted`."""
    return signed_query(
        token, encrypt_type="aes", msg_signature=wechat_signature(token, TIMESTAMP, NONCE, encrypted)
    )


def post_encrypted(client: TestClient, channel_id: str, xml: bytes, *, token: str = TOKEN) -> Response:
    body, encrypted = encrypted_envelope(xml)
    query = signed_query(
        token, encrypt_type="aes", msg_signature=wechat_signature(token, TIMESTAMP, NONCE, encrypted)
    )
    return post_plain(client, channel_id, body, query)


@dataclass
class ApiCall:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeWeChatApi:
    """Answers in order (the last one repeats): `token_answers` for GET /cgi-bin/token (by default a
    fresh TOKEN-<n> each time), `send_answers` for POST /cgi-bin/message/custom/send."""

    url: str = ""
    send_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=lambda: [(200, OK)])
    token_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    tokens_issued: int = 0

    def of(self, path: str) -> list[ApiCall]:
        return [call for call in self.calls if call.path == path]


OK = {"errcode": 0, "errmsg": "ok"}
TOKEN_PATH, SEND_PATH = "/cgi-bin/token", "/cgi-bin/message/custom/send"


@contextmanager
def fake_wechat_api(
    send_answers: list[tuple[int, dict[str, Any]]] | None = None,
    token_answers: list[tuple[int, dict[str, Any]]] | None = None,
) -> Iterator[FakeWeChatApi]:
    state = FakeWeChatApi(send_answers=send_answers or [(200, OK)], token_answers=token_answers or [])
    lock = threading.Lock()

    def next_answer(answers: list[tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any]]:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state.calls.append(
                    ApiCall(
                        self.command,
                        parts.path,
                        dict(parse_qsl(parts.query)),
                        {key.lower(): value for key, value in self.headers.items()},
                        body,
                    )
                )
                if parts.path == TOKEN_PATH and self.command == "GET":
                    if state.token_answers:
                        status, answer = next_answer(state.token_answers)
                    else:
                        state.tokens_issued += 1
                        status, answer = (
                            200,
                            {"access_token": f"TOKEN-{state.tokens_issued}", "expires_in": 7200},
                        )
                elif parts.path == SEND_PATH and self.command == "POST":
                    status, answer = next_answer(state.send_answers)
                else:
                    status, answer = 404, {"errcode": 404, "errmsg": "not found"}
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; encoding=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_on_loopback(Handler) as base:
        state.url = base
        yield state
