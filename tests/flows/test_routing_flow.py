"""Issue 5 as a new user would try it on the demo tenant: a VIP's complaint about a charge reaches a
skilled, available agent through the priority queue; "where is my order" goes to self-service; the same
customer writing again is a repeat contact; an unanswered e-mail breaches its SLA and escalates."""

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.channels.service import channel_info
from omniline.channels.signing import sign_body
from omniline.customers.identities import IdentityClaim
from omniline.demo.loader import DemoSummary, load_demo
from omniline.kernel.events import DomainEvent
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.transaction import ingest_and_commit
from omniline.routing.sla_job import check_sla_clocks
from omniline.security.models import AuditEntry


@pytest.fixture
def demo(container: Container) -> DemoSummary:
    return load_demo(container)


def login(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def agent1(client: TestClient) -> dict[str, str]:
    return login(client, "agent1@demo.omniline.local", "demo-agent-pass")


def post_app(client: TestClient, demo: DemoSummary, external_id: str, identity: str, text: str) -> Any:
    body = {
        "external_id": external_id,
        "sender": {"identities": [identity], "name": "Пётр Сидоров"},
        "text": text,
        "sent_at": "2026-11-24T09:00:00Z",
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    response = client.post(
        f"/hooks/{demo.channel_id}",
        content=raw,
        headers={
            "X-Omniline-Signature": sign_body(demo.channel_secret, raw),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 202, response.text
    return response.json()


def topic_code(client: TestClient, headers: dict[str, str], topic_id: str) -> str:
    return str(client.get(f"/api/v1/topics/{topic_id}", headers=headers).json()["code"])


def test_a_vip_charge_complaint_is_offered_to_a_skilled_available_agent(
    client: TestClient, demo: DemoSummary
) -> None:
    # given the demo's VIP John Smith wrote "The app charged me twice…" while nobody was available
    headers = agent1(client)
    # when the demo agent who handles billing becomes available
    response = client.put("/api/v1/agents/me/presence", headers=headers, json={"state": "available"})
    assert response.status_code == 200, response.text

    # then the VIP's case is among the work offered to them, from the priority queue, with the reasons
    offers = client.get("/api/v1/offers", headers=headers).json()["items"]
    vip = [offer for offer in offers if offer["task"]["queue"] == "priority"]
    assert len(vip) == 1
    case = client.get(f"/api/v1/cases/{vip[0]['task']['case_id']}", headers=headers).json()
    assert case["subject"] == "The app charged me twice for this month's subscription."
    assert topic_code(client, headers, case["topic_id"]) == "billing.double_charge"
    assert case["routing"]["rule"] == "vip-to-priority-humans"
    assert case["routing"]["destination"] == "queue"
    assert "customer tier is vip" in case["routing"]["reasons"]
    assert vip[0]["task"]["skills"] == ["billing"]

    # and accepting it makes the case theirs
    accepted = client.post(f"/api/v1/offers/{vip[0]['id']}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    case = client.get(f"/api/v1/cases/{case['id']}", headers=headers).json()
    me = client.get("/api/v1/agents/me", headers=headers).json()
    assert case["assigned_user_id"] == me["user_id"]
    types = [entry["type"] for entry in client.get(
        f"/api/v1/customers/{case['customer_id']}/timeline", headers=headers
    ).json()["items"]]  # fmt: skip
    assert {"case.routed", "task.offered", "case.assigned"} <= set(types)


def test_where_is_my_order_goes_to_self_service_and_writing_again_is_a_repeat_contact(
    client: TestClient, demo: DemoSummary
) -> None:
    headers = agent1(client)
    client.put("/api/v1/agents/me/presence", headers=headers, json={"state": "available"})

    # when a regular customer asks where their order is
    first = post_app(client, demo, "flow-1", "app:5555", "Где мой заказ 12345?")

    # then the case is classified and goes to self-service, and no agent is offered it
    case = client.get(f"/api/v1/cases/{first['case_id']}", headers=headers).json()
    assert topic_code(client, headers, case["topic_id"]) == "orders.status"
    assert (case["routing"]["destination"], case["routing"]["target"]) == ("bot", "self_service")
    assert case["repeat_contact"] is False
    offered = client.get("/api/v1/offers", headers=headers).json()["items"]
    assert first["case_id"] not in {offer["task"]["case_id"] for offer in offered}

    # when the case is resolved and the customer writes again the same week
    assert client.post(f"/api/v1/cases/{first['case_id']}/resolve", headers=headers).status_code == 200
    second = post_app(client, demo, "flow-2", "app:5555", "Заказ 12345 так и не пришёл, где он?")

    # then it is flagged as a repeat contact, gets priority, and goes to people rather than the bot
    case = client.get(f"/api/v1/cases/{second['case_id']}", headers=headers).json()
    assert case["repeat_contact"] is True
    assert case["routing"]["destination"] == "queue"
    assert "repeat-contacts-first" in case["routing"]["matched"]
    assert case["priority"] >= 5


def test_an_unanswered_email_breaches_its_sla_and_escalates_to_the_supervisor(
    container: Container, client: TestClient, demo: DemoSummary
) -> None:
    # given an e-mail to the demo support mailbox that nobody answers
    with container.uow() as uow:
        channel = uow.session.scalars(select(Channel).where(Channel.kind == "email")).one()
        info = channel_info(channel, "RU")
    now = container.clock()
    mail = InboundMessage(
        channel_id=info.id,
        external_id="<flow-sla@example.ru>",
        identities=(IdentityClaim("email", "pavel@example.ru"),),
        text="Здравствуйте! Не проходит оплата заказа 77812, карта отклонена. Что делать?",
        subject="Не проходит оплата",
        sent_at=now,
        sender_name="Павел",
    )
    (result,) = ingest_and_commit(container, info, [mail])
    headers = agent1(client)
    clocks = client.get(f"/api/v1/cases/{result.case_id}/sla", headers=headers).json()["items"]
    assert sorted((clock["kind"], clock["status"]) for clock in clocks) == [
        ("first_response", "running"),
        ("resolution", "running"),
    ]
    priority_before = client.get(f"/api/v1/cases/{result.case_id}", headers=headers).json()["priority"]
    supervisor = login(client, "supervisor@demo.omniline.local", "demo-supervisor-pass")
    token = supervisor["Authorization"].removeprefix("Bearer ")

    with client.websocket_connect(f"/ws?access_token={token}") as socket:
        assert socket.receive_json()["type"] == "hello"
        # when the SLA job runs long after every target has passed
        with container.uow() as uow:
            check_sla_clocks(uow, now=now + timedelta(days=30))
            uow.commit()
        # then the supervisor hears of the escalation live (the marker ends what the job published)
        container.bus.publish(DomainEvent("case.updated", info.tenant_id, {"marker": True}))
        seen = []
        while not (event := socket.receive_json())["data"].get("marker"):
            seen.append(event)
    escalated = {event["data"]["case_id"] for event in seen if event["type"] == "case.escalated"}
    assert str(result.case_id) in escalated

    case = client.get(f"/api/v1/cases/{result.case_id}", headers=headers).json()
    assert case["priority"] > priority_before
    clocks = client.get(f"/api/v1/cases/{result.case_id}/sla", headers=headers).json()["items"]
    assert {clock["status"] for clock in clocks} == {"breached"}
    types = [entry["type"] for entry in client.get(
        f"/api/v1/customers/{result.customer_id}/timeline", headers=headers
    ).json()["items"]]  # fmt: skip
    assert {"sla.breached", "case.escalated"} <= set(types)
    with container.uow() as uow:
        audited = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "sla.escalated")
        ).all()
    assert len(audited) >= 1
