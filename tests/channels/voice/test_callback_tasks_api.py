"""The callback list over the API: GET /api/v1/tasks?status=open and POST /api/v1/tasks/{id}/complete,
scoped to the actor's tenant, audited, and refusing to complete a task twice."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omniline.bootstrap import Container
from tests.channels.voice.support import post_abandoned_call
from tests.support import ApiWorld, make_world, row_counts


@pytest.fixture
def abandoned(world: ApiWorld) -> dict[str, Any]:
    return post_abandoned_call(world)


def open_tasks(world: ApiWorld) -> list[dict[str, Any]]:
    response = world.client.get("/api/v1/tasks", params={"status": "open"}, headers=world.agent_headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_open_callback_list(world: ApiWorld, abandoned: dict[str, Any]) -> None:
    (task,) = open_tasks(world)

    assert set(task) == {
        "id", "kind", "status", "reason", "queue", "priority", "due_at", "customer_id", "case_id",
        "conversation_id", "message_id", "assigned_user_id", "created_at", "completed_at",
        "channel_kind", "language", "skills", "team_id", "sticky_user_id", "enqueued_at", "assigned_at",
        "overflowed",
    }  # fmt: skip
    assert {
        key: task[key] for key in ("kind", "status", "reason", "queue", "assigned_user_id", "completed_at")
    } == {
        "kind": "callback",
        "status": "open",
        "reason": "call.abandoned",
        "queue": "callbacks",
        "assigned_user_id": None,
        "completed_at": None,
    }
    assert (task["customer_id"], task["case_id"], task["conversation_id"], task["message_id"]) == (
        abandoned["customer_id"],
        abandoned["case_id"],
        abandoned["conversation_id"],
        abandoned["message_id"],
    )


def test_an_agent_completes_a_callback(
    world: ApiWorld, abandoned: dict[str, Any], container: Container
) -> None:
    (task,) = open_tasks(world)
    audit_before = row_counts(container)["audit_log"]

    response = world.client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"note": "Перезвонили, заказ найден. 已回电。"},
        headers=world.agent_headers,
    )

    assert response.status_code == 200, response.text
    done = response.json()
    assert done["status"] == "done"
    assert done["completed_at"] is not None
    assert done["assigned_user_id"] is not None
    assert open_tasks(world) == []
    listed = world.client.get("/api/v1/tasks", params={"status": "done"}, headers=world.agent_headers).json()
    assert [item["id"] for item in listed["items"]] == [task["id"]]
    timeline = world.client.get(
        f"/api/v1/customers/{abandoned['customer_id']}/timeline", headers=world.agent_headers
    ).json()["items"]
    assert timeline[0]["type"] == "callback.completed"
    assert timeline[0]["case_id"] == abandoned["case_id"]
    with container.engine.connect() as connection:
        actions = [row[0] for row in connection.exec_driver_sql("SELECT action FROM audit_log ORDER BY at")]
    assert "task.completed" in actions
    assert row_counts(container)["audit_log"] > audit_before


def test_completing_twice_is_a_409_and_changes_nothing(
    world: ApiWorld, abandoned: dict[str, Any], container: Container
) -> None:
    (task,) = open_tasks(world)
    first = world.client.post(f"/api/v1/tasks/{task['id']}/complete", headers=world.agent_headers)
    assert first.status_code == 200
    before = row_counts(container)

    again = world.client.post(f"/api/v1/tasks/{task['id']}/complete", headers=world.agent_headers)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert row_counts(container) == before


def test_another_tenant_sees_nothing_and_cannot_complete(
    world: ApiWorld, abandoned: dict[str, Any], container: Container, client: TestClient
) -> None:
    (task,) = open_tasks(world)
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    before = row_counts(container)

    listed = client.get("/api/v1/tasks", headers=other.agent_headers)
    completed = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=other.admin_headers)

    assert listed.json() == {"items": []}
    assert completed.status_code == 404
    assert row_counts(container) == before


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/tasks", 401),
        ("POST", f"/api/v1/tasks/{uuid.uuid4()}/complete", 401),
    ],
)
def test_without_a_token(client: TestClient, method: str, path: str, status: int) -> None:
    assert client.request(method, path).status_code == status


def test_unknown_and_malformed_task_ids(world: ApiWorld) -> None:
    unknown = world.client.post(f"/api/v1/tasks/{uuid.uuid4()}/complete", headers=world.agent_headers)
    malformed = world.client.post("/api/v1/tasks/не-id/complete", headers=world.agent_headers)
    bad_status = world.client.get("/api/v1/tasks", params={"status": "later"}, headers=world.agent_headers)

    assert unknown.status_code == 404
    assert malformed.status_code == 422
    assert bad_status.status_code == 422
