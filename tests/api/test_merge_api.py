"""Merging two customers by hand and undoing it, over HTTP."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.routing.models import Task
from tests.support import ApiWorld, app_message, make_world, row_counts

REASON = "один и тот же человек: 同一个客户"


def assert_error(response: Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return str(body["error"]["message"])


def post(world: ApiWorld, external_id: str, identities: list[str], text: str, **extra: Any) -> dict[str, str]:
    response = world.post_app_message(app_message(external_id, identities, text, **extra))
    assert response.status_code == 202, response.text
    return dict(response.json())


def customer(world: ApiWorld, customer_id: str) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/customers/{customer_id}", headers=world.agent_headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def identities(world: ApiWorld, customer_id: str) -> list[str]:
    return [item["identity"] for item in customer(world, customer_id)["identities"]]


def timeline(world: ApiWorld, customer_id: str) -> list[dict[str, Any]]:
    response = world.client.get(
        f"/api/v1/customers/{customer_id}/timeline", params={"limit": 200}, headers=world.agent_headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def texts(world: ApiWorld, customer_id: str) -> list[str]:
    """The texts of the customer's received messages, newest first. Only `message.received` entries:
    a `case.routed` entry also points at the message that opened its case, and would repeat it."""
    return [
        entry["message"]["text"]
        for entry in timeline(world, customer_id)
        if entry["type"] == "message.received"
    ]


def types(world: ApiWorld, customer_id: str) -> list[str]:
    return [entry["type"] for entry in timeline(world, customer_id)]


def conversation(world: ApiWorld, conversation_id: str) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/conversations/{conversation_id}", headers=world.agent_headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def merge(world: ApiWorld, survivor: str, merged: str, reason: str = REASON) -> Response:
    return world.client.post(
        f"/api/v1/customers/{survivor}/merge",
        json={"customer_id": merged, "reason": reason},
        headers=world.agent_headers,
    )


def unmerge(world: ApiWorld, survivor: str, merged: str, reason: str = "ошибка оператора") -> Response:
    return world.client.post(
        f"/api/v1/customers/{survivor}/unmerge",
        json={"customer_id": merged, "reason": reason},
        headers=world.agent_headers,
    )


def two_customers(world: ApiWorld) -> tuple[dict[str, str], dict[str, str]]:
    """Anna (A) with two messages on one conversation, and B with two identities and two messages."""
    a = post(world, "a-1", ["app:anna"], "Где мой заказ?")
    post(world, "a-2", ["app:anna"], "Заказ № 42")
    b = post(world, "b-1", ["app:b-7", "email:Wang.Li@Example.cn"], "我的订单在哪里？", name="王丽")
    post(world, "b-2", ["app:b-7"], "请帮我查一下")
    assert a["customer_id"] != b["customer_id"]
    return a, b


def test_merge_moves_identities_messages_and_timeline_to_the_survivor(world: ApiWorld) -> None:
    # given
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]

    # when
    response = merge(world, a_id, b_id)

    # then
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["survivor_id"] == a_id
    assert record["merged_id"] == b_id
    assert record["reason"] == REASON
    assert record["undone_at"] is None
    assert record["moved"]["identities"] == 2
    assert record["moved"]["conversations"] == 1
    assert record["moved"]["cases"] == 1
    assert record["moved"]["messages"] == 2
    assert identities(world, a_id) == ["app:anna", "app:b-7", "email:wang.li@example.cn"]
    merged = customer(world, b_id)
    assert merged["merged_into_id"] == a_id
    assert merged["identities"] == []
    assert merged["cases"] == []
    assert texts(world, a_id) == ["请帮我查一下", "我的订单在哪里？", "Заказ № 42", "Где мой заказ?"]
    # B's case (opened, routed) and its messages now sit on A's timeline, in the order they happened
    assert types(world, a_id) == [
        "customer.merged",
        "message.received",
        "case.routed",
        "message.received",
        "case.opened",
        "message.received",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    assert texts(world, b_id) == []
    assert conversation(world, b["conversation_id"])["customer_id"] == a_id
    found = world.client.get(
        "/api/v1/customers", params={"identity": "email:wang.li@EXAMPLE.cn"}, headers=world.agent_headers
    ).json()["items"]
    assert [item["id"] for item in found] == [a_id]
    listed = world.client.get("/api/v1/customers", headers=world.agent_headers).json()["items"]
    assert [item["id"] for item in listed] == [a_id]


def test_merge_into_itself_is_a_422_and_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given
    a, _ = two_customers(world)
    before = row_counts(container)

    # when
    response = merge(world, a["customer_id"], a["customer_id"])

    # then
    assert assert_error(response, 422, "invalid_input") == "a customer cannot be merged with itself"
    assert row_counts(container) == before


def test_merge_again_is_a_409_and_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given B merged into A
    a, b = two_customers(world)
    assert merge(world, a["customer_id"], b["customer_id"]).status_code == 200
    before = row_counts(container)

    # when the same merge is sent again, and the reverse one
    again = merge(world, a["customer_id"], b["customer_id"])
    reverse = merge(world, b["customer_id"], a["customer_id"])

    # then
    assert_error(again, 409, "conflict")
    assert_error(reverse, 409, "conflict")
    assert row_counts(container) == before


def test_merge_with_an_unknown_customer_is_a_404(world: ApiWorld, container: Container) -> None:
    # given
    a, _ = two_customers(world)
    before = row_counts(container)

    # when
    unknown_merged = merge(world, a["customer_id"], str(uuid.uuid4()))
    unknown_survivor = merge(world, str(uuid.uuid4()), a["customer_id"])

    # then
    assert_error(unknown_merged, 404, "not_found")
    assert_error(unknown_survivor, 404, "not_found")
    assert row_counts(container) == before


def test_merge_across_tenants_is_a_404_and_changes_nothing(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    # given a customer in this tenant and one in another
    mine = post(world, "m-1", ["app:anna"], "Где мой заказ?")["customer_id"]
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    theirs = post(other, "m-1", ["app:anna"], "我的订单在哪里？")["customer_id"]
    before = row_counts(container)

    # when each tenant tries to pull the other's customer in
    pull_theirs = merge(world, mine, theirs)
    pull_mine = other.client.post(
        f"/api/v1/customers/{theirs}/merge",
        json={"customer_id": mine, "reason": REASON},
        headers=other.admin_headers,
    )
    both_theirs_as_me = merge(world, theirs, mine)

    # then
    assert_error(pull_theirs, 404, "not_found")
    assert_error(pull_mine, 404, "not_found")
    assert_error(both_theirs_as_me, 404, "not_found")
    assert row_counts(container) == before
    assert customer(world, mine)["merged_into_id"] is None
    assert customer(other, theirs)["merged_into_id"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "B"},
        {"customer_id": "B", "reason": ""},
        {"reason": REASON},
        {"customer_id": "not-a-uuid", "reason": REASON},
        {"customer_id": "B", "reason": REASON, "force": True},
    ],
    ids=["missing reason", "empty reason", "missing customer_id", "bad customer_id", "extra field"],
)
def test_bad_merge_requests_are_422_and_change_nothing(
    world: ApiWorld, container: Container, body: dict[str, Any]
) -> None:
    # given
    a, b = two_customers(world)
    body = {key: (b["customer_id"] if value == "B" else value) for key, value in body.items()}
    before = row_counts(container)

    # when
    response = world.client.post(
        f"/api/v1/customers/{a['customer_id']}/merge", json=body, headers=world.agent_headers
    )

    # then
    assert_error(response, 422, "invalid_input")
    assert row_counts(container) == before


def test_unmerge_gives_b_back_exactly_what_it_had(world: ApiWorld) -> None:
    # given B's record before the merge
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]
    a_identities, b_identities = identities(world, a_id), identities(world, b_id)
    a_texts, b_texts = texts(world, a_id), texts(world, b_id)
    b_cases = customer(world, b_id)["cases"]
    b_entries = [(entry["id"], entry["type"]) for entry in timeline(world, b_id)]
    merge_id = merge(world, a_id, b_id).json()["id"]

    # when
    response = unmerge(world, a_id, b_id)

    # then
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["id"] == merge_id
    assert record["undone_at"] is not None
    assert record["undone_by"] is not None
    assert customer(world, b_id)["merged_into_id"] is None
    assert identities(world, b_id) == b_identities == ["app:b-7", "email:wang.li@example.cn"]
    assert identities(world, a_id) == a_identities == ["app:anna"]
    assert texts(world, b_id) == b_texts == ["请帮我查一下", "我的订单在哪里？"]
    assert texts(world, a_id) == a_texts == ["Заказ № 42", "Где мой заказ?"]
    assert customer(world, b_id)["cases"] == b_cases
    b_after = timeline(world, b_id)
    assert b_after[0]["type"] == "customer.unmerged"
    assert [(entry["id"], entry["type"]) for entry in b_after[1:]] == b_entries
    a_types = [entry["type"] for entry in timeline(world, a_id)]
    assert a_types[:2] == ["customer.unmerged", "customer.merged"]
    assert conversation(world, b["conversation_id"])["customer_id"] == b_id
    found = world.client.get(
        "/api/v1/customers", params={"identity": "app:b-7"}, headers=world.agent_headers
    ).json()["items"]
    assert [item["id"] for item in found] == [b_id]


def test_the_merge_shows_as_undone_in_the_merge_history(world: ApiWorld) -> None:
    # given
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]
    merged = merge(world, a_id, b_id).json()

    # when
    undone = unmerge(world, a_id, b_id).json()
    history_a = world.client.get(f"/api/v1/customers/{a_id}/merges", headers=world.agent_headers).json()[
        "items"
    ]
    history_b = world.client.get(f"/api/v1/customers/{b_id}/merges", headers=world.agent_headers).json()[
        "items"
    ]

    # then
    assert history_a == history_b == [undone]
    assert undone["id"] == merged["id"]
    assert undone["created_at"] == merged["created_at"]
    assert undone["reason"] == REASON
    assert undone["undone_at"] is not None
    assert undone["undone_by"] == undone["actor"]


def test_merge_again_after_unmerge_is_allowed(world: ApiWorld) -> None:
    # given a merge that was undone
    a, b = two_customers(world)
    merge(world, a["customer_id"], b["customer_id"])
    unmerge(world, a["customer_id"], b["customer_id"])

    # when
    response = merge(world, a["customer_id"], b["customer_id"], reason="теперь точно")

    # then
    assert response.status_code == 200, response.text
    history = world.client.get(
        f"/api/v1/customers/{a['customer_id']}/merges", headers=world.agent_headers
    ).json()["items"]
    assert [item["undone_at"] is None for item in history] == [True, False]


def test_unmerge_of_a_customer_that_is_not_merged_is_a_409(world: ApiWorld, container: Container) -> None:
    # given two customers that were never merged
    a, b = two_customers(world)
    before = row_counts(container)

    # when
    response = unmerge(world, a["customer_id"], b["customer_id"])

    # then the state forbids it: a conflict (kernel/errors.py: 409 for "already merged"-like states)
    assert_error(response, 409, "conflict")
    assert row_counts(container) == before


def test_unmerge_from_the_wrong_survivor_is_a_422_and_changes_nothing(
    world: ApiWorld, container: Container
) -> None:
    # given B merged into A, and a third customer C
    a, b = two_customers(world)
    c = post(world, "c-1", ["app:c"], "Третий 第三")
    merge(world, a["customer_id"], b["customer_id"])
    before = row_counts(container)

    # when someone tries to take B back from C
    response = unmerge(world, c["customer_id"], b["customer_id"])

    # then
    message = assert_error(response, 422, "invalid_input")
    assert message == f"customer {b['customer_id']} is not merged into {c['customer_id']}"
    assert row_counts(container) == before
    assert customer(world, b["customer_id"])["merged_into_id"] == a["customer_id"]


def test_unmerge_twice_is_refused_and_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given a merge that was undone
    a, b = two_customers(world)
    merge(world, a["customer_id"], b["customer_id"])
    assert unmerge(world, a["customer_id"], b["customer_id"]).status_code == 200
    before = row_counts(container)

    # when
    response = unmerge(world, a["customer_id"], b["customer_id"])

    # then
    assert response.status_code in (409, 422), response.text
    assert row_counts(container) == before


def test_unmerge_across_tenants_is_a_404(world: ApiWorld, container: Container, client: TestClient) -> None:
    # given B merged into A in this tenant
    a, b = two_customers(world)
    merge(world, a["customer_id"], b["customer_id"])
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    before = row_counts(container)

    # when another tenant's admin tries to undo it
    response = other.client.post(
        f"/api/v1/customers/{a['customer_id']}/unmerge",
        json={"customer_id": b["customer_id"], "reason": "чужой"},
        headers=other.admin_headers,
    )

    # then
    assert_error(response, 404, "not_found")
    assert row_counts(container) == before


def test_a_new_conversation_on_bs_identity_while_merged_goes_back_to_b(world: ApiWorld) -> None:
    # given B merged into A
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]
    merge(world, a_id, b_id)

    # when B writes on a new thread while merged
    during = post(world, "b-3", ["app:b-7"], "新的问题：退款", thread_id="refund-1")

    # then it lands on A
    assert during["customer_id"] == a_id
    assert during["conversation_id"] != b["conversation_id"]
    assert during["case_id"] == b["case_id"]
    assert "新的问题：退款" in texts(world, a_id)

    # when the merge is undone
    assert unmerge(world, a_id, b_id).status_code == 200

    # then that new conversation, its message and its timeline entry go back to B
    assert conversation(world, during["conversation_id"])["customer_id"] == b_id
    assert texts(world, b_id) == ["新的问题：退款", "请帮我查一下", "我的订单在哪里？"]
    assert texts(world, a_id) == ["Заказ № 42", "Где мой заказ?"]
    # the new thread's message joined B's open case, whose work already waits: it was not routed again
    assert types(world, b_id) == [
        "customer.unmerged",
        "message.received",
        "message.received",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    messages = world.client.get(
        f"/api/v1/conversations/{during['conversation_id']}/messages", headers=world.agent_headers
    ).json()["items"]
    assert [(item["text"], item["customer_id"]) for item in messages] == [("新的问题：退款", b_id)]

    # and B's next message finds B again
    after = post(world, "b-4", ["email:wang.li@example.cn"], "Спасибо")
    assert after["customer_id"] == b_id


def test_a_message_on_bs_old_conversation_while_merged_goes_back_to_b_with_it(world: ApiWorld) -> None:
    # given B merged into A; B's conversation is the most recent live one on the channel
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]
    merge(world, a_id, b_id)

    # when B writes again without a thread id while merged
    during = post(world, "b-3", ["app:b-7"], "还是没收到")

    # then it lands on A and continues B's old conversation (now A's)
    assert during["customer_id"] == a_id
    assert during["conversation_id"] == b["conversation_id"]

    # when the merge is undone
    assert unmerge(world, a_id, b_id).status_code == 200

    # then the conversation goes back to B with every message in it, including the one sent while merged
    assert conversation(world, b["conversation_id"])["customer_id"] == b_id
    messages = world.client.get(
        f"/api/v1/conversations/{b['conversation_id']}/messages", headers=world.agent_headers
    ).json()["items"]
    assert [(item["text"], item["customer_id"]) for item in messages] == [
        ("我的订单在哪里？", b_id),
        ("请帮我查一下", b_id),
        ("还是没收到", b_id),
    ]
    assert texts(world, b_id) == ["还是没收到", "请帮我查一下", "我的订单在哪里？"]
    assert texts(world, a_id) == ["Заказ № 42", "Где мой заказ?"]


def test_the_work_on_the_merged_customers_cases_follows_the_merge_and_comes_back(
    world: ApiWorld, container: Container
) -> None:
    def owners_of_work(case_ids: set[str]) -> set[str]:
        with container.engine.connect() as connection:
            rows = connection.execute(select(Task.case_id, Task.customer_id)).all()
        return {str(owner) for case_id, owner in rows if str(case_id) in case_ids}

    # given B's cases, routed to work
    a, b = two_customers(world)
    a_id, b_id = a["customer_id"], b["customer_id"]
    b_cases = {case["id"] for case in customer(world, b_id)["cases"]}
    assert owners_of_work(b_cases) == {b_id}

    # when B is merged into A, B's work is A's (routing reads work by customer: last agent, waiting work)
    assert merge(world, a_id, b_id).status_code == 200
    assert owners_of_work(b_cases) == {a_id}

    # and when the merge is undone, the work goes back with B's cases
    assert unmerge(world, a_id, b_id).status_code == 200
    assert owners_of_work(b_cases) == {b_id}
