"""Tokens, refusals without a valid token, the role matrix and channel administration over HTTP."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from omniline.accounts.models import User
from omniline.accounts.service import create_user
from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from omniline.security.tokens import TokenClaims, issue_token, read_token
from tests.conftest import TEST_SECRET_KEY
from tests.support import PASSWORD, ApiWorld, app_message, login, make_world, row_counts


def assert_error(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return dict(body["error"])


def add_user(container: Container, world: ApiWorld, role: str) -> tuple[str, uuid.UUID]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
    with container.uow() as uow:
        user = create_user(
            uow.session, tenant_id=world.tenant_id, email=email, password=PASSWORD, role=role, name="Ольга 王"
        )
        uow.commit()
        return email, user.id


def headers_for(container: Container, world: ApiWorld, role: str) -> dict[str, str]:
    if role == "admin":
        return world.admin_headers
    if role == "agent":
        return world.agent_headers
    email, _ = add_user(container, world, role)
    return login(world.client, email)


# --- POST /api/v1/auth/token ---


def test_right_password_gives_a_token_for_that_user(world: ApiWorld, container: Container) -> None:
    # given
    email, user_id = add_user(container, world, "supervisor")

    # when
    response = world.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})

    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    claims = read_token(body["access_token"], secret_key=TEST_SECRET_KEY)
    assert claims == TokenClaims(user_id, world.tenant_id, "supervisor")


def test_the_email_is_matched_in_any_case(world: ApiWorld, container: Container) -> None:
    # given
    email, _ = add_user(container, world, "agent")

    # when
    response = world.client.post("/api/v1/auth/token", json={"email": email.upper(), "password": PASSWORD})

    # then
    assert response.status_code == 200, response.text


def test_wrong_password_and_unknown_email_get_the_same_401(world: ApiWorld, container: Container) -> None:
    # given
    email, _ = add_user(container, world, "agent")
    before = row_counts(container)

    # when
    wrong = world.client.post("/api/v1/auth/token", json={"email": email, "password": "пароль-неверный-密码"})
    unknown = world.client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.test", "password": PASSWORD}
    )
    not_an_email = world.client.post("/api/v1/auth/token", json={"email": "nobody", "password": PASSWORD})

    # then nothing tells an attacker which part was wrong
    wrong_error = assert_error(wrong, 401, "bad_credentials")
    assert assert_error(unknown, 401) == wrong_error
    assert assert_error(not_an_email, 401) == wrong_error
    assert wrong_error["message"] == "wrong e-mail or password"
    assert "access_token" not in wrong.text
    after = row_counts(container)
    # Only the three failures are kept, for the brake on guessing (accounts/sign_in.py).
    assert after.pop("sign_in_failures") == before.pop("sign_in_failures") + 3
    assert after == before


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.test", "password": PASSWORD, "tenant": "other"},
        {"email": "a@example.test"},
        {"password": PASSWORD},
        {"email": "a@example.test", "password": ""},
        {"email": ["a@example.test"], "password": PASSWORD},
    ],
    ids=["extra field", "no password", "no email", "empty password", "email not a string"],
)
def test_bad_token_requests_are_422(world: ApiWorld, container: Container, body: dict[str, Any]) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.client.post("/api/v1/auth/token", json=body)

    # then
    assert_error(response, 422, "invalid_input")
    assert row_counts(container) == before


def test_a_disabled_user_cannot_log_in_nor_use_an_old_token(world: ApiWorld, container: Container) -> None:
    # given a supervisor with a token, who is then disabled
    email, user_id = add_user(container, world, "supervisor")
    token_headers = login(world.client, email)
    with container.uow() as uow:
        uow.session.get_one(User, user_id).is_active = False
        uow.commit()

    # when
    relogin = world.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    old_token = world.client.get("/api/v1/channels", headers=token_headers)

    # then
    assert_error(relogin, 401, "bad_credentials")
    assert_error(old_token, 401, "bad_token")


# --- requests without a valid token ---

PROTECTED = [
    ("GET", "/api/v1/channels", None),
    ("POST", "/api/v1/channels", {"kind": "api", "name": "Приложение", "config": {}}),
    ("GET", "/api/v1/customers", None),
    ("GET", f"/api/v1/customers/{uuid.uuid4()}/timeline", None),
    ("GET", f"/api/v1/cases/{uuid.uuid4()}", None),
    ("POST", f"/api/v1/cases/{uuid.uuid4()}/resolve", None),
    ("POST", f"/api/v1/customers/{uuid.uuid4()}/merge", {"customer_id": str(uuid.uuid4()), "reason": "тест"}),
    ("GET", "/api/v1/deliveries", None),
]


def _tokens(world: ApiWorld) -> dict[str, dict[str, str]]:
    real = world.admin_headers["Authorization"].removeprefix("Bearer ")
    claims = read_token(real, secret_key=TEST_SECRET_KEY)
    now = datetime.now(UTC)
    return {
        "no header": {},
        "empty bearer": {"Authorization": "Bearer "},
        "basic scheme": {"Authorization": "Basic YWRtaW46cGFzc3dvcmQ="},
        "garbage token": {"Authorization": "Bearer not.a-token"},
        "tampered token": {
            "Authorization": f"Bearer {real[:-3]}{'AAA' if not real.endswith('AAA') else 'BBB'}"
        },
        "another secret": {
            "Authorization": "Bearer "
            + issue_token(
                claims,
                secret_key="another-secret-key-of-the-same-length!",
                now=now,
                lifetime=timedelta(hours=1),
            )
        },
        "expired": {
            "Authorization": "Bearer "
            + issue_token(
                claims,
                secret_key=TEST_SECRET_KEY,
                now=now - timedelta(hours=2),
                lifetime=timedelta(minutes=5),
            )
        },
        "unknown user": {
            "Authorization": "Bearer "
            + issue_token(
                TokenClaims(uuid.uuid4(), claims.tenant_id, "admin"),
                secret_key=TEST_SECRET_KEY,
                now=now,
                lifetime=timedelta(hours=1),
            )
        },
        "user in another tenant claim": {
            "Authorization": "Bearer "
            + issue_token(
                TokenClaims(claims.user_id, uuid.uuid4(), "admin"),
                secret_key=TEST_SECRET_KEY,
                now=now,
                lifetime=timedelta(hours=1),
            )
        },
    }


TOKEN_KINDS = [
    "no header",
    "empty bearer",
    "basic scheme",
    "garbage token",
    "tampered token",
    "another secret",
    "expired",
    "unknown user",
    "user in another tenant claim",
]


@pytest.mark.parametrize("token_kind", TOKEN_KINDS)
def test_requests_without_a_valid_token_are_401_everywhere(
    world: ApiWorld, container: Container, token_kind: str
) -> None:
    # given
    headers = _tokens(world)[token_kind]
    before = row_counts(container)

    for method, path, body in PROTECTED:
        # when
        response = world.client.request(method, path, json=body, headers=headers)

        # then
        assert_error(response, 401)
        assert response.json()["error"]["code"] in {"unauthenticated", "bad_token", "token_expired"}, path
    assert row_counts(container) == before


def test_an_expired_token_says_so(world: ApiWorld) -> None:
    # when
    response = world.client.get("/api/v1/channels", headers=_tokens(world)["expired"])

    # then
    assert assert_error(response, 401, "token_expired")["message"] == "the access token has expired"


# --- the role matrix ---

EXPECTED = {
    ("POST /api/v1/channels", "agent"): 403,
    ("POST /api/v1/channels", "supervisor"): 403,
    ("POST /api/v1/channels", "admin"): 201,
    ("GET /api/v1/channels", "agent"): 403,
    ("GET /api/v1/channels", "supervisor"): 200,
    ("GET /api/v1/channels", "admin"): 200,
    ("GET /api/v1/customers", "agent"): 200,
    ("GET /api/v1/customers", "supervisor"): 200,
    ("GET /api/v1/customers", "admin"): 200,
    ("POST merge", "agent"): 200,
    ("POST merge", "supervisor"): 200,
    ("POST merge", "admin"): 200,
}


@pytest.mark.parametrize(("action", "role"), list(EXPECTED), ids=[f"{a} as {r}" for a, r in EXPECTED])
def test_permission_matrix(world: ApiWorld, container: Container, action: str, role: str) -> None:
    # given a user of the role and two customers
    headers = headers_for(container, world, role)
    first = world.post_app_message(app_message("m-1", ["app:1"], "Где мой заказ?")).json()["customer_id"]
    second = world.post_app_message(app_message("m-2", ["app:2"], "我的订单在哪里？")).json()["customer_id"]
    before = row_counts(container)
    expected = EXPECTED[(action, role)]

    # when
    if action == "POST /api/v1/channels":
        response = world.client.post(
            "/api/v1/channels", json={"kind": "api", "name": "Мобильное 应用", "config": {}}, headers=headers
        )
    elif action == "GET /api/v1/channels":
        response = world.client.get("/api/v1/channels", headers=headers)
    elif action == "GET /api/v1/customers":
        response = world.client.get("/api/v1/customers", headers=headers)
    else:
        response = world.client.post(
            f"/api/v1/customers/{first}/merge",
            json={"customer_id": second, "reason": "один и тот же человек"},
            headers=headers,
        )

    # then
    assert response.status_code == expected, response.text
    if expected == 403:
        assert_error(response, 403, "permission_denied")
        assert row_counts(container) == before
    elif action == "POST /api/v1/channels":
        assert row_counts(container)["channels"] == before["channels"] + 1
    elif action == "GET /api/v1/channels":
        assert [item["id"] for item in response.json()["items"]] == [world.channel["id"]]
    elif action == "GET /api/v1/customers":
        assert {item["id"] for item in response.json()["items"]} == {first, second}
    else:
        assert response.json()["survivor_id"] == first
        assert response.json()["merged_id"] == second


# --- channel administration ---


def test_channel_list_never_shows_a_secret(world: ApiWorld) -> None:
    # given a second channel with a webhook
    created = world.client.post(
        "/api/v1/channels",
        json={
            "kind": "api",
            "name": "Приложение 应用",
            "config": {"webhook_url": "https://app.example.test/hook"},
        },
        headers=world.admin_headers,
    )
    assert created.status_code == 201, created.text

    # when
    response = world.client.get("/api/v1/channels", headers=world.admin_headers)

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [world.channel["id"], created.json()["id"]]
    assert all("secret" not in item for item in items)
    assert world.channel["secret"] not in response.text
    assert created.json()["secret"] not in response.text
    assert items[1]["name"] == "Приложение 应用"
    assert items[1]["config"] == {"webhook_url": "https://app.example.test/hook"}


def test_channel_create_returns_the_secret_once(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "api", "name": "  Киоск  ", "config": {}},
        headers=world.admin_headers,
    )

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "api"
    assert body["name"] == "Киоск"
    assert body["webhook_url"].endswith(f"/hooks/{body['id']}")
    assert isinstance(body["secret"], str) and len(body["secret"]) >= 32
    assert body["secret"] != world.channel["secret"]
    assert row_counts(container)["channels"] == before["channels"] + 1
    listed = world.client.get("/api/v1/channels", headers=world.admin_headers).json()["items"]
    assert body["secret"] not in str(listed)
    # and the returned secret is the one that signs this channel's hook
    raw = json.dumps(app_message("k-1", ["app:7"], "Киоск 你好"), ensure_ascii=False).encode()
    hook = world.client.post(
        f"/hooks/{body['id']}", content=raw, headers={"X-Omniline-Signature": sign_body(body["secret"], raw)}
    )
    assert hook.status_code == 202, hook.text


REFUSED_CHANNELS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown kind": ({"kind": "pigeon", "name": "Голубь", "config": {}}, "unknown channel kind 'pigeon'"),
    "email without its address": ({"kind": "email", "name": "Почта", "config": {}}, "address"),
    "ftp webhook": ({"kind": "api", "name": "App", "config": {"webhook_url": "ftp://x"}}, "webhook_url"),
    "webhook without host": (
        {"kind": "api", "name": "App", "config": {"webhook_url": "https://"}},
        "webhook_url",
    ),
    "unknown config key": ({"kind": "api", "name": "App", "config": {"bot_token": "123"}}, "bot_token"),
    "extra top-level field": ({"kind": "api", "name": "App", "config": {}, "secret": "mine"}, "secret"),
    "missing name": ({"kind": "api", "config": {}}, "name"),
    "blank name": ({"kind": "api", "name": "   ", "config": {}}, "name"),
    "empty kind": ({"kind": "", "name": "App", "config": {}}, "kind"),
    "config not an object": ({"kind": "api", "name": "App", "config": ["webhook_url"]}, "config"),
}


@pytest.mark.parametrize(("body", "says"), REFUSED_CHANNELS.values(), ids=list(REFUSED_CHANNELS))
def test_refused_channel_creates_are_422_and_store_nothing(
    world: ApiWorld, container: Container, body: dict[str, Any], says: str
) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.client.post("/api/v1/channels", json=body, headers=world.admin_headers)

    # then
    error = assert_error(response, 422, "invalid_input")
    assert says in error["message"]
    assert row_counts(container) == before


def test_an_unknown_kind_is_refused_with_the_list_of_kinds(world: ApiWorld) -> None:
    # when
    response = world.client.post(
        "/api/v1/channels", json={"kind": "fax", "name": "Факс", "config": {}}, headers=world.admin_headers
    )

    # then
    message = assert_error(response, 422)["message"]
    assert message.startswith("unknown channel kind 'fax'; kinds: email, webchat, sms")


def test_channels_of_another_tenant_are_not_listed(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given another tenant with its own channel
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")

    # when
    mine = client.get("/api/v1/channels", headers=world.admin_headers).json()["items"]
    theirs = client.get("/api/v1/channels", headers=other.admin_headers).json()["items"]

    # then
    assert [item["id"] for item in mine] == [world.channel["id"]]
    assert [item["id"] for item in theirs] == [other.channel["id"]]
