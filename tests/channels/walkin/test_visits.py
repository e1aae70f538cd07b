"""Office visits: staff record them through the API and they join the same customer, timeline and case
as the online channels."""

from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.support import ApiWorld, app_message, row_counts


@pytest.fixture
def office(world: ApiWorld) -> dict[str, Any]:
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "walkin", "name": "Офис на Тверской", "config": {"address": "Москва, Тверская 1"}},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    topic = {"code": "returns", "names": {"en": "Returns", "ru": "Возвраты", "zh": "退货"}}
    created = world.client.post("/api/v1/topics", json=topic, headers=world.admin_headers)
    assert created.status_code == 201, created.text
    return body


def _visit(world: ApiWorld, office: dict[str, Any], **overrides: Any) -> Any:
    body = {
        "channel_id": office["id"],
        "customer": {"identities": ["phone:8 916 123-45-67"], "name": "Анна"},
        "summary": "Принесла бракованный чайник, оформили возврат.",
        "outcome": "resolved",
        "topic_code": "returns",
    } | overrides
    return world.client.post("/api/v1/visits", json=body, headers=world.agent_headers)


def test_a_visit_joins_the_case_the_app_message_opened_and_resolves_it(
    world: ApiWorld, office: dict[str, Any]
) -> None:
    # given Anna wrote from the app about a broken kettle
    online = world.post_app_message(
        app_message("m-1", ["app:42", "phone:+79161234567"], "Чайник сломался")
    ).json()

    # when she visits the office and staff resolve it there
    response = _visit(world, office)

    # then the visit is on her timeline, on the same case, and the case is resolved
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["customer_id"] == online["customer_id"]
    assert visit["case_id"] == online["case_id"]
    assert visit["case"]["status"] == "resolved"
    timeline = world.client.get(
        f"/api/v1/customers/{online['customer_id']}/timeline", headers=world.agent_headers
    ).json()["items"]
    # the app message opened the case and was routed; the visit joined it (its work already waiting)
    assert [item["type"] for item in timeline] == [
        "case.resolved",
        "case.topic_confirmed",
        "message.received",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    message = timeline[2]["message"]
    assert message["channel_kind"] == "walkin"
    assert message["event"] == "visit"
    assert message["text"] == "Принесла бракованный чайник, оформили возврат."
    assert message["meta"]["branch"] == "Офис на Тверской"
    assert message["meta"]["outcome"] == "resolved"
    assert message["meta"]["topic_code"] == "returns"
    # and the topic staff chose is the case's confirmed topic
    case = world.client.get(f"/api/v1/cases/{visit['case_id']}", headers=world.agent_headers).json()
    assert (case["topic_source"], case["topic_confirmed"]) == ("agent", True)
    assert case["topic_id"] == visit["case"]["topic_id"] is not None
    # and the work routing queued for the case when the app message opened it is finished, not left queued
    tasks = world.client.get("/api/v1/tasks", headers=world.agent_headers).json()["items"]
    assert [(task["case_id"], task["status"]) for task in tasks] == [(online["case_id"], "done")]


def test_a_new_visitor_is_created_by_document_number(world: ApiWorld, office: dict[str, Any]) -> None:
    response = _visit(
        world,
        office,
        customer={"identities": ["document:4510 123456"], "name": "王伟"},
        outcome="follow_up",
        summary="咨询退款进度",
    )
    assert response.status_code == 201
    found = world.client.get(
        "/api/v1/customers", params={"identity": "document:4510 123456"}, headers=world.agent_headers
    ).json()["items"]
    assert [item["id"] for item in found] == [response.json()["customer_id"]]
    case = world.client.get(f"/api/v1/cases/{response.json()['case_id']}", headers=world.agent_headers).json()
    assert case["status"] == "open"


def test_the_same_visit_recorded_twice_is_stored_once(
    world: ApiWorld, office: dict[str, Any], container: Container
) -> None:
    first = _visit(world, office, visit_id="visit-77", outcome="open")
    counts = row_counts(container)
    second = _visit(world, office, visit_id="visit-77", outcome="open")
    assert second.status_code == 201
    assert second.json()["message_id"] == first.json()["message_id"]
    assert second.json()["duplicate"] is True
    assert row_counts(container) == counts


@pytest.mark.parametrize(
    "overrides",
    [
        {"customer": {"identities": ["phone:not a phone"]}},
        {"customer": {"identities": []}},
        {"outcome": "maybe"},
        {"summary": ""},
        {"topic_code": "no.such.topic"},
        {"unexpected": 1},
    ],
)
def test_bad_visits_are_refused_and_store_nothing(
    world: ApiWorld, office: dict[str, Any], container: Container, overrides: dict[str, Any]
) -> None:
    before = row_counts(container)
    response = _visit(world, office, **overrides)
    assert response.status_code == 422
    assert row_counts(container) == before


def test_a_visit_needs_an_office_channel(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)
    response = _visit(world, {"id": world.channel["id"]})
    assert response.status_code == 422
    assert "not an office" in response.json()["error"]["message"]
    assert row_counts(container) == before


def test_the_hook_door_of_an_office_is_shut(
    world: ApiWorld, office: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)
    response = world.client.post(f"/hooks/{office['id']}", content=b"{}")
    assert response.status_code == 422
    assert row_counts(container) == before
