"""People administration over the API: admins list, add and change users; nobody else may; an admin
cannot demote or disable themselves; disabling or a new password ends the user's sessions."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.accounts.models import User
from omniline.app import create_app
from omniline.bootstrap import Container
from omniline.security.models import AuditEntry, WebSession
from tests.support import PASSWORD, ApiWorld, login, make_world, row_counts
from tests.web.support import logged_in


def _user_id(container: Container, world: ApiWorld, role: str) -> uuid.UUID:
    with container.uow() as uow:
        found = uow.session.scalar(
            select(User.id).where(User.tenant_id == world.tenant_id, User.role == role)
        )
    assert found is not None
    return found


def _email(container: Container, user_id: uuid.UUID) -> str:
    with container.uow() as uow:
        return uow.session.get_one(User, user_id).email


def _supervisor_headers(container: Container, world: ApiWorld) -> dict[str, str]:
    response = world.client.post(
        "/api/v1/users",
        json={"email": "boss@example.com", "name": "Boss", "role": "supervisor", "password": PASSWORD},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    return login(world.client, "boss@example.com")


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_may_list_add_or_change_users(container: Container, world: ApiWorld, who: str) -> None:
    headers = world.agent_headers if who == "agent" else _supervisor_headers(container, world)
    agent_id = _user_id(container, world, "agent")
    before = row_counts(container)

    answers = [
        world.client.get("/api/v1/users", headers=headers),
        world.client.post(
            "/api/v1/users",
            json={"email": "x@example.com", "name": "X", "role": "admin", "password": PASSWORD},
            headers=headers,
        ),
        world.client.patch(f"/api/v1/users/{agent_id}", json={"role": "admin"}, headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert row_counts(container) == before


def test_an_admin_adds_a_user_and_the_change_is_audited(container: Container, world: ApiWorld) -> None:
    response = world.client.post(
        "/api/v1/users",
        json={"email": " Olga@Example.COM ", "name": "Ольга 王", "role": "agent", "password": PASSWORD},
        headers=world.admin_headers,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in ("email", "name", "role", "is_active", "last_login_at")} == {
        "email": "olga@example.com",
        "name": "Ольга 王",
        "role": "agent",
        "is_active": True,
        "last_login_at": None,
    }
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.created")).one()
        assert (audit.subject_id, audit.data) == (
            uuid.UUID(body["id"]),
            {"email": "olga@example.com", "name": "Ольга 王", "role": "agent"},
        )
    assert login(world.client, "olga@example.com")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "AGENT@{slug}.test", "name": "Twin", "role": "agent", "password": PASSWORD}, 409),
        ({"email": "new@example.com", "name": "New", "role": "owner", "password": PASSWORD}, 422),
        ({"email": "new@example.com", "name": "New", "role": "agent", "password": "short"}, 422),
        ({"email": "not-an-address", "name": "New", "role": "agent", "password": PASSWORD}, 422),
        ({"email": "new@example.com", "name": "   ", "role": "agent", "password": PASSWORD}, 422),
    ],
)
def test_a_bad_new_user_is_refused_and_nothing_is_stored(
    container: Container, world: ApiWorld, body: dict[str, str], status: int
) -> None:
    slug = _email(container, _user_id(container, world, "agent")).split("@")[1].removesuffix(".test")
    body = {key: value.replace("{slug}", slug) for key, value in body.items()}
    before = row_counts(container)

    response = world.client.post("/api/v1/users", json=body, headers=world.admin_headers)

    assert response.status_code == status, response.text
    assert row_counts(container) == before


def test_the_list_shows_every_user_with_the_last_login(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    agent_id = _user_id(container, world, "agent")
    logged_in(client, _email(container, agent_id))

    response = world.client.get("/api/v1/users", headers=world.admin_headers)

    assert response.status_code == 200
    items = {item["role"]: item for item in response.json()["items"]}
    assert set(items) == {"admin", "agent"}
    with container.uow() as uow:
        started = uow.session.scalar(select(WebSession.created_at).where(WebSession.user_id == agent_id))
    assert started is not None
    assert items["agent"]["last_login_at"] == started.isoformat()
    assert items["admin"]["last_login_at"] is None


def test_an_admin_changes_a_name_and_a_role(container: Container, world: ApiWorld) -> None:
    agent_id = _user_id(container, world, "agent")

    response = world.client.patch(
        f"/api/v1/users/{agent_id}",
        json={"name": "Главный", "role": "supervisor"},
        headers=world.admin_headers,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["role"]) == ("Главный", "supervisor")
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert audit.data == {"name": "Главный", "role": "supervisor"}
    # the role counts at once for the token the user already holds
    assert world.client.get("/api/v1/agents", headers=world.agent_headers).status_code == 200


@pytest.mark.parametrize(
    "changes", [{"role": "agent"}, {"is_active": False}, {"role": "supervisor", "name": "Me"}]
)
def test_admins_cannot_demote_or_disable_themselves(
    container: Container, world: ApiWorld, changes: dict[str, object]
) -> None:
    admin_id = _user_id(container, world, "admin")
    before = row_counts(container)

    response = world.client.patch(f"/api/v1/users/{admin_id}", json=changes, headers=world.admin_headers)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "own_account"
    assert row_counts(container) == before
    with container.uow() as uow:
        admin = uow.session.get_one(User, admin_id)
        assert (admin.role, admin.is_active, admin.name) == ("admin", True, "admin")


def test_disabling_a_user_ends_their_sessions_and_their_cookie_stops_working(
    container: Container, world: ApiWorld
) -> None:
    agent_id = _user_id(container, world, "agent")
    with TestClient(create_app(container, run_workers=False)) as browser:
        logged_in(browser, _email(container, agent_id))
        assert browser.get("/desktop", follow_redirects=False).status_code == 200

        response = world.client.patch(
            f"/api/v1/users/{agent_id}", json={"is_active": False}, headers=world.admin_headers
        )

        assert response.status_code == 200
        assert response.json()["is_active"] is False
        assert browser.get("/desktop", follow_redirects=False).status_code == 303
    with container.uow() as uow:
        ended = uow.session.scalars(select(WebSession.ended_at).where(WebSession.user_id == agent_id)).all()
    assert len(ended) == 1 and ended[0] is not None
    refused = world.client.post(
        "/api/v1/auth/token", json={"email": _email(container, agent_id), "password": PASSWORD}
    )
    assert refused.status_code == 401


def test_a_new_password_replaces_the_old_one_and_ends_the_sessions(
    container: Container, world: ApiWorld
) -> None:
    agent_id = _user_id(container, world, "agent")
    email = _email(container, agent_id)
    with TestClient(create_app(container, run_workers=False)) as browser:
        logged_in(browser, email)

        response = world.client.patch(
            f"/api/v1/users/{agent_id}", json={"password": "a-brand-new-pass"}, headers=world.admin_headers
        )

        assert response.status_code == 200
        assert browser.get("/desktop", follow_redirects=False).status_code == 303
    old = world.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    new = world.client.post("/api/v1/auth/token", json={"email": email, "password": "a-brand-new-pass"})
    assert (old.status_code, new.status_code) == (401, 200)
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert audit.data == {"password": "reset"}  # never the password itself


def test_another_tenants_user_is_not_found_and_unchanged(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    stranger = _user_id(container, other, "agent")
    before = row_counts(container)

    response = world.client.patch(
        f"/api/v1/users/{stranger}", json={"is_active": False}, headers=world.admin_headers
    )

    assert response.status_code == 404
    assert row_counts(container) == before
    listed = world.client.get("/api/v1/users", headers=world.admin_headers).json()["items"]
    assert str(stranger) not in {item["id"] for item in listed}
