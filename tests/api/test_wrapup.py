"""Confirming a case's topic and wrapping up: the agent's word becomes training data and ends the work."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.kernel.events import DomainEvent
from omniline.routing.models import SlaClock, Task
from omniline.taxonomy.models import TopicExample
from tests.support import ApiWorld, app_message, row_counts

TAXONOMY = {
    "version": 1,
    "topics": [
        {
            "code": "billing",
            "names": {"en": "Billing", "ru": "Оплата", "zh": "账单"},
            "tags": ["financial"],
            "skills": ["billing"],
            "children": [
                {
                    "code": "billing.double_charge",
                    "names": {"en": "Charged twice", "ru": "Двойное списание", "zh": "重复扣款"},
                    "keywords": {"en": ["charged twice"], "ru": ["списали дважды"], "zh": ["扣了两次"]},
                },
                {
                    "code": "billing.invoice",
                    "names": {"en": "Invoice", "ru": "Счёт", "zh": "发票"},
                    "keywords": {
                        "en": ["invoice"],
                        "ru": ["счёт-фактура", "закрывающие документы"],
                        "zh": ["发票"],
                    },
                },
            ],
        }
    ],
}


@pytest.fixture
def case(world: ApiWorld) -> dict[str, Any]:
    response = world.client.put("/api/v1/taxonomy", json=TAXONOMY, headers=world.admin_headers)
    assert response.status_code == 200, response.text
    posted = world.post_app_message(app_message("w-1", ["app:77"], "Списали дважды за заказ 5512, верните!"))
    assert posted.status_code == 202, posted.text
    ids = posted.json()
    view = world.client.get(f"/api/v1/cases/{ids['case_id']}", headers=world.agent_headers).json()
    return {**ids, "case": view}


def topic_codes(world: ApiWorld) -> dict[str, str]:
    topics = world.client.get("/api/v1/topics", headers=world.agent_headers).json()["items"]
    return {topic["id"]: topic["code"] for topic in topics}


def examples(container: Container) -> list[tuple[str, str, str | None]]:
    with container.uow() as uow:
        rows = uow.session.scalars(select(TopicExample)).all()
        return [(row.source, row.text, row.language) for row in rows]


def test_the_classified_topic_confirmed_by_the_agent_becomes_a_training_example(
    world: ApiWorld, container: Container, case: dict[str, Any]
) -> None:
    # given the case was classified by the keyword rules
    assert topic_codes(world)[case["case"]["topic_id"]] == "billing.double_charge"
    assert case["case"]["topic_source"] == "rules"
    assert case["case"]["topic_confirmed"] is False

    # when the agent confirms it
    response = world.client.post(
        f"/api/v1/cases/{case['case_id']}/topic",
        json={"topic": "billing.double_charge"},
        headers=world.agent_headers,
    )

    # then the topic is the agent's, and the customer's words are a "confirmed" example in Russian
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["topic_source"], view["topic_confidence"], view["topic_confirmed"]) == ("agent", 1.0, True)
    assert examples(container) == [("confirmed", "Списали дважды за заказ 5512, верните!", "ru")]
    timeline = world.client.get(
        f"/api/v1/customers/{case['customer_id']}/timeline", headers=world.agent_headers
    )
    confirmed = [entry for entry in timeline.json()["items"] if entry["type"] == "case.topic_confirmed"]
    assert [entry["data"] for entry in confirmed] == [
        {"topic": "billing.double_charge", "previous": "billing.double_charge", "source": "confirmed"}
    ]


def test_a_correction_is_recorded_as_such_and_later_messages_do_not_undo_it(
    world: ApiWorld, container: Container, case: dict[str, Any]
) -> None:
    # when the agent corrects the topic
    response = world.client.post(
        f"/api/v1/cases/{case['case_id']}/topic",
        json={"topic": "billing.invoice"},
        headers=world.agent_headers,
    )
    assert response.status_code == 200, response.text
    assert [source for source, _, _ in examples(container)] == ["corrected"]

    # and the customer writes again with words of the other topic
    again = world.post_app_message(app_message("w-2", ["app:77"], "Мне опять списали дважды!"))
    assert again.status_code == 202

    # then the person's decision stands
    view = world.client.get(f"/api/v1/cases/{case['case_id']}", headers=world.agent_headers).json()
    assert topic_codes(world)[view["topic_id"]] == "billing.invoice"
    assert view["topic_source"] == "agent"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("topic", {"topic": "no.such_topic"}),
        ("topic", {"topic": ""}),
        ("wrap-up", {"topic": "no.such_topic", "resolve": True}),
        ("wrap-up", {"resolution_code": "Решено!", "resolve": True}),
        ("wrap-up", {"resolve": True, "surprise": 1}),
    ],
)
def test_bad_topic_or_resolution_code_is_refused_and_changes_nothing(
    world: ApiWorld, container: Container, case: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    before = row_counts(container)
    response = world.client.post(
        f"/api/v1/cases/{case['case_id']}/{path}", json=body, headers=world.agent_headers
    )
    assert response.status_code == 422, response.text
    assert row_counts(container) == before
    view = world.client.get(f"/api/v1/cases/{case['case_id']}", headers=world.agent_headers).json()
    assert view == case["case"]


def test_wrap_up_with_resolve_ends_the_work_and_the_resolution_clock(
    world: ApiWorld, container: Container, case: dict[str, Any]
) -> None:
    # given routing queued the case and started its SLA clocks
    with container.uow() as uow:
        tasks = uow.session.scalars(select(Task).where(Task.case_id == uuid.UUID(case["case"]["id"]))).all()
        assert [(task.kind, task.status) for task in tasks] == [("conversation", "open")]

    # when the agent wraps up and resolves
    response = world.client.post(
        f"/api/v1/cases/{case['case_id']}/wrap-up",
        json={
            "topic": "billing.double_charge",
            "resolution_code": "refund_issued",
            "note": "Вернули 990 ₽",
            "resolve": True,
        },
        headers=world.agent_headers,
    )

    # then the case is resolved with its code, the work is closed and the clocks stopped
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["status"], view["resolution_code"], view["topic_confirmed"]) == (
        "resolved",
        "refund_issued",
        True,
    )
    assert view["wrapped_up_at"] is not None
    with container.uow() as uow:
        statuses = uow.session.scalars(
            select(Task.status).where(Task.case_id == uuid.UUID(case["case"]["id"]))
        ).all()
        clocks = {clock.kind: clock.status for clock in uow.session.scalars(select(SlaClock))}
    assert list(statuses) == ["done"]
    assert clocks["resolution"] == "met"
    assert clocks["first_response"] in {"cancelled", "met"}
    timeline = world.client.get(
        f"/api/v1/customers/{case['customer_id']}/timeline", headers=world.agent_headers
    )
    wrapped = [entry["data"] for entry in timeline.json()["items"] if entry["type"] == "case.wrapped_up"]
    assert wrapped == [
        {"resolution_code": "refund_issued", "resolved": True, "tasks_finished": 1, "note": "Вернули 990 ₽"}
    ]

    # and wrapping up a resolved case as resolved again is a conflict that changes nothing
    before = row_counts(container)
    again = world.client.post(
        f"/api/v1/cases/{case['case_id']}/wrap-up", json={"resolve": True}, headers=world.agent_headers
    )
    assert again.status_code == 409
    assert row_counts(container) == before


def test_closing_the_work_tells_the_desktops_and_the_wallboard_at_once(
    world: ApiWorld, container: Container, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[DomainEvent] = []
    publish = container.bus.publish

    def record(event: DomainEvent) -> None:
        published.append(event)
        publish(event)

    monkeypatch.setattr(container.bus, "publish", record)
    response = world.client.post(
        f"/api/v1/cases/{case['case_id']}/wrap-up",
        json={"resolution_code": "refund_issued", "resolve": True},
        headers=world.agent_headers,
    )
    assert response.status_code == 200, response.text

    finished = [event for event in published if event.type == "task.finished"]
    assert len(finished) == 1
    assert finished[0].tenant_id == world.tenant_id
    assert finished[0].data["status"] == "done"
    assert finished[0].data["task"]["case_id"] == case["case"]["id"]
    assert finished[0].data["task"]["status"] == "done"
