"""Dispatch on the real database: offers, accept, reject, timeouts, pauses, capacity, callbacks by due
time, sticky routing, transfers, overflow, and offers over the WebSocket to one agent only."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.accounts.service import create_user
from omniline.agents.models import AgentProfile
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.cases.service import allocate_case_number
from omniline.customers.models import Customer
from omniline.kernel.clock import utcnow
from omniline.kernel.ids import new_id
from omniline.routing.dispatch import dispatch, enqueue_work, finish_task
from omniline.routing.dispatch_job import run_routing_pass
from omniline.routing.handoff import apply_overflow
from omniline.routing.models import Offer, Task
from omniline.routing.offers import expire_offers
from omniline.security.models import AuditEntry
from omniline.timeline.models import TimelineEvent
from tests.channels.voice.support import post_abandoned_call
from tests.support import PASSWORD, ApiWorld, app_message, login, row_counts


class Clock:
    """The container's clock, moved by hand. It starts three hours back, so that the access tokens it
    stamps are neither from the future nor expired for the real clock that checks them."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0) - timedelta(hours=3)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Agent:
    user_id: uuid.UUID
    headers: dict[str, str]
    email: str


@pytest.fixture
def clock(container: Container) -> Clock:
    clock = Clock()
    container.clock = clock
    return clock


def add_agent(
    world: ApiWorld,
    container: Container,
    name: str,
    *,
    capacity: dict[str, int] | None = None,
    skills: dict[str, int] | None = None,
    languages: list[str] | None = None,
    role: str = "agent",
    available: bool = True,
) -> Agent:
    """A user with an agent profile set through the API, and (by default) available."""
    email = f"{name}.{world.tenant_id.hex[:8]}@agents.test"
    with container.uow() as uow:
        user = create_user(
            uow.session, tenant_id=world.tenant_id, email=email, password=PASSWORD, role=role, name=name
        )
        uow.commit()
        user_id = user.id
    headers = login(world.client, email)
    changes = {"capacity": capacity or {"webchat": 3}, "skills": skills or {}, "languages": languages or []}
    response = world.client.patch(f"/api/v1/agents/{user_id}", json=changes, headers=world.admin_headers)
    assert response.status_code == 200, response.text
    if available:
        set_presence(world, headers, "available")
    return Agent(user_id, headers, email)


def set_presence(world: ApiWorld, headers: dict[str, str], state: str, reason: str | None = None) -> Any:
    response = world.client.put(
        "/api/v1/agents/me/presence", json={"state": state, "reason": reason}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def new_case(container: Container, tenant_id: uuid.UUID, name: str = "Анна") -> tuple[uuid.UUID, uuid.UUID]:
    """A customer with one open case (made directly: routing of inbound messages is not under test)."""
    with container.uow() as uow:
        customer = Customer(id=new_id(), tenant_id=tenant_id, name=name, tier="standard", value=0.0)
        uow.session.add(customer)
        uow.session.flush()
        case = Case(
            id=new_id(),
            tenant_id=tenant_id,
            number=allocate_case_number(uow.session, tenant_id),
            customer_id=customer.id,
            status="open",
            subject="Где мой заказ?",
        )
        uow.session.add(case)
        uow.commit()
        return customer.id, case.id


def another_case(container: Container, customer_id: uuid.UUID) -> uuid.UUID:
    """A new open case of an existing customer."""
    with container.uow() as uow:
        tenant_id = uow.session.get_one(Customer, customer_id).tenant_id
    _, case_id = new_case(container, tenant_id)
    with container.uow() as uow:
        uow.session.get_one(Case, case_id).customer_id = customer_id
        uow.commit()
    return case_id


def enqueue(
    container: Container,
    tenant_id: uuid.UUID,
    *,
    customer_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    **fields: Any,
) -> uuid.UUID:
    if customer_id is None:
        customer_id, case_id = new_case(container, tenant_id)
    values: dict[str, Any] = {
        "kind": "conversation",
        "queue": "general",
        "priority": 0,
        "reason": "routed:test",
        "channel_kind": "webchat",
        "now": container.clock(),
    }
    values.update(fields)
    with container.uow() as uow:
        task = enqueue_work(
            uow.session, tenant_id=tenant_id, customer_id=customer_id, case_id=case_id, **values
        )
        uow.commit()
        return task.id


def run_dispatch(container: Container, tenant_id: uuid.UUID) -> list[Offer]:
    with container.uow() as uow:
        offers = dispatch(uow, tenant_id, now=container.clock())
        uow.commit()
        return offers


def pending_offers(container: Container) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(task id, user id) of every pending offer."""
    with container.uow() as uow:
        rows = uow.session.execute(
            select(Offer.task_id, Offer.user_id)
            .where(Offer.status == "pending")
            .order_by(Offer.offered_at, Offer.id)
        ).all()
        return [(row[0], row[1]) for row in rows]


def offer_of(container: Container, task_id: uuid.UUID) -> uuid.UUID:
    with container.uow() as uow:
        return uow.session.scalars(
            select(Offer.id).where(Offer.task_id == task_id, Offer.status == "pending")
        ).one()


def task_row(container: Container, task_id: uuid.UUID) -> Task:
    with container.uow() as uow:
        task = uow.session.get_one(Task, task_id)
        uow.session.expunge(task)  # keeps its loaded values after the unit of work ends
        return task


def profile_of(container: Container, user_id: uuid.UUID) -> AgentProfile:
    with container.uow() as uow:
        profile = uow.session.scalars(select(AgentProfile).where(AgentProfile.user_id == user_id)).one()
        uow.session.expunge(profile)
        return profile


def event_types(container: Container, case_id: uuid.UUID) -> list[str]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                select(TimelineEvent.type).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.id)
            )
        )


def audit_actions(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.at, AuditEntry.id)))


# --- offer and accept ---


def test_waiting_work_is_offered_to_an_agent_who_becomes_available_and_accepted(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given a chat waiting, and an agent who logs in a minute later
    customer_id, case_id = new_case(container, world.tenant_id)
    task_id = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id, language="ru")
    clock.advance(60)
    anna = add_agent(world, container, "anna", capacity={"webchat": 3}, languages=["ru"])

    # then becoming available offered it to her at once
    assert pending_offers(container) == [(task_id, anna.user_id)]
    response = world.client.get("/api/v1/offers", headers=anna.headers)
    assert response.status_code == 200, response.text
    mine = response.json()["items"]
    assert len(mine) == 1
    assert mine[0]["task"]["id"] == str(task_id)
    assert mine[0]["task"]["waited_seconds"] == 60
    assert mine[0]["task"]["status"] == "offered"
    assert mine[0]["expires_at"] == (clock.now + timedelta(seconds=30)).isoformat()

    # when she accepts
    response = world.client.post(f"/api/v1/offers/{mine[0]['id']}/accept", headers=anna.headers)

    # then the task and the case are hers, and she still has room for two more chats
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "assigned"
    assert response.json()["assigned_user_id"] == str(anna.user_id)
    task = task_row(container, task_id)
    assert (task.status, task.assigned_user_id, task.assigned_at) == ("assigned", anna.user_id, clock.now)
    with container.uow() as uow:
        assert uow.session.get_one(Case, case_id).assigned_user_id == anna.user_id
    assert profile_of(container, anna.user_id).presence == "available"
    assert event_types(container, case_id) == ["task.offered", "case.assigned"]
    assert "offer.accepted" in audit_actions(container)
    me = world.client.get("/api/v1/agents/me", headers=anna.headers).json()
    assert me["load"] == {"webchat": 1}


def test_accepting_twice_or_someone_elses_offer_changes_nothing(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna")
    boris = add_agent(world, container, "boris", available=False)
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    offer_id = offer_of(container, task_id)
    before = row_counts(container)

    other = world.client.post(f"/api/v1/offers/{offer_id}/accept", headers=boris.headers)
    unknown = world.client.post(f"/api/v1/offers/{uuid.uuid4()}/accept", headers=anna.headers)

    assert other.status_code == 404
    assert unknown.status_code == 404
    assert row_counts(container) == before
    assert world.client.post(f"/api/v1/offers/{offer_id}/accept", headers=anna.headers).status_code == 200
    again = world.client.post(f"/api/v1/offers/{offer_id}/accept", headers=anna.headers)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "the offer is already accepted"


def test_an_expired_offer_cannot_be_accepted(world: ApiWorld, container: Container, clock: Clock) -> None:
    anna = add_agent(world, container, "anna")
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    offer_id = offer_of(container, task_id)
    clock.advance(31)

    response = world.client.post(f"/api/v1/offers/{offer_id}/accept", headers=anna.headers)

    assert response.status_code == 409
    assert response.json()["error"]["message"] == "the offer expired"
    assert task_row(container, task_id).status == "offered"


# --- reject, timeout, pause ---


def test_a_rejected_offer_goes_to_the_next_agent(world: ApiWorld, container: Container, clock: Clock) -> None:
    # given two agents, Anna idle longer than Boris
    anna = add_agent(world, container, "anna")
    clock.advance(5)
    boris = add_agent(world, container, "boris")
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    assert pending_offers(container) == [(task_id, anna.user_id)]

    # when Anna rejects it
    response = world.client.post(
        f"/api/v1/offers/{offer_of(container, task_id)}/reject", headers=anna.headers
    )

    # then it is offered to Boris, and Anna's refusal is remembered and counted
    assert response.status_code == 200, response.text
    assert pending_offers(container) == [(task_id, boris.user_id)]
    assert task_row(container, task_id).data["refused_by"] == [str(anna.user_id)]
    assert profile_of(container, anna.user_id).missed_offers == 1
    assert profile_of(container, anna.user_id).presence == "available"
    assert "offer.rejected" in audit_actions(container)


def test_a_timed_out_offer_goes_to_the_next_agent(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna")
    clock.advance(5)
    boris = add_agent(world, container, "boris")
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)

    # when 29 seconds pass nothing expires; at 30 the offer times out
    with container.uow() as uow:
        assert expire_offers(uow, now=clock.advance(29)) == []
        uow.commit()
    with container.uow() as uow:
        expired = expire_offers(uow, now=clock.advance(1))
        uow.commit()

    assert [(offer.user_id, offer.status) for offer in expired] == [(anna.user_id, "expired")]
    assert pending_offers(container) == [(task_id, boris.user_id)]
    assert profile_of(container, anna.user_id).missed_offers == 1


def test_two_misses_in_a_row_pause_the_agent(world: ApiWorld, container: Container, clock: Clock) -> None:
    # given one agent offered two chats
    anna = add_agent(world, container, "anna")
    first = enqueue(container, world.tenant_id)
    second = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    assert sorted(task for task, _ in pending_offers(container)) == sorted([first, second])

    # when she rejects one and lets the other time out
    world.client.post(f"/api/v1/offers/{offer_of(container, first)}/reject", headers=anna.headers)
    assert run_routing_pass(container, now=clock.advance(30)) == 0

    # then she is paused for missed offers, audited; both chats wait for someone else
    profile = profile_of(container, anna.user_id)
    assert (profile.presence, profile.presence_reason, profile.missed_offers) == (
        "paused",
        "missed offers",
        2,
    )
    assert {task_row(container, task).status for task in (first, second)} == {"open"}
    assert "agent.paused" in audit_actions(container)

    # and coming back resets the count; she is not offered what she refused
    view = set_presence(world, anna.headers, "available")
    assert (view["presence"], view["missed_offers"]) == ("available", 0)
    assert pending_offers(container) == []


def test_an_accept_in_between_resets_the_count(world: ApiWorld, container: Container, clock: Clock) -> None:
    anna = add_agent(world, container, "anna")
    tasks = [enqueue(container, world.tenant_id) for _ in range(3)]
    run_dispatch(container, world.tenant_id)

    world.client.post(f"/api/v1/offers/{offer_of(container, tasks[0])}/reject", headers=anna.headers)
    world.client.post(f"/api/v1/offers/{offer_of(container, tasks[1])}/accept", headers=anna.headers)
    world.client.post(f"/api/v1/offers/{offer_of(container, tasks[2])}/reject", headers=anna.headers)

    profile = profile_of(container, anna.user_id)
    assert (profile.presence, profile.missed_offers) == ("available", 1)


# --- capacity ---


def test_an_agent_gets_no_more_than_three_chats(world: ApiWorld, container: Container, clock: Clock) -> None:
    # given five chats waiting and one agent who takes three at once
    tasks = [enqueue(container, world.tenant_id, priority=n) for n in range(5)]
    anna = add_agent(world, container, "anna", capacity={"webchat": 3, "email": 5})

    # then the three highest-priority chats are offered to her
    assert sorted(task for task, _ in pending_offers(container)) == sorted(tasks[2:])

    # when she accepts them she is busy, and dispatching again offers nothing more
    for task in tasks[2:]:
        world.client.post(f"/api/v1/offers/{offer_of(container, task)}/accept", headers=anna.headers)
    assert run_dispatch(container, world.tenant_id) == []
    profile = profile_of(container, anna.user_id)
    assert profile.presence == "available"  # e-mail capacity is still free
    assert [task_row(container, task).status for task in tasks] == [
        "open",
        "open",
        "assigned",
        "assigned",
        "assigned",
    ]


def test_full_on_every_channel_means_busy_and_finishing_frees_her(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna", capacity={"voice": 1})
    first = enqueue(container, world.tenant_id, channel_kind="voice")
    second = enqueue(container, world.tenant_id, channel_kind="voice")
    run_dispatch(container, world.tenant_id)
    (offered,) = pending_offers(container)
    world.client.post(f"/api/v1/offers/{offer_of(container, offered[0])}/accept", headers=anna.headers)
    assert profile_of(container, anna.user_id).presence == "busy"

    # when the call is finished
    finished_at = clock.advance(300)
    with container.uow() as uow:
        finish_task(uow, task_id=offered[0], now=finished_at)
        uow.commit()

    # then she is available, idle from then, and the other call is offered to her
    profile = profile_of(container, anna.user_id)
    assert (profile.presence, profile.idle_since) == ("available", finished_at)
    waiting = second if offered[0] == first else first
    assert pending_offers(container) == [(waiting, anna.user_id)]


# --- callbacks, stickiness, one task per case ---


def test_a_callback_is_offered_to_a_voice_agent_only_once_due(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    add_agent(world, container, "chat", capacity={"webchat": 3})
    phone = add_agent(world, container, "phone", capacity={"voice": 1})
    due = clock.now + timedelta(minutes=15)
    task_id = enqueue(
        container, world.tenant_id, kind="callback", queue="callbacks", channel_kind="voice", due_at=due
    )
    assert task_row(container, task_id).enqueued_at == due

    assert run_dispatch(container, world.tenant_id) == []
    clock.advance(15 * 60 - 1)
    assert run_dispatch(container, world.tenant_id) == []
    clock.advance(1)
    assert [offer.user_id for offer in run_dispatch(container, world.tenant_id)] == [phone.user_id]


def test_the_customers_last_agent_gets_their_next_case_first(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given Boris served the customer yesterday, and Anna is idle longer now
    anna = add_agent(world, container, "anna")
    clock.advance(5)
    boris = add_agent(world, container, "boris")
    customer_id, case_id = new_case(container, world.tenant_id)
    set_presence(world, anna.headers, "paused", "обед")
    first = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id)
    run_dispatch(container, world.tenant_id)
    world.client.post(f"/api/v1/offers/{offer_of(container, first)}/accept", headers=boris.headers)
    with container.uow() as uow:
        finish_task(uow, task_id=first, now=clock.advance(600))
        uow.commit()
    set_presence(world, anna.headers, "available")
    clock.advance(3600)

    # when the customer writes again on a new case
    second = enqueue(
        container, world.tenant_id, customer_id=customer_id, case_id=another_case(container, customer_id)
    )

    # then Boris is offered it first
    assert task_row(container, second).sticky_user_id == boris.user_id
    assert pending_offers(container) == []  # enqueueing alone offers nothing
    run_dispatch(container, world.tenant_id)
    assert pending_offers(container) == [(second, boris.user_id)]
    # and work enqueued without stickiness (a rule's sticky: false) is held for nobody
    third_case = another_case(container, customer_id)
    loose = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=third_case, sticky=False)
    assert task_row(container, loose).sticky_user_id is None


def test_a_case_has_one_piece_of_work(world: ApiWorld, container: Container, clock: Clock) -> None:
    customer_id, case_id = new_case(container, world.tenant_id)
    first = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id, priority=1)

    again = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id, priority=5)
    lower = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id, priority=0)

    assert again == first == lower
    assert task_row(container, first).priority == 5
    with container.uow() as uow:
        assert len(uow.session.scalars(select(Task.id)).all()) == 1


# --- transfers ---


def test_the_agent_transfers_a_chat_to_the_billing_queue_with_a_note(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given Anna holds a chat, and Boris (billing skill) is paused
    world.client.post(
        "/api/v1/queues", json={"name": "billing", "skills": ["billing"]}, headers=world.admin_headers
    )
    anna = add_agent(world, container, "anna", capacity={"webchat": 1})
    boris = add_agent(world, container, "boris", skills={"billing": 2}, available=False)
    customer_id, case_id = new_case(container, world.tenant_id)
    task_id = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id)
    run_dispatch(container, world.tenant_id)
    world.client.post(f"/api/v1/offers/{offer_of(container, task_id)}/accept", headers=anna.headers)
    assert profile_of(container, anna.user_id).presence == "busy"

    # when she transfers it
    note = "Двойное списание, 请核对 — нужен биллинг"
    response = world.client.post(
        f"/api/v1/tasks/{task_id}/transfer", json={"queue": "billing", "note": note}, headers=anna.headers
    )

    # then it waits in billing for someone with the skill, she is free, and the note is on the case
    assert response.status_code == 200, response.text
    task = task_row(container, task_id)
    assert (task.status, task.queue, task.skills, task.assigned_user_id) == (
        "open",
        "billing",
        ["billing"],
        None,
    )
    assert pending_offers(container) == []  # Anna refused it by passing it on; nobody else fits
    assert profile_of(container, anna.user_id).presence == "available"
    with container.uow() as uow:
        event = uow.session.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "case.transferred")
        ).one()
        assert event.case_id == case_id
        assert event.data["note"] == note
        assert event.data["to"] == {"queue": "billing"}
        assert uow.session.get_one(Case, case_id).queue == "billing"
    assert "task.transferred" in audit_actions(container)
    set_presence(world, boris.headers, "available")
    assert pending_offers(container) == [(task_id, boris.user_id)]


def test_a_supervisor_transfers_straight_to_an_agent(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna")
    boris = add_agent(world, container, "boris", available=False)
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    world.client.post(f"/api/v1/offers/{offer_of(container, task_id)}/accept", headers=anna.headers)

    response = world.client.post(
        f"/api/v1/tasks/{task_id}/transfer", json={"agent": str(boris.user_id)}, headers=world.admin_headers
    )

    assert response.status_code == 200, response.text
    assert pending_offers(container) == [(task_id, boris.user_id)]
    assert task_row(container, task_id).status == "offered"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"queue": "billing", "team": "Поддержка"},
            422,
            "name exactly one of queue, team or agent to transfer to",
        ),
        ({}, 422, "name exactly one of queue, team or agent to transfer to"),
        ({"queue": "нет-такой"}, 422, "there is no queue 'нет-такой'"),
        ({"team": "客服"}, 422, "there is no team '客服'"),
        ({"queue": "general", "extra": 1}, 422, None),
    ],
)
def test_a_bad_transfer_changes_nothing(
    world: ApiWorld,
    container: Container,
    clock: Clock,
    body: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    anna = add_agent(world, container, "anna")
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    world.client.post(f"/api/v1/offers/{offer_of(container, task_id)}/accept", headers=anna.headers)
    before = row_counts(container)

    response = world.client.post(f"/api/v1/tasks/{task_id}/transfer", json=body, headers=anna.headers)

    assert response.status_code == status, response.text
    if message is not None:
        assert response.json()["error"]["message"] == message
    assert row_counts(container) == before
    assert task_row(container, task_id).status == "assigned"


def test_only_the_holder_or_a_supervisor_may_transfer(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    add_agent(world, container, "anna")
    boris = add_agent(world, container, "boris", available=False)
    task_id = enqueue(container, world.tenant_id)
    run_dispatch(container, world.tenant_id)
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/tasks/{task_id}/transfer", json={"queue": "general"}, headers=boris.headers
    )

    assert response.status_code == 403
    assert row_counts(container) == before
    assert task_row(container, task_id).status == "offered"


# --- overflow ---


def test_work_overflows_to_another_queue_after_waiting(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given billing overflows to general after two minutes, and only a generalist is available
    world.client.post("/api/v1/queues", json={"name": "general"}, headers=world.admin_headers)
    response = world.client.post(
        "/api/v1/queues",
        json={
            "name": "billing",
            "skills": ["billing"],
            "overflow_after_seconds": 120,
            "overflow_to": "general",
        },
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    generalist = add_agent(world, container, "gena")
    customer_id, case_id = new_case(container, world.tenant_id)
    task_id = enqueue(container, world.tenant_id, customer_id=customer_id, case_id=case_id, queue="billing")
    assert run_dispatch(container, world.tenant_id) == []

    with container.uow() as uow:
        assert apply_overflow(uow, now=clock.advance(119)) == []
        uow.commit()
    with container.uow() as uow:
        moved = apply_overflow(uow, now=clock.advance(1))
        uow.commit()

    assert [task.id for task in moved] == [task_id]
    task = task_row(container, task_id)
    assert (task.queue, task.skills, task.overflowed, task.data["overflowed_from"]) == (
        "general",
        [],
        True,
        "billing",
    )
    assert pending_offers(container) == [(task_id, generalist.user_id)]
    assert event_types(container, case_id) == ["task.overflowed", "task.offered"]


# --- the WebSocket ---


def test_an_offer_reaches_only_the_agent_it_is_for(
    world: ApiWorld, container: Container, client: TestClient, clock: Clock
) -> None:
    anna = add_agent(world, container, "anna", available=False)
    boris = add_agent(world, container, "boris", available=False)
    task_id = enqueue(container, world.tenant_id, language="zh")
    anna_token = anna.headers["Authorization"].removeprefix("Bearer ")
    boris_token = boris.headers["Authorization"].removeprefix("Bearer ")

    with (
        client.websocket_connect(f"/ws?access_token={anna_token}") as anna_ws,
        client.websocket_connect(f"/ws?access_token={boris_token}") as boris_ws,
    ):
        assert anna_ws.receive_json()["type"] == "hello"
        assert boris_ws.receive_json()["type"] == "hello"
        set_presence(world, anna.headers, "available")  # offered to Anna at once
        set_presence(world, boris.headers, "paused", "培训")  # a broadcast both see afterwards

        anna_seen = [anna_ws.receive_json() for _ in range(3)]
        boris_seen = [boris_ws.receive_json() for _ in range(2)]

    assert [event["type"] for event in anna_seen] == ["agent.presence", "task.offered", "agent.presence"]
    offered = anna_seen[1]["data"]
    assert offered["for_user_id"] == str(anna.user_id)
    assert offered["task"]["id"] == str(task_id)
    assert offered["task"]["language"] == "zh"
    assert offered["task"]["channel_kind"] == "webchat"
    assert offered["task"]["waited_seconds"] == 0
    assert [event["type"] for event in boris_seen] == ["agent.presence", "agent.presence"]
    assert [event["data"]["user_id"] for event in boris_seen] == [str(anna.user_id), str(boris.user_id)]


def test_an_abandoned_call_becomes_voice_work_due_in_fifteen_minutes(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given a PBX channel, and an abandoned call on it
    post_abandoned_call(world, "АТС")

    # then the callback takes voice capacity and waits from when it is due
    with container.uow() as uow:
        task = uow.session.scalars(select(Task).where(Task.kind == "callback")).one()
        assert (task.channel_kind, task.queue, task.enqueued_at) == ("voice", "callbacks", task.due_at)


@pytest.mark.parametrize("sticky", [True, False])
def test_a_rule_with_sticky_false_does_not_hold_a_returning_customers_work_for_their_last_agent(
    world: ApiWorld, container: Container, clock: Clock, sticky: bool
) -> None:
    # given a policy that routes every contact to the general queue, sticky or not
    rule = {"name": "всем", "then": {"queue": "general", "sticky": sticky}}
    saved = world.client.put("/api/v1/routing/policy", json={"rules": [rule]}, headers=world.admin_headers)
    assert saved.status_code == 200, saved.text
    # and Boris served the customer on an earlier case, now resolved
    boris = add_agent(world, container, "boris", capacity={"api": 2}, available=False)
    first = world.post_app_message(app_message("sticky-1", ["email:oleg@пример.рф"], "Где мой заказ?"))
    assert first.status_code == 202, first.text
    customer_id, case_id = uuid.UUID(first.json()["customer_id"]), first.json()["case_id"]
    set_presence(world, boris.headers, "available")
    run_dispatch(container, world.tenant_id)
    [(task_id, offered_to)] = pending_offers(container)
    assert offered_to == boris.user_id
    world.client.post(f"/api/v1/offers/{offer_of(container, task_id)}/accept", headers=boris.headers)
    resolved = world.client.post(f"/api/v1/cases/{case_id}/resolve", json={}, headers=boris.headers)
    assert resolved.status_code == 200, resolved.text
    # when the customer writes again after the reopen window: a new case
    clock.advance(8 * 24 * 3600)
    second = world.post_app_message(app_message("sticky-2", ["email:oleg@пример.рф"], "再次联系"))
    assert second.status_code == 202, second.text
    assert second.json()["case_id"] != case_id
    assert uuid.UUID(second.json()["customer_id"]) == customer_id

    # then the new work is held for Boris only when the rule is sticky
    with container.uow() as uow:
        work = uow.session.scalars(
            select(Task).where(Task.case_id == uuid.UUID(second.json()["case_id"]))
        ).one()
        assert work.sticky_user_id == (boris.user_id if sticky else None)
        assert work.reason == "routed:всем"


def test_an_agent_who_reopens_a_case_is_offered_its_work_first(
    world: ApiWorld, container: Container, clock: Clock
) -> None:
    # given a resolved case, and Anna idle longer than Boris
    anna = add_agent(world, container, "anna", capacity={"api": 2})
    clock.advance(5)
    boris = add_agent(world, container, "boris", capacity={"api": 2}, available=False)
    posted = world.post_app_message(app_message("reopen-1", ["phone:+79161234567"], "Не работает оплата"))
    assert posted.status_code == 202, posted.text
    case_id = posted.json()["case_id"]
    resolved = world.client.post(f"/api/v1/cases/{case_id}/resolve", headers=anna.headers)
    assert resolved.status_code == 200, resolved.text
    assert pending_offers(container) == []
    set_presence(world, boris.headers, "available")

    # when Boris reopens it
    clock.advance(60)
    reopened = world.client.post(f"/api/v1/cases/{case_id}/reopen", headers=boris.headers)

    # then its work is offered to him, not to Anna who has waited longer
    assert reopened.status_code == 200, reopened.text
    [(task_id, offered_to)] = pending_offers(container)
    assert offered_to == boris.user_id
    row = task_row(container, task_id)
    assert (row.status, row.reason, str(row.case_id)) == ("offered", "reopened", case_id)
