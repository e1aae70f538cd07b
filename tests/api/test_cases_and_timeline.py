"""Cases over HTTP (resolve, reopen, tenancy) and the customer timeline's keyset pagination."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.routing.models import Task
from tests.support import ApiWorld, app_message, make_world, row_counts

TEXTS = [
    "Где мой заказ?",
    "我的订单在哪里？",
    "Заказ № 42 не пришёл",
    "请帮我查一下",
    "Спасибо!",
    "还是没收到",
    "Жду ответа",
]


def assert_error(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def get_case(world: ApiWorld, case_id: str) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/cases/{case_id}", headers=world.agent_headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def timeline(world: ApiWorld, customer_id: str, **params: Any) -> dict[str, Any]:
    response = world.client.get(
        f"/api/v1/customers/{customer_id}/timeline", params=params, headers=world.agent_headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def post(world: ApiWorld, external_id: str, text: str, identity: str = "app:42") -> dict[str, str]:
    response = world.post_app_message(app_message(external_id, [identity], text))
    assert response.status_code == 202, response.text
    return dict(response.json())


# --- resolve and reopen ---


def test_resolve_sets_status_and_time_and_goes_on_the_timeline(world: ApiWorld) -> None:
    # given an open case
    ids = post(world, "m-1", "Где мой заказ?")
    assert get_case(world, ids["case_id"])["status"] == "open"

    # when
    response = world.client.post(f"/api/v1/cases/{ids['case_id']}/resolve", headers=world.agent_headers)

    # then
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["status"] == "resolved"
    assert case["resolved_at"] is not None
    assert case["reopen_count"] == 0
    assert get_case(world, ids["case_id"]) == case
    entries = timeline(world, ids["customer_id"])["items"]
    # the opening message was routed (no topic in this tenant, so no case.classified) before the resolve
    assert [entry["type"] for entry in entries] == [
        "case.resolved",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    assert entries[0]["case_id"] == ids["case_id"]
    assert entries[0]["data"]["status"] == "resolved"


def test_resolve_twice_is_a_409_and_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given a resolved case
    ids = post(world, "m-1", "我的订单在哪里？")
    resolved = world.client.post(
        f"/api/v1/cases/{ids['case_id']}/resolve", headers=world.agent_headers
    ).json()
    before = row_counts(container)

    # when
    response = world.client.post(f"/api/v1/cases/{ids['case_id']}/resolve", headers=world.agent_headers)

    # then
    assert_error(response, 409, "conflict")
    assert response.json()["error"]["message"] == "a case that is resolved cannot be resolved"
    assert row_counts(container) == before
    assert get_case(world, ids["case_id"]) == resolved


def test_reopen_a_resolved_case(world: ApiWorld, container: Container) -> None:
    # given a resolved case that routing had given to the self-service bot
    ids = post(world, "m-1", "Где мой заказ?")
    with container.uow() as uow:
        case = uow.session.get_one(Case, uuid.UUID(ids["case_id"]))
        case.queue, case.routing = "самообслуживание", {"destination": "bot", "target": "самообслуживание"}
        uow.commit()
    world.client.post(f"/api/v1/cases/{ids['case_id']}/resolve", headers=world.agent_headers)

    # when
    response = world.client.post(f"/api/v1/cases/{ids['case_id']}/reopen", headers=world.agent_headers)

    # then
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["status"] == "open"
    assert case["resolved_at"] is None
    assert case["reopen_count"] == 1
    types = [entry["type"] for entry in timeline(world, ids["customer_id"])["items"]]
    # an agent's reopen is not an inbound message: no routing decision, but the case has work again
    assert types == ["case.reopened", "case.resolved", "case.routed", "message.received", "case.opened"]
    with container.uow() as uow:
        work = uow.session.scalars(
            select(Task).where(Task.case_id == uuid.UUID(ids["case_id"])).order_by(Task.created_at)
        ).all()
        assert [(task.status, task.reason) for task in work][-1] == ("open", "reopened")
        reopened = work[-1]
        assert reopened.conversation_id == uuid.UUID(ids["conversation_id"])
        assert reopened.channel_kind == "api"
        # the case was the self-service bot's; a person reopened it to work on it
        assert reopened.queue == "general"
        assert reopened.sticky_user_id is not None  # the agent who reopened it comes first
        assert all(task.status != "open" for task in work[:-1])


def test_reopen_an_open_case_is_a_409_and_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given an open case
    ids = post(world, "m-1", "Где мой заказ?")
    case = get_case(world, ids["case_id"])
    before = row_counts(container)

    # when
    response = world.client.post(f"/api/v1/cases/{ids['case_id']}/reopen", headers=world.agent_headers)

    # then
    assert_error(response, 409, "conflict")
    assert row_counts(container) == before
    assert get_case(world, ids["case_id"]) == case


@pytest.mark.parametrize("action", ["", "/resolve", "/reopen"])
def test_unknown_case_is_a_404(world: ApiWorld, container: Container, action: str) -> None:
    # given
    before = row_counts(container)
    method = "GET" if not action else "POST"

    # when
    response = world.client.request(
        method, f"/api/v1/cases/{uuid.uuid4()}{action}", headers=world.agent_headers
    )

    # then
    assert_error(response, 404, "not_found")
    assert row_counts(container) == before


def test_non_uuid_case_id_is_refused_as_input(world: ApiWorld, container: Container) -> None:
    # given
    before = row_counts(container)

    # when
    response = world.client.post("/api/v1/cases/C-1/resolve", headers=world.agent_headers)

    # then
    assert_error(response, 422, "invalid_input")
    assert row_counts(container) == before


@pytest.mark.parametrize("action", ["", "/resolve", "/reopen"])
def test_a_case_of_another_tenant_is_a_404(
    world: ApiWorld, container: Container, client: TestClient, action: str
) -> None:
    # given a case of this tenant and a user of another tenant
    ids = post(world, "m-1", "Где мой заказ?")
    if action == "/reopen":
        world.client.post(f"/api/v1/cases/{ids['case_id']}/resolve", headers=world.agent_headers)
    case = get_case(world, ids["case_id"])
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    before = row_counts(container)

    # when the other tenant's agent and admin try to read or change it
    method = "GET" if not action else "POST"
    as_agent = client.request(method, f"/api/v1/cases/{ids['case_id']}{action}", headers=other.agent_headers)
    as_admin = client.request(method, f"/api/v1/cases/{ids['case_id']}{action}", headers=other.admin_headers)

    # then it does not exist for them, and nothing changed
    assert_error(as_agent, 404, "not_found")
    assert_error(as_admin, 404, "not_found")
    assert row_counts(container) == before
    assert get_case(world, ids["case_id"]) == case


# --- timeline pagination ---


def _post_seven(world: ApiWorld) -> str:
    customer_ids = {post(world, f"m-{number}", text)["customer_id"] for number, text in enumerate(TEXTS)}
    assert len(customer_ids) == 1
    return customer_ids.pop()


@pytest.mark.parametrize(
    ("limit", "page_sizes"), [(3, [3, 3, 3]), (4, [4, 4, 1]), (8, [8, 1]), (9, [9]), (200, [9])]
)
def test_timeline_pages_cover_every_entry_once_newest_first(
    world: ApiWorld, limit: int, page_sizes: list[int]
) -> None:
    # given seven messages of one customer (one case: case.opened + 7 message.received, and one
    # case.routed for the first message, which opened the case; the others join its waiting work)
    customer_id = _post_seven(world)
    whole = timeline(world, customer_id)
    assert whole["next_cursor"] is None
    assert len(whole["items"]) == 9

    # when the timeline is read page by page
    pages: list[dict[str, Any]] = [timeline(world, customer_id, limit=limit)]
    while pages[-1]["next_cursor"] is not None:
        assert len(pages) < 10
        pages.append(timeline(world, customer_id, limit=limit, before=pages[-1]["next_cursor"]))

    # then
    assert [len(page["items"]) for page in pages] == page_sizes
    assert pages[-1]["next_cursor"] is None
    seen = [entry for page in pages for entry in page["items"]]
    assert [entry["id"] for entry in seen] == [entry["id"] for entry in whole["items"]]
    assert len({entry["id"] for entry in seen}) == 9
    assert [entry["id"] for entry in seen] == sorted((entry["id"] for entry in seen), reverse=True)
    assert [entry["at"] for entry in seen] == sorted((entry["at"] for entry in seen), reverse=True)
    assert [entry["type"] for entry in seen] == ["message.received"] * 6 + [
        "case.routed",
        "message.received",
        "case.opened",
    ]
    received = [entry for entry in seen if entry["type"] == "message.received"]
    assert [entry["message"]["text"] for entry in received] == list(reversed(TEXTS))
    assert [entry["message"]["external_id"] for entry in received] == [f"m-{n}" for n in range(6, -1, -1)]
    # the routing entry points at the message that was routed
    assert seen[6]["message"]["external_id"] == "m-0"
    for page in pages[:-1]:
        assert page["next_cursor"] == page["items"][-1]["id"]


def test_timeline_entry_carries_the_message(world: ApiWorld) -> None:
    # given
    ids = post(world, "m-1", "你好，我的退款呢？")

    # when
    routed, entry = timeline(world, ids["customer_id"], limit=2)["items"]

    # then (routing the message that opened the case came after it)
    assert routed["type"] == "case.routed"
    assert routed["message"]["id"] == ids["message_id"]
    assert entry["type"] == "message.received"
    assert entry["channel_kind"] == "api"
    assert entry["conversation_id"] == ids["conversation_id"]
    assert entry["case_id"] == ids["case_id"]
    assert entry["message"]["id"] == ids["message_id"]
    assert entry["message"]["text"] == "你好，我的退款呢？"
    assert entry["message"]["direction"] == "in"


@pytest.mark.parametrize(
    "params",
    [
        {"before": "not-a-cursor"},
        {"before": ""},
        {"before": "курсор"},
        {"limit": 0},
        {"limit": -1},
        {"limit": 201},
        {"limit": 1000},
        {"limit": "три"},
    ],
    ids=[
        "garbage cursor",
        "empty cursor",
        "cyrillic cursor",
        "limit 0",
        "limit -1",
        "limit 201",
        "limit 1000",
        "limit text",
    ],
)
def test_bad_timeline_paging_is_a_422(world: ApiWorld, params: dict[str, Any]) -> None:
    # given
    ids = post(world, "m-1", "Где мой заказ?")

    # when
    response = world.client.get(
        f"/api/v1/customers/{ids['customer_id']}/timeline", params=params, headers=world.agent_headers
    )

    # then
    assert_error(response, 422, "invalid_input")


def test_timeline_of_an_unknown_customer_is_a_404(world: ApiWorld) -> None:
    # when
    response = world.client.get(f"/api/v1/customers/{uuid.uuid4()}/timeline", headers=world.agent_headers)

    # then
    assert_error(response, 404, "not_found")


# --- a message after resolve, and the conversation's message list ---


def test_a_message_after_resolve_reopens_the_same_case_on_the_same_conversation(world: ApiWorld) -> None:
    # given a resolved case
    first = post(world, "m-1", "Где мой заказ?")
    world.client.post(f"/api/v1/cases/{first['case_id']}/resolve", headers=world.agent_headers)

    # when the customer writes again on the same conversation within the reopen window
    second = post(world, "m-2", "还是没收到，请再查一下")

    # then the same case is reopened, not a new one
    assert second["conversation_id"] == first["conversation_id"]
    assert second["case_id"] == first["case_id"]
    assert second["customer_id"] == first["customer_id"]
    case = get_case(world, first["case_id"])
    assert case["status"] == "open"
    assert case["reopen_count"] == 1
    assert case["resolved_at"] is None
    assert case["reference"] == "C-1"
    types = [entry["type"] for entry in timeline(world, first["customer_id"])["items"]]
    # the reopening message is routed again, like the one that opened the case
    assert types == [
        "case.routed",
        "message.received",
        "case.reopened",
        "case.resolved",
        "case.routed",
        "message.received",
        "case.opened",
    ]


def test_a_message_after_a_reopen_by_an_agent_joins_the_open_case(world: ApiWorld) -> None:
    # given a case that was resolved and reopened by hand
    first = post(world, "m-1", "Где мой заказ?")
    world.client.post(f"/api/v1/cases/{first['case_id']}/resolve", headers=world.agent_headers)
    world.client.post(f"/api/v1/cases/{first['case_id']}/reopen", headers=world.agent_headers)

    # when
    second = post(world, "m-2", "Спасибо, жду")

    # then it simply joins the open case
    assert second["case_id"] == first["case_id"]
    assert get_case(world, first["case_id"])["reopen_count"] == 1


def test_conversation_messages_are_listed_oldest_first(world: ApiWorld) -> None:
    # given
    ids = [post(world, f"m-{number}", text) for number, text in enumerate(TEXTS[:4])]
    conversation_id = ids[0]["conversation_id"]
    assert {item["conversation_id"] for item in ids} == {conversation_id}

    # when
    response = world.client.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=world.agent_headers
    )

    # then
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["text"] for item in items] == TEXTS[:4]
    assert [item["id"] for item in items] == [item["message_id"] for item in ids]
    assert all(item["conversation_id"] == conversation_id for item in items)
    # and `after` continues from a seen message
    rest = world.client.get(
        f"/api/v1/conversations/{conversation_id}/messages",
        params={"after": items[1]["id"], "limit": 1},
        headers=world.agent_headers,
    ).json()["items"]
    assert [item["text"] for item in rest] == [TEXTS[2]]


def test_a_conversation_of_another_tenant_is_a_404(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given
    ids = post(world, "m-1", "Где мой заказ?")
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")

    # when
    read = client.get(f"/api/v1/conversations/{ids['conversation_id']}", headers=other.agent_headers)
    listed = client.get(
        f"/api/v1/conversations/{ids['conversation_id']}/messages", headers=other.agent_headers
    )
    timeline_response = client.get(
        f"/api/v1/customers/{ids['customer_id']}/timeline", headers=other.agent_headers
    )

    # then
    assert_error(read, 404, "not_found")
    assert_error(listed, 404, "not_found")
    assert_error(timeline_response, 404, "not_found")
