"""POST /hooks/{channel_id} of an `api` channel: every bad request gets a JSON 4xx and stores nothing."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from omniline.app import create_app
from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from tests.support import ApiWorld, app_message, row_counts

LIMIT = 64 * 1024  # max_body_bytes in the test settings


def assert_error(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has `status` and the body `{"error": {"code", "message"}}`; returns the error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message"} <= set(error)
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


def test_a_good_message_is_accepted_as_the_baseline(world: ApiWorld, container: Container) -> None:
    # given the channel is empty
    assert row_counts(container)["messages"] == 0

    # when a well-formed, signed message arrives
    response = world.post_app_message(app_message("ok-1", ["app:1"], "Привет, 你好"))

    # then it is stored (so the refusals below are about the input, not a broken channel)
    assert response.status_code == 202, response.text
    assert row_counts(container)["messages"] == 1


MALFORMED = {
    "unterminated string": '{"external_id": "m-1", "text": "Где мой заказ?'.encode(),
    "truncated object": json.dumps(app_message("m-1", ["app:1"], "你好"), ensure_ascii=False).encode()[:-5],
    "not json at all": b"{not json",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_json_is_a_400_malformed_json(world: ApiWorld, container: Container, raw: bytes) -> None:
    # given
    before = row_counts(container)

    # when a correctly signed body is not JSON
    response = world.post_raw(raw)

    # then the hook answers like the rest of the API does for a body that is not JSON
    assert_error(response, 400, "malformed_json")
    assert row_counts(container) == before


def test_malformed_json_is_refused_with_code_malformed_json(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.post_raw(b'{"text": "\xd0\x9f\xd1\x80\xd0\xb8')

    # then whatever the status, it is a 4xx with the malformed_json code and nothing is stored
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code, "malformed_json")
    assert row_counts(container) == before


def test_non_utf8_bytes_are_refused(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.post_raw(b'{"text": "\xff\xfe"}')

    # then
    assert response.status_code in (400, 422), response.text
    assert_error(response, response.status_code)
    assert row_counts(container) == before


def test_the_rest_of_the_api_answers_400_for_malformed_json(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when an API route gets a body that is not JSON
    response = world.client.post(
        "/api/v1/channels",
        content='{"kind": "api", "name": "Приложение'.encode(),
        headers=world.admin_headers | {"Content-Type": "application/json"},
    )

    # then (the contract the hook should match)
    assert_error(response, 400, "malformed_json")
    assert row_counts(container) == before


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, **changes}


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name != key}


GOOD = app_message("m-1", ["app:42", "phone:+79161234567"], "Где мой заказ? 我的订单在哪里？")

INVALID_BODIES: dict[str, Any] = {
    "unknown top-level field": _with(GOOD, priority="high"),
    "unknown sender field": _with(GOOD, sender={"identities": ["app:42"], "name": "Анна", "age": 30}),
    "missing external_id": _without(GOOD, "external_id"),
    "missing sender": _without(GOOD, "sender"),
    "missing text": _without(GOOD, "text"),
    "missing sent_at": _without(GOOD, "sent_at"),
    "missing sender identities": _with(GOOD, sender={"name": "Анна"}),
    "empty external_id": _with(GOOD, external_id=""),
    "empty identities list": _with(GOOD, sender={"identities": [], "name": "Анна"}),
    "phone that is not a number": _with(GOOD, sender={"identities": ["phone:abc"], "name": "Анна"}),
    "identity without a kind": _with(GOOD, sender={"identities": ["nokind"], "name": "Анна"}),
    "unknown identity kind": _with(GOOD, sender={"identities": ["fax:1"], "name": "Анна"}),
    "empty identity address": _with(GOOD, sender={"identities": ["app:  "], "name": "Анна"}),
    "bad second identity": _with(GOOD, sender={"identities": ["app:42", "email:not-an-address"]}),
    "naive sent_at": _with(GOOD, sent_at="2026-11-23T10:00:00"),
    "sent_at not a date": _with(GOOD, sent_at="вчера"),
    "text not a string": _with(GOOD, text=["你好"]),
    "identities not a list": _with(GOOD, sender={"identities": "app:42"}),
    "body is a JSON list": [GOOD],
    "body is a JSON string": "你好",
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=list(INVALID_BODIES))
def test_an_invalid_body_is_a_422_and_stores_nothing(
    world: ApiWorld, container: Container, body: Any
) -> None:
    # given
    before = row_counts(container)

    # when the body is signed correctly but breaks the contract
    response = world.post_raw(json.dumps(body, ensure_ascii=False).encode())

    # then
    error = assert_error(response, 422)
    assert error["code"] == "invalid_input"
    assert row_counts(container) == before


def test_the_422_message_names_the_offending_field(world: ApiWorld) -> None:
    # when
    naive = world.post_app_message(_with(GOOD, sent_at="2026-11-23T10:00:00"))
    unknown = world.post_app_message(_with(GOOD, priority="high"))
    fax = world.post_app_message(_with(GOOD, sender={"identities": ["fax:1"]}))

    # then
    assert "sent_at" in assert_error(naive, 422)["message"]
    assert "priority" in assert_error(unknown, 422)["message"]
    assert "fax" in assert_error(fax, 422)["message"]


def test_a_refused_message_does_not_block_the_same_external_id_later(
    world: ApiWorld, container: Container
) -> None:
    # given a refused message (bad identity) with external id m-1
    refused = world.post_app_message(app_message("m-1", ["phone:abc"], "Первая попытка"))
    assert refused.status_code == 422

    # when the app fixes the identity and sends m-1 again
    accepted = world.post_app_message(app_message("m-1", ["phone:+79161234567"], "Вторая попытка"))

    # then it is stored: the refusal left no receipt behind
    assert accepted.status_code == 202, accepted.text
    assert row_counts(container)["messages"] == 1


def test_unknown_channel_id_is_a_404(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when a well-signed message is posted to a channel that does not exist
    response = world.post_app_message(GOOD, channel_id=str(uuid.uuid4()))

    # then
    assert_error(response, 404, "not_found")
    assert row_counts(container) == before


@pytest.mark.parametrize("channel_id", ["not-a-uuid", "123", "канал", "%20"])
def test_non_uuid_channel_id_is_a_404(world: ApiWorld, container: Container, channel_id: str) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.post_app_message(GOOD, channel_id=channel_id)

    # then
    assert_error(response, 404, "not_found")
    assert row_counts(container) == before


def _oversized_body() -> bytes:
    body = json.dumps(
        app_message("big-1", ["app:42"], "Очень длинное письмо 很长的信" * 3000), ensure_ascii=False
    )
    raw = body.encode()
    assert len(raw) > LIMIT
    return raw


def test_body_over_the_limit_with_content_length_is_a_413(world: ApiWorld, container: Container) -> None:
    # given a correctly signed body that is larger than max_body_bytes
    before = row_counts(container)
    raw = _oversized_body()

    # when it is sent with an honest Content-Length
    response = world.post_raw(raw)

    # then
    assert_error(response, 413, "payload_too_large")
    assert row_counts(container) == before


def test_body_over_the_limit_streamed_without_content_length_is_a_413(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given a correctly signed body that is larger than max_body_bytes
    before = row_counts(container)
    raw = _oversized_body()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 8192):
            yield raw[start : start + 8192]

    # when it is streamed (chunked transfer encoding, no Content-Length)
    response = client.post(
        f"/hooks/{world.channel['id']}",
        content=chunks(),
        headers={
            "X-Omniline-Signature": sign_body(world.channel["secret"], raw),
            "Content-Type": "application/json",
        },
    )

    # then
    assert_error(response, 413, "payload_too_large")
    assert row_counts(container) == before


def test_body_over_the_limit_in_many_asgi_chunks_is_a_413(world: ApiWorld, container: Container) -> None:
    # given the app driven directly over ASGI, so the body really arrives in several messages
    before = row_counts(container)
    raw = _oversized_body()
    app = create_app(container, run_workers=False)
    pieces = [raw[start : start + 4096] for start in range(0, len(raw), 4096)]
    sent: list[dict[str, Any]] = []
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received < len(pieces):
            received += 1
            return {"type": "http.request", "body": pieces[received - 1], "more_body": received < len(pieces)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/hooks/{world.channel['id']}",
        "raw_path": f"/hooks/{world.channel['id']}".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"x-omniline-signature", sign_body(world.channel["secret"], raw).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    # when
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]

    # then it stops reading as soon as the limit is passed and answers 413
    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 413
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert received < len(pieces)
    assert row_counts(container) == before


def test_body_exactly_at_the_limit_is_not_refused_for_size(world: ApiWorld, container: Container) -> None:
    # given a valid body padded with JSON whitespace to exactly max_body_bytes
    raw = json.dumps(app_message("edge-1", ["app:42"], "Ровно на границе 正好"), ensure_ascii=False).encode()
    raw = raw[:-1] + b" " * (LIMIT - len(raw)) + b"}"
    assert len(raw) == LIMIT

    # when
    response = world.post_raw(raw)

    # then
    assert response.status_code == 202, response.text
    assert row_counts(container)["messages"] == 1


def test_missing_signature_header_is_a_401(world: ApiWorld, container: Container, client: TestClient) -> None:
    # given
    before = row_counts(container)

    # when
    response = client.post(
        f"/hooks/{world.channel['id']}",
        content=json.dumps(GOOD, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )

    # then
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


def test_signature_over_a_different_body_is_a_401(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given a signature the app made for another message
    before = row_counts(container)
    signed = json.dumps(app_message("m-1", ["app:42"], "Где мой заказ?"), ensure_ascii=False).encode()
    sent = json.dumps(app_message("m-1", ["app:42"], "Верните деньги! 退款！"), ensure_ascii=False).encode()

    # when the body that is sent differs from the signed one
    response = client.post(
        f"/hooks/{world.channel['id']}",
        content=sent,
        headers={
            "X-Omniline-Signature": sign_body(world.channel["secret"], signed),
            "Content-Type": "application/json",
        },
    )

    # then
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


@pytest.mark.parametrize("header", ["", "sha256=", "sha256=00", "md5=abc", "garbage"])
def test_malformed_signature_headers_are_a_401(
    world: ApiWorld, container: Container, client: TestClient, header: str
) -> None:
    # given
    before = row_counts(container)

    # when
    response = client.post(
        f"/hooks/{world.channel['id']}",
        content=json.dumps(GOOD, ensure_ascii=False).encode(),
        headers={"X-Omniline-Signature": header, "Content-Type": "application/json"},
    )

    # then
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


def test_a_signature_header_with_non_ascii_bytes_is_a_401(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given a header the server decodes to non-ASCII characters
    before = row_counts(container)

    # when
    response = client.post(
        f"/hooks/{world.channel['id']}",
        content=json.dumps(GOOD, ensure_ascii=False).encode(),
        headers={"X-Omniline-Signature": "sha256=подпись".encode(), "Content-Type": "application/json"},
    )

    # then
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


def test_a_bad_body_without_signature_is_refused_as_unsigned(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given
    before = row_counts(container)

    # when an unsigned body is also malformed
    response = client.post(f"/hooks/{world.channel['id']}", content=b"{not json", headers={})

    # then the signature is checked first: nothing about the body is revealed to a stranger
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


def test_the_secret_of_another_channel_does_not_sign_for_this_one(
    world: ApiWorld, container: Container
) -> None:
    # given a second api channel of the same tenant
    other = world.client.post(
        "/api/v1/channels",
        json={"kind": "api", "name": "Другое приложение", "config": {}},
        headers=world.admin_headers,
    )
    assert other.status_code == 201, other.text
    before = row_counts(container)

    # when a body signed with the second channel's secret is posted to the first channel
    response = world.post_app_message(GOOD, secret=other.json()["secret"])

    # then
    assert_error(response, 401, "bad_signature")
    assert row_counts(container) == before


@pytest.mark.parametrize(("method", "path"), [("GET", ""), ("POST", "/status")])
def test_other_methods_and_subpaths_are_refused_for_an_api_channel(
    world: ApiWorld, container: Container, client: TestClient, method: str, path: str
) -> None:
    # given
    before = row_counts(container)
    raw = json.dumps(GOOD, ensure_ascii=False).encode()

    # when
    response = client.request(
        method,
        f"/hooks/{world.channel['id']}{path}",
        content=raw if method == "POST" else None,
        headers={
            "X-Omniline-Signature": sign_body(world.channel["secret"], raw if method == "POST" else b"")
        },
    )

    # then
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert row_counts(container) == before


def test_a_reply_with_files_may_carry_more_than_the_json_body_limit(
    world: ApiWorld, container: Container
) -> None:
    # given a conversation, and a file bigger than max_body_bytes but within max_file_bytes
    accepted = world.post_app_message(app_message("big-1", ["app:big"]))
    conversation_id = accepted.json()["conversation_id"]
    photo = b"\x89PNG\r\n\x1a\n" + b"x" * (LIMIT + 1024)
    assert len(photo) < container.settings.max_file_bytes

    # when the agent replies with it attached
    response = world.client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        data={"text": "the photo you asked for"},
        files=[("files", ("photo.png", photo, "image/png"))],
        headers=world.agent_headers,
    )

    # then the upload route's own limit lets it through, while JSON routes keep the small limit
    assert response.status_code == 201, response.text
    assert response.json()["attachments"][0]["size"] == len(photo)
    assert (
        world.client.post(
            "/api/v1/channels", content=b"{" + b" " * LIMIT + b"}", headers=world.admin_headers
        ).status_code
        == 413
    )
