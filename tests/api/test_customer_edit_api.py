"""Editing a customer over the API: PATCH the profile, add an address, search by name or address."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.security.models import AuditEntry
from omniline.timeline.models import TimelineEvent
from tests.support import ApiWorld, app_message, make_world, row_counts


def post(world: ApiWorld, external_id: str, identities: list[str], name: str) -> str:
    response = world.post_app_message(app_message(external_id, identities, "Здравствуйте", name=name))
    assert response.status_code == 202, response.text
    return str(response.json()["customer_id"])


@pytest.fixture
def anna(world: ApiWorld) -> str:
    return post(world, "m-1", ["app:1", "email:anna@example.com"], "Анна")


def patch(
    world: ApiWorld, customer_id: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    return world.client.patch(
        f"/api/v1/customers/{customer_id}", json=body, headers=headers or world.agent_headers
    )


def test_a_profile_edit_changes_only_the_fields_sent_and_is_audited_and_on_the_timeline(
    world: ApiWorld, container: Container, anna: str
) -> None:
    response = patch(world, anna, {"tier": "gold", "value": 1250.5, "notes": "  Предпочитает WeChat 微信  "})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["tier"], body["value"], body["notes"]) == (
        "Анна",
        "gold",
        1250.5,
        "Предпочитает WeChat 微信",
    )
    assert body["changes"] == {
        "tier": ["standard", "gold"],
        "value": [0.0, 1250.5],
        "notes": [None, "Предпочитает WeChat 微信"],
    }
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.updated")).one()
        event = uow.session.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "customer.updated")
        ).one()
        assert audit.data == {"changes": body["changes"]} == event.data
        assert audit.subject_id == event.customer_id == uuid.UUID(anna)
        assert audit.actor == event.actor and audit.actor.startswith("user:")


def test_name_and_notes_are_cleared_with_null_and_an_edit_that_changes_nothing_records_nothing(
    world: ApiWorld, container: Container, anna: str
) -> None:
    cleared = patch(world, anna, {"name": None, "notes": ""})
    assert cleared.status_code == 200
    assert cleared.json()["changes"] == {"name": ["Анна", None]}
    before = row_counts(container)

    same = patch(world, anna, {"name": "", "tier": "standard"})

    assert same.status_code == 200 and same.json()["changes"] == {}
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "body",
    [
        {"tier": "Gold Plus!"},
        {"tier": None},
        {"tier": ""},
        {"value": -0.01},
        {"value": "много"},
        {"value": None},
        {"name": "x" * 201},
        {"notes": "x" * 5001},
        {"merged_into_id": None},
    ],
)
def test_bad_values_are_refused_with_422_and_change_nothing(
    world: ApiWorld, container: Container, anna: str, body: dict[str, Any]
) -> None:
    before = row_counts(container)

    response = patch(world, anna, body)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert row_counts(container) == before


def test_a_customer_merged_away_cannot_be_edited_and_another_tenants_is_not_found(
    world: ApiWorld, container: Container, client: TestClient, anna: str
) -> None:
    boris = post(world, "m-2", ["app:2"], "Борис")
    merged = world.client.post(
        f"/api/v1/customers/{anna}/merge",
        json={"customer_id": boris, "reason": "дубль"},
        headers=world.agent_headers,
    )
    assert merged.status_code == 200
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    before = row_counts(container)

    assert patch(world, boris, {"name": "Б."}).json()["error"]["code"] == "customer_merged"
    assert patch(world, anna, {"name": "Чужая"}, other.agent_headers).status_code == 404
    assert world.client.patch(f"/api/v1/customers/{anna}", json={"name": "x"}).status_code == 401
    assert row_counts(container) == before


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_agents_and_admins_may_edit(world: ApiWorld, anna: str, who: str) -> None:
    headers = world.agent_headers if who == "agent" else world.admin_headers
    assert patch(world, anna, {"tier": "vip"}, headers).status_code == 200


def test_an_address_is_added_normalised_and_unverified_once(
    world: ApiWorld, container: Container, anna: str
) -> None:
    url = f"/api/v1/customers/{anna}/identities"

    added = world.client.post(url, json={"identity": "EMAIL:Anna@Почта.РФ"}, headers=world.agent_headers)
    again = world.client.post(url, json={"identity": "email:anna@почта.рф"}, headers=world.agent_headers)

    assert added.status_code == 201, added.text
    assert added.json() == {
        "identity": "email:anna@xn--80a1acny.xn--p1ai",
        "kind": "email",
        "address": "anna@xn--80a1acny.xn--p1ai",
        "verified": False,
    }
    assert again.status_code == 200 and again.json() == added.json()
    view = world.client.get(f"/api/v1/customers/{anna}", headers=world.agent_headers).json()
    assert [item["identity"] for item in view["identities"]] == [
        "app:1",
        "email:anna@example.com",
        "email:anna@xn--80a1acny.xn--p1ai",
    ]
    with container.uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_id == uuid.UUID(anna))
        )
        assert list(actions).count("customer.identity_added") == 1


@pytest.mark.parametrize(
    ("identity", "status", "code"),
    [
        ("app:2", 409, "identity_taken"),
        ("phone:12", 422, "invalid_input"),
        ("fax:123", 422, "invalid_input"),
        ("no-kind", 422, "invalid_input"),
    ],
)
def test_an_address_of_another_customer_or_a_bad_one_is_refused(
    world: ApiWorld, container: Container, anna: str, identity: str, status: int, code: str
) -> None:
    post(world, "m-2", ["app:2"], "Борис")
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/customers/{anna}/identities", json={"identity": identity}, headers=world.agent_headers
    )

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert row_counts(container) == before


def test_search_by_part_of_a_name_or_an_address_stays_in_the_tenant(
    world: ApiWorld, container: Container, client: TestClient, anna: str
) -> None:
    wang = post(world, "m-2", ["app:2", "phone:+8613800138000"], "王伟")
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    other.post_app_message(app_message("x-1", ["app:1"], "Привет", name="Анна Чужая"))

    def search(q: str, headers: dict[str, str] = world.agent_headers) -> list[str]:
        response = world.client.get("/api/v1/customers", params={"q": q}, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert search("анн") == [anna]
    assert search("王") == [wang]
    assert search("+86 138 0013 8000") == [wang]
    assert search("EXAMPLE") == [anna]
    assert search("100%_") == []
    assert search("   ") == []
    assert search("анна", other.agent_headers) != [anna]
    too_long = world.client.get("/api/v1/customers", params={"q": "x" * 201}, headers=world.agent_headers)
    assert too_long.status_code == 422
