"""Logging in and out of the pages, sessions, CSRF and the language switch."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.security.models import AuditEntry, WebSession
from tests.support import ApiWorld, row_counts
from tests.web.support import logged_in, meta_token, page_login


def test_a_page_without_a_session_redirects_to_the_login_page(client: TestClient) -> None:
    response = client.get("/desktop?x=1", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/desktop%3Fx%3D1"


def test_logging_in_starts_a_session_and_audits_it(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    response = page_login(client, "agent@" + _slug(container, world) + ".test", next_url="/desktop")

    assert response.status_code == 303
    assert response.headers["location"] == "/desktop"
    cookie = response.headers["set-cookie"]
    assert "omniline_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/desktop")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    with container.uow() as uow:
        ended = uow.session.scalars(select(WebSession.ended_at)).all()
        actions = uow.session.scalars(select(AuditEntry.action)).all()
    assert ended == [None]
    assert "session.started" in actions


def test_a_wrong_password_is_refused_and_stores_nothing(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    before = row_counts(container)

    response = page_login(client, "agent@" + _slug(container, world) + ".test", password="wrong-password")

    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert "omniline_session" not in response.headers.get("set-cookie", "")
    after = row_counts(container)
    # Only the failure is kept, for the brake on guessing (accounts/sign_in.py).
    assert after.pop("sign_in_failures") == before.pop("sign_in_failures") + 1
    assert after == before


def test_a_login_post_without_the_form_token_is_refused(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    before = row_counts(container)

    response = client.post(
        "/login",
        data={"email": "agent@" + _slug(container, world) + ".test", "password": "correct-horse-battery"},
    )

    assert response.status_code == 403
    assert row_counts(container) == before


def test_login_never_redirects_off_the_site(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    response = page_login(client, "agent@" + _slug(container, world) + ".test", next_url="//evil.example/x")

    assert response.headers["location"] == "/desktop"


def test_logout_needs_the_csrf_token_and_then_ends_the_session(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    token = logged_in(client, "agent@" + _slug(container, world) + ".test")

    refused = client.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/desktop", follow_redirects=False).status_code == 200

    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with container.uow() as uow:
        assert uow.session.scalar(select(WebSession.ended_at)) is not None


def test_an_ended_session_cookie_no_longer_opens_pages(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    token = logged_in(client, "agent@" + _slug(container, world) + ".test")
    cookie = client.cookies.get("omniline_session")
    client.post("/logout", data={"csrf_token": token})

    client.cookies.set("omniline_session", cookie or "")  # someone kept a copy of the cookie
    assert client.get("/desktop", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/agents/me").status_code == 401


def test_a_session_idle_longer_than_the_limit_expires(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    logged_in(client, "agent@" + _slug(container, world) + ".test")
    idle = timedelta(minutes=container.settings.session_idle_minutes + 1)
    with container.uow() as uow:
        row = uow.session.scalars(select(WebSession)).one()
        uow.session.execute(update(WebSession).values(last_seen_at=row.last_seen_at - idle))
        uow.commit()

    assert client.get("/desktop", follow_redirects=False).status_code == 303


def test_the_pages_scripts_call_the_api_with_the_cookie_and_the_csrf_header(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    token = logged_in(client, "agent@" + _slug(container, world) + ".test")
    assert client.get("/api/v1/agents/me").json()["presence"] == "offline"

    refused = client.put("/api/v1/agents/me/presence", json={"state": "available"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/agents/me").json()["presence"] == "offline"

    accepted = client.put(
        "/api/v1/agents/me/presence", json={"state": "available"}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 200
    assert client.get("/api/v1/agents/me").json()["presence"] == "available"


def test_the_language_switch_is_kept_on_the_user(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    email = "agent@" + _slug(container, world) + ".test"
    token = logged_in(client, email)

    client.post("/language", data={"csrf_token": token, "language": "ru", "back": "/desktop"})

    page = client.get("/desktop")
    assert '<html lang="ru">' in page.text and "Выйти" in page.text
    with container.uow() as uow:
        assert uow.session.scalar(select(User.language).where(User.email == email)) == "ru"
    client.post("/language", data={"csrf_token": meta_token(page.text), "language": "zh", "back": "/desktop"})
    assert "退出" in client.get("/desktop").text


def test_an_unknown_language_changes_nothing(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    token = logged_in(client, "agent@" + _slug(container, world) + ".test")

    email = "agent@" + _slug(container, world) + ".test"
    before = row_counts(container)

    client.post("/language", data={"csrf_token": token, "language": "xx", "back": "/desktop"})

    assert '<html lang="en">' in client.get("/desktop").text
    with container.uow() as uow:
        assert uow.session.scalar(select(User.language).where(User.email == email)) is None
    assert row_counts(container) == before


def test_the_login_page_follows_the_browser_language(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})

    assert '<html lang="zh">' in page.text and "登录" in page.text


def test_an_agent_gets_a_page_saying_the_wallboard_is_not_theirs(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    logged_in(client, "agent@" + _slug(container, world) + ".test")

    response = client.get("/wallboard")

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Not allowed" in response.text


def test_an_unknown_page_is_an_html_404(container: Container, client: TestClient, world: ApiWorld) -> None:
    logged_in(client, "agent@" + _slug(container, world) + ".test")

    response = client.get("/desktop/no-such-page")

    assert response.status_code == 404 and "Not found" in response.text


def test_the_live_feed_accepts_the_session_cookie_from_our_own_pages(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    logged_in(client, "agent@" + _slug(container, world) + ".test")

    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as socket:
        assert socket.receive_json()["type"] == "hello"
    with client.websocket_connect("/ws", headers={"origin": "https://evil.example"}) as socket:
        closed = socket.receive()
    assert closed["type"] == "websocket.close" and closed["code"] == 4401


def test_every_page_string_is_translated_into_russian_and_chinese() -> None:
    from omniline.web.catalog import missing_translations

    assert missing_translations() == {}


def _slug(container: Container, world: ApiWorld) -> str:
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == "agent")
        )
    assert email is not None
    return email.split("@")[1].removesuffix(".test")
