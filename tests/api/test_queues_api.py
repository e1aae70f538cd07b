"""Queues over HTTP (admin writes, validation that changes nothing) and the supervisor's live figures."""

from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.api.test_dispatch import Clock, add_agent, enqueue, offer_of, run_dispatch, set_presence
from tests.support import ApiWorld, row_counts


@pytest.fixture
def clock(container: Container) -> Clock:
    clock = Clock()
    container.clock = clock
    return clock


def create(world: ApiWorld, body: dict[str, Any]) -> dict[str, Any]:
    response = world.client.post("/api/v1/queues", json=body, headers=world.admin_headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_admin_creates_a_queue(world: ApiWorld) -> None:
    world.client.post("/api/v1/teams", json={"name": "Биллинг"}, headers=world.admin_headers)
    create(world, {"name": "general"})

    queue = create(
        world,
        {
            "name": "billing",
            "description": "Оплата и списания / 付款",
            "priority": 2,
            "skills": ["billing", "billing"],
            "min_skill_level": 3,
            "team": "Биллинг",
            "overflow_after_seconds": 300,
            "overflow_to": "general",
        },
    )

    assert {key: value for key, value in queue.items() if key != "id"} == {
        "name": "billing",
        "description": "Оплата и списания / 付款",
        "priority": 2,
        "skills": ["billing"],
        "min_skill_level": 3,
        "team": "Биллинг",
        "is_bot": False,
        "overflow_after_seconds": 300,
        "overflow_to": "general",
        "overflow_drop_skills": False,
    }
    listed = world.client.get("/api/v1/queues", headers=world.agent_headers).json()["items"]
    assert [item["name"] for item in listed] == ["billing", "general"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"name": "Billing Queue"},
            422,
            "a queue name is lower-case letters, digits, '_', '.' or '-' (at most 100)",
        ),
        ({"name": "billing", "overflow_to": "nowhere"}, 422, "there is no queue 'nowhere'"),
        (
            {"name": "billing", "overflow_to": "billing"},
            422,
            "a queue cannot overflow to itself (use overflow_drop_skills)",
        ),
        ({"name": "billing", "team": "客服"}, 422, "there is no team '客服'"),
        ({"name": "billing", "min_skill_level": 9}, 422, None),
        ({"name": "general"}, 409, "queue 'general' already exists"),
    ],
)
def test_bad_queues_are_refused_and_store_nothing(
    world: ApiWorld, container: Container, body: dict[str, Any], status: int, message: str | None
) -> None:
    create(world, {"name": "general"})
    before = row_counts(container)

    response = world.client.post("/api/v1/queues", json=body, headers=world.admin_headers)

    assert response.status_code == status, response.text
    if message is not None:
        assert response.json()["error"]["message"] == message
    assert row_counts(container) == before


def test_agents_may_not_write_queues(world: ApiWorld, container: Container) -> None:
    create(world, {"name": "general"})
    before = row_counts(container)

    created = world.client.post("/api/v1/queues", json={"name": "vip"}, headers=world.agent_headers)
    patched = world.client.patch("/api/v1/queues/general", json={"priority": 5}, headers=world.agent_headers)
    figures = world.client.get("/api/v1/supervisor/queues", headers=world.agent_headers)

    assert [created.status_code, patched.status_code, figures.status_code] == [403, 403, 403]
    assert row_counts(container) == before


def test_patch_changes_only_what_is_sent(world: ApiWorld) -> None:
    create(world, {"name": "complaints", "priority": 3, "skills": ["complaints"]})

    response = world.client.patch(
        "/api/v1/queues/complaints",
        json={"overflow_after_seconds": 600, "overflow_drop_skills": True},
        headers=world.admin_headers,
    )
    missing = world.client.patch("/api/v1/queues/нет", json={"priority": 1}, headers=world.admin_headers)

    assert response.status_code == 200, response.text
    queue = response.json()
    assert (
        queue["priority"],
        queue["skills"],
        queue["overflow_after_seconds"],
        queue["overflow_drop_skills"],
    ) == (
        3,
        ["complaints"],
        600,
        True,
    )
    assert missing.status_code == 404


def test_supervisor_figures_are_exact(world: ApiWorld, container: Container, clock: Clock) -> None:
    # given three queues, agents in several states, and work waiting, offered and assigned
    for name in ("billing", "general", "priority"):
        create(world, {"name": name})
    anna = add_agent(world, container, "anna", capacity={"webchat": 2})
    add_agent(world, container, "boris", available=False)
    vera = add_agent(world, container, "vera", capacity={"webchat": 1})
    set_presence(world, vera.headers, "paused", "обед")
    general = [enqueue(container, world.tenant_id, queue="general") for _ in range(2)]
    clock.advance(30)
    enqueue(container, world.tenant_id, queue="billing")
    clock.advance(60)
    enqueue(container, world.tenant_id, queue="billing")
    enqueue(container, world.tenant_id, queue="неизвестная")  # a queue nobody defined still shows
    run_dispatch(container, world.tenant_id)  # Anna (two chats) is offered the two oldest: general's
    world.client.post(f"/api/v1/offers/{offer_of(container, general[0])}/accept", headers=anna.headers)
    clock.advance(10)
    supervisor = add_agent(world, container, "sveta", role="supervisor", available=False)

    response = world.client.get("/api/v1/supervisor/queues", headers=supervisor.headers)

    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["at"] == clock.now.isoformat()
    assert figures["queues"] == [
        {"queue": "billing", "waiting": 2, "longest_wait_seconds": 70, "offered": 0, "assigned": 0},
        {"queue": "general", "waiting": 0, "longest_wait_seconds": 0, "offered": 1, "assigned": 1},
        {"queue": "priority", "waiting": 0, "longest_wait_seconds": 0, "offered": 0, "assigned": 0},
        {"queue": "неизвестная", "waiting": 1, "longest_wait_seconds": 10, "offered": 0, "assigned": 0},
    ]
    # the world's own agent has no profile: offline, like Boris and the supervisor Sveta
    assert figures["agents"] == {"offline": 3, "available": 1, "busy": 0, "wrap_up": 0, "paused": 1}
