"""Agents and teams over HTTP: roles, the profile a supervisor edits, presence, and refusals that
change nothing."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.security.models import AuditEntry
from tests.api.test_dispatch import Agent, Clock, add_agent, set_presence
from tests.support import ApiWorld, row_counts


@pytest.fixture
def clock(container: Container) -> Clock:
    clock = Clock()
    container.clock = clock
    return clock


@pytest.fixture
def supervisor(world: ApiWorld, container: Container, clock: Clock) -> Agent:
    return add_agent(world, container, "sveta", role="supervisor", available=False)


def test_a_supervisor_sets_skills_languages_capacity_and_team(
    world: ApiWorld, container: Container, supervisor: Agent, clock: Clock
) -> None:
    # given an agent and a team
    anna = add_agent(world, container, "anna", available=False)
    team = world.client.post("/api/v1/teams", json={"name": "Поддержка 一线"}, headers=supervisor.headers)
    assert team.status_code == 201, team.text

    # when
    response = world.client.patch(
        f"/api/v1/agents/{anna.user_id}",
        json={
            "skills": {"billing": 4, "жалобы": 2},
            "languages": ["ZH", "ru", "ru"],
            "capacity": {"voice": 1, "webchat": 3, "email": 5},
            "team": "Поддержка 一线",
        },
        headers=supervisor.headers,
    )

    # then
    assert response.status_code == 200, response.text
    view = response.json()
    assert {key: view[key] for key in ("skills", "languages", "capacity", "team", "presence", "load")} == {
        "skills": {"billing": 4, "жалобы": 2},
        "languages": ["ru", "zh"],
        "capacity": {"voice": 1, "webchat": 3, "email": 5},
        "team": "Поддержка 一线",
        "presence": "offline",
        "load": {},
    }
    with container.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "agent.updated")).all()[-1]
        assert entry.actor == f"user:{supervisor.user_id}"
        assert entry.subject_id == anna.user_id


def test_only_the_fields_sent_change(world: ApiWorld, container: Container, clock: Clock) -> None:
    anna = add_agent(world, container, "anna", skills={"billing": 2}, capacity={"email": 5}, available=False)

    response = world.client.patch(
        f"/api/v1/agents/{anna.user_id}", json={"languages": ["en"]}, headers=world.admin_headers
    )

    assert response.status_code == 200, response.text
    assert (response.json()["skills"], response.json()["capacity"]) == ({"billing": 2}, {"email": 5})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"skills": {"billing": 6}}, "skill 'billing': the level is a whole number from 1 to 5"),
        ({"skills": {"billing": 0}}, "skill 'billing': the level is a whole number from 1 to 5"),
        ({"capacity": {"fax": 1}}, "unknown channel kind 'fax'"),
        ({"capacity": {"webchat": -1}}, "capacity for webchat: a whole number from 0 to 50"),
        ({"languages": ["русский"]}, "'русский' is not a language code (e.g. en, ru, zh)"),
        ({"team": "Нет такой"}, "there is no team 'Нет такой'"),
    ],
)
def test_bad_profile_values_are_refused_and_change_nothing(
    world: ApiWorld, container: Container, clock: Clock, body: dict[str, Any], message: str
) -> None:
    anna = add_agent(world, container, "anna", skills={"billing": 2}, available=False)
    before = row_counts(container)
    view_before = world.client.get("/api/v1/agents/me", headers=anna.headers).json()

    response = world.client.patch(f"/api/v1/agents/{anna.user_id}", json=body, headers=world.admin_headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith(message)
    assert row_counts(container) == before
    assert world.client.get("/api/v1/agents/me", headers=anna.headers).json() == view_before


def test_agents_may_not_edit_profiles_or_list_agents(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna", available=False)
    before = row_counts(container)

    patched = world.client.patch(
        f"/api/v1/agents/{anna.user_id}", json={"skills": {"x": 5}}, headers=anna.headers
    )
    listed = world.client.get("/api/v1/agents", headers=anna.headers)
    team = world.client.post("/api/v1/teams", json={"name": "Мы"}, headers=anna.headers)
    other = world.client.put(
        f"/api/v1/agents/{world.tenant_id}/presence", json={"state": "available"}, headers=anna.headers
    )

    assert [r.status_code for r in (patched, listed, team, other)] == [403, 403, 403, 403]
    assert row_counts(container) == before


def test_unknown_agent_is_404(world: ApiWorld, clock: Clock) -> None:
    response = world.client.patch(
        f"/api/v1/agents/{uuid.uuid4()}", json={"languages": []}, headers=world.admin_headers
    )

    assert response.status_code == 404


def test_the_agent_list_shows_presence_and_load(
    world: ApiWorld, container: Container, supervisor: Agent, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna")
    set_presence(world, anna.headers, "paused", "обед")

    response = world.client.get("/api/v1/agents", headers=supervisor.headers)

    assert response.status_code == 200, response.text
    rows = {row["name"]: row for row in response.json()["items"]}
    assert set(rows) == {"agent", "anna", "sveta"}  # the world's agent has no profile yet: offline
    assert (rows["anna"]["presence"], rows["anna"]["reason"], rows["anna"]["since"]) == (
        "paused",
        "обед",
        clock.now.isoformat(),
    )
    assert (rows["agent"]["presence"], rows["agent"]["capacity"], rows["agent"]["load"]) == (
        "offline",
        {},
        {},
    )


# --- presence ---


def test_presence_changes_are_audited_and_idle_time_starts(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna", available=False)

    view = set_presence(world, anna.headers, "available")

    assert (view["presence"], view["reason"], view["idle_since"]) == (
        "available",
        None,
        clock.now.isoformat(),
    )
    with container.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "agent.presence_changed")
        ).one()
        assert entry.data == {"from": "offline", "to": "available", "reason": None}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"state": "paused"}, 422, "say why the agent is paused (e.g. lunch, training)"),
        ({"state": "busy"}, 403, "'busy' follows the work an agent holds; it is set by the system"),
        ({"state": "обед"}, 422, "presence must be one of offline, available, busy, wrap_up, paused"),
        ({"state": "available", "extra": True}, 422, None),
    ],
)
def test_bad_presence_changes_nothing(
    world: ApiWorld,
    container: Container,
    clock: Clock,
    body: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    anna = add_agent(world, container, "anna", available=False)
    before = row_counts(container)

    response = world.client.put("/api/v1/agents/me/presence", json=body, headers=anna.headers)

    assert response.status_code == status, response.text
    if message is not None:
        assert response.json()["error"]["message"] == message
    assert row_counts(container) == before
    assert world.client.get("/api/v1/agents/me", headers=anna.headers).json()["presence"] == "offline"


def test_a_supervisor_sets_an_agents_presence(
    world: ApiWorld, container: Container, supervisor: Agent, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna")

    response = world.client.put(
        f"/api/v1/agents/{anna.user_id}/presence",
        json={"state": "paused", "reason": "培训"},
        headers=supervisor.headers,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["presence"], response.json()["reason"]) == ("paused", "培训")


# --- teams ---


def test_teams_are_created_once_and_listed(world: ApiWorld, container: Container, supervisor: Agent) -> None:
    first = world.client.post("/api/v1/teams", json={"name": "VIP"}, headers=supervisor.headers)
    before = row_counts(container)
    again = world.client.post("/api/v1/teams", json={"name": "VIP"}, headers=supervisor.headers)
    listed = world.client.get("/api/v1/teams", headers=world.agent_headers)

    assert first.status_code == 201
    assert again.status_code == 409
    assert row_counts(container) == before
    assert [team["name"] for team in listed.json()["items"]] == ["VIP"]
