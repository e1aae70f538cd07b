"""SLA on the real database: the calendar API, clocks started, met, retargeted and restarted, and the
background check's warnings, breaches and escalation (with an injected clock)."""

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.accounts.service import create_tenant, create_user
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.channels.background import background_services
from omniline.channels.email.receiving import receive_mail
from omniline.channels.models import Channel
from omniline.channels.service import channel_info, create_channel
from omniline.kernel.clock import utcnow
from omniline.kernel.errors import NotFound
from omniline.kernel.events import DomainEvent
from omniline.realtime.bus import Bus, Subscription
from omniline.routing.models import SlaClock, Task
from omniline.routing.sla_job import check_sla_clocks, run_sla_checks, run_sla_service
from omniline.routing.sla_service import (
    restart_resolution_clock,
    retarget_case_clocks,
    start_case_clocks,
    stop_clock,
)
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from omniline.timeline.models import TimelineEvent
from tests.support import PASSWORD, login, row_counts

MOSCOW_OFFICE = {
    "timezone": "Europe/Moscow",
    "hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2027-01-01"],
}
FRIDAY_17_MSK = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
# An e-mail's first response (4 business hours) from Friday 17:00: 1 h on Friday, 3 h on Monday.
FIRST_RESPONSE_WARN = datetime(2026, 11, 30, 8, 12, tzinfo=UTC)  # Monday 11:12 Moscow (80%)
FIRST_RESPONSE_DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 12:00 Moscow
# Resolution (48 business hours): 1 h Friday, 45 h Monday–Friday, 2 h the Monday after.
RESOLUTION_DUE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SUPPORT_ADDRESS = "support@sla.omniline.test"


class RecordingBus:
    """The container's bus, remembering every published event."""

    def __init__(self, inner: Bus) -> None:
        self.inner = inner
        self.events: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        self.events.append(event)
        self.inner.publish(event)

    def subscribe(
        self, tenant_id: uuid.UUID | None = None, types: frozenset[str] | None = None
    ) -> Subscription:
        return self.inner.subscribe(tenant_id, types)

    def of_type(self, kind: str) -> list[DomainEvent]:
        return [event for event in self.events if event.type == kind]


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class SlaWorld:
    container: Container
    client: TestClient
    tenant_id: uuid.UUID
    channel_id: uuid.UUID
    headers: dict[str, dict[str, str]]  # by role
    user_ids: dict[str, uuid.UUID]
    bus: RecordingBus
    clock: Clock
    mails: list[str] = field(default_factory=list)

    def receive(self, text: str, sender: str = "anna@example.ru") -> dict[str, uuid.UUID]:
        """An e-mail arrives now; returns the ids of its case, conversation and customer."""
        mail = EmailMessage()
        mail["From"] = f"Анна Петрова <{sender}>"
        mail["To"] = SUPPORT_ADDRESS
        mail["Subject"] = "Списали дважды / 重复扣款"
        mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.ru>"
        mail.set_content(text)
        with self.container.uow() as uow:
            info = channel_info(uow.session.get_one(Channel, self.channel_id), "RU")
        [result] = receive_mail(self.container, info, mail.as_bytes())
        assert result.case_id is not None
        return {
            "case_id": result.case_id,
            "conversation_id": result.conversation_id,
            "customer_id": result.customer_id,
        }

    def start_clocks(self, case_id: uuid.UUID, *, topic: Topic | None = None, tier: str = "standard") -> None:
        with self.container.uow() as uow:
            start_case_clocks(
                uow.session,
                tenant_id=self.tenant_id,
                case_id=case_id,
                topic=topic,
                channel_kind="email",
                customer_tier=tier,
                now=self.clock.now,
            )
            uow.commit()

    def check(self, at: datetime) -> dict[str, int]:
        with self.container.uow() as uow:
            counts = check_sla_clocks(uow, now=at)
            uow.commit()
        return counts

    def clocks(self, case_id: uuid.UUID) -> dict[str, SlaClock]:
        with self.container.uow() as uow:
            rows = uow.session.scalars(
                select(SlaClock).where(SlaClock.case_id == case_id).order_by(SlaClock.started_at)
            )
            clocks = {clock.kind: clock for clock in rows}  # the newest of each kind
            uow.session.expunge_all()  # detached with their values: the unit of work rolls back
            return clocks

    def case(self, case_id: uuid.UUID) -> Case:
        with self.container.uow() as uow:
            case = uow.session.get_one(Case, case_id)
            uow.session.expunge_all()
            return case

    def timeline_types(
        self, case_id: uuid.UUID, prefixes: tuple[str, ...] = ("sla.", "case.escalated")
    ) -> list[str]:
        with self.container.uow() as uow:
            types = uow.session.scalars(
                select(TimelineEvent.type).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.id)
            )
            return [kind for kind in types if kind.startswith(prefixes)]

    def set_calendar(self, document: dict[str, Any]) -> None:
        response = self.client.put("/api/v1/calendar", json=document, headers=self.headers["admin"])
        assert response.status_code == 200, response.text


def make_sla_world(container: Container, client: TestClient) -> SlaWorld:
    slug = f"t{uuid.uuid4().hex[:8]}"
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug=slug, name="Магазин 商店")
        uow.session.flush()
        user_ids = {}
        for role in ("admin", "supervisor", "agent"):
            user = create_user(
                uow.session, tenant_id=tenant.id, email=f"{role}@{slug}.test", password=PASSWORD, role=role
            )
            uow.session.flush()
            user_ids[role] = user.id
        retired = create_user(
            uow.session,
            tenant_id=tenant.id,
            email=f"retired@{slug}.test",
            password=PASSWORD,
            role="supervisor",
        )
        retired.is_active = False
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="email",
            name="Поддержка",
            config={"address": SUPPORT_ADDRESS},
            actor="test",
        )
        uow.session.flush()
        tenant_id, channel_id = tenant.id, channel.id
        uow.commit()
    real_clock, container.clock = container.clock, utcnow  # tokens are checked against the real time
    headers = {role: login(client, f"{role}@{slug}.test") for role in user_ids}
    container.clock = real_clock
    bus = RecordingBus(container.bus)
    clock = Clock(FRIDAY_17_MSK)
    # From here on the application's time is the test's.
    container.bus, container.clock = bus, clock
    return SlaWorld(container, client, tenant_id, channel_id, headers, user_ids, bus, clock)


@pytest.fixture
def sla(container: Container, client: TestClient) -> Iterator[SlaWorld]:
    original_bus, original_clock = container.bus, container.clock
    yield make_sla_world(container, client)
    container.bus, container.clock = original_bus, original_clock


def add_task(
    world: SlaWorld, case_id: uuid.UUID, customer_id: uuid.UUID, *, status: str, priority: int
) -> uuid.UUID:
    with world.container.uow() as uow:
        task = Task(
            tenant_id=world.tenant_id,
            kind="conversation",
            status=status,
            queue="billing",
            priority=priority,
            reason="routed",
            customer_id=customer_id,
            case_id=case_id,
            due_at=world.clock.now,
        )
        uow.session.add(task)
        uow.commit()
        return task.id


def task_priority(world: SlaWorld, task_id: uuid.UUID) -> int:
    with world.container.uow() as uow:
        return uow.session.get_one(Task, task_id).priority


def at(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)


NOTHING = {"seen": 0, "warned": 0, "breached": 0, "escalated": 0, "cancelled": 0}


# --- the scenario: an unanswered e-mail breaches and escalates ---


def test_an_unanswered_email_warns_once_then_breaches_and_escalates(sla: SlaWorld) -> None:
    # given Moscow office hours, an e-mail on Friday 17:00 and the case's waiting work
    sla.set_calendar(MOSCOW_OFFICE)
    ids = sla.receive("Здравствуйте! С карты списали дважды, верните деньги. 我被重复扣款了。")
    sla.start_clocks(ids["case_id"])
    waiting = add_task(sla, ids["case_id"], ids["customer_id"], status="open", priority=3)
    finished = add_task(sla, ids["case_id"], ids["customer_id"], status="done", priority=1)
    priority_before = sla.case(ids["case_id"]).priority
    clocks = sla.clocks(ids["case_id"])
    assert (clocks["first_response"].warn_at, clocks["first_response"].due_at) == (
        FIRST_RESPONSE_WARN,
        FIRST_RESPONSE_DUE,
    )
    assert clocks["resolution"].due_at == RESOLUTION_DUE

    # when the check runs over the weekend and on Monday morning
    assert sla.check(at(FRIDAY_17_MSK, days=1)) == NOTHING
    assert sla.check(at(FIRST_RESPONSE_WARN, seconds=-1)) == NOTHING
    warned = sla.check(FIRST_RESPONSE_WARN)
    warned_again = sla.check(at(FIRST_RESPONSE_WARN, minutes=30))
    on_the_due_second = sla.check(FIRST_RESPONSE_DUE)
    breached = sla.check(at(FIRST_RESPONSE_DUE, seconds=1))
    afterwards = sla.check(at(FIRST_RESPONSE_DUE, hours=1))

    # then one warning, then one breach with its escalation, and nothing more
    assert warned == {**NOTHING, "seen": 1, "warned": 1}
    assert warned_again == NOTHING
    assert on_the_due_second == NOTHING
    assert breached == {**NOTHING, "seen": 1, "breached": 1, "escalated": 1}
    assert afterwards == NOTHING
    first = sla.clocks(ids["case_id"])["first_response"]
    assert (first.status, first.warned_at, first.breached_at) == (
        "breached",
        FIRST_RESPONSE_WARN,
        at(FIRST_RESPONSE_DUE, seconds=1),
    )
    assert first.escalated_at == at(FIRST_RESPONSE_DUE, seconds=1)
    assert first.stopped_at is None
    assert sla.clocks(ids["case_id"])["resolution"].status == "running"
    # the case and its unfinished work move up by ten; finished work is left alone
    assert sla.case(ids["case_id"]).priority == priority_before + 10
    assert task_priority(sla, waiting) == 13
    assert task_priority(sla, finished) == 1
    assert sla.timeline_types(ids["case_id"]) == ["sla.warning", "sla.breached", "case.escalated"]


def test_every_active_supervisor_is_told_of_the_escalation(sla: SlaWorld) -> None:
    # given an unanswered e-mail on a 24/7 calendar (4 h to the first reply)
    ids = sla.receive("Где ответ? 为什么没人回复？")
    sla.start_clocks(ids["case_id"])
    case_number = sla.case(ids["case_id"]).number

    # when the check runs after the due time
    sla.check(at(FRIDAY_17_MSK, hours=4, seconds=1))

    # then the supervisor and the admin (not the agent, not a disabled supervisor) get one event each
    escalated = sla.bus.of_type("case.escalated")
    supervisors = sorted(str(sla.user_ids[role]) for role in ("admin", "supervisor"))
    assert sorted(event.data["for_user_id"] for event in escalated) == supervisors
    clock = sla.clocks(ids["case_id"])["first_response"]
    for event in escalated:
        assert event.tenant_id == sla.tenant_id
        assert event.data == {
            "case_id": str(ids["case_id"]),
            "number": case_number,
            "kind": "first_response",
            "clock_id": str(clock.id),
            "target_seconds": 4 * 3600,
            "due_at": at(FRIDAY_17_MSK, hours=4).isoformat(),
            "assigned_user_id": None,
            "priority": sla.case(ids["case_id"]).priority,
            "supervisors": supervisors,
            "for_user_id": event.data["for_user_id"],
        }
    [breach] = sla.bus.of_type("sla.breached")
    assert breach.data["case_id"] == str(ids["case_id"]) and "for_user_id" not in breach.data
    assert sla.bus.of_type("sla.warning") == []  # found already late: no stale warning
    with sla.container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "sla.escalated")).one()
        assert (audit.actor, audit.subject_id, audit.data["supervisors"]) == (
            "system:sla",
            ids["case_id"],
            supervisors,
        )
        entry = uow.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.type == "case.escalated", TimelineEvent.case_id == ids["case_id"]
            )
        ).one()
        assert (entry.customer_id, entry.actor, entry.data["kind"]) == (
            ids["customer_id"],
            "system:sla",
            "first_response",
        )


def test_a_reply_before_the_due_time_meets_the_first_response_clock(sla: SlaWorld) -> None:
    # given an e-mail on Friday 17:00 under office hours
    sla.set_calendar(MOSCOW_OFFICE)
    ids = sla.receive("Мой заказ не пришёл. 我的订单还没到。")
    sla.start_clocks(ids["case_id"])

    # when an agent replies on Monday 10:00 Moscow
    sla.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    response = sla.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": "Добрый день! Проверяем ваш заказ."},
        headers=sla.headers["agent"],
    )
    assert response.status_code in (200, 201), response.text
    # and the check runs after the first-response due time
    counts = sla.check(at(FIRST_RESPONSE_DUE, hours=1))

    # then the clock was met at the reply, and nothing breached
    assert counts == NOTHING
    first = sla.clocks(ids["case_id"])["first_response"]
    assert (first.status, first.stopped_at, first.breached_at) == ("met", sla.clock.now, None)
    assert sla.case(ids["case_id"]).first_response_at == sla.clock.now
    assert sla.timeline_types(ids["case_id"]) == []
    # and the desktop sees the clocks: Monday 10:00 to the resolution due time is 46 business hours
    view = sla.client.get(f"/api/v1/cases/{ids['case_id']}/sla", headers=sla.headers["agent"])
    assert view.status_code == 200, view.text
    items = {item["kind"]: item for item in view.json()["items"]}
    assert items["first_response"]["status"] == "met"
    assert items["first_response"]["remaining_seconds"] is None
    assert items["first_response"]["elapsed_seconds"] == 2 * 3600  # Friday 17–18, Monday 09–10
    assert items["resolution"]["status"] == "running"
    assert items["resolution"]["remaining_seconds"] == 46 * 3600
    assert items["resolution"]["due_at"] == RESOLUTION_DUE.isoformat()


def test_a_second_reply_changes_no_clock(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    for minutes in (5, 50):
        sla.clock.now = at(FRIDAY_17_MSK, minutes=minutes)
        response = sla.client.post(
            f"/api/v1/conversations/{ids['conversation_id']}/messages",
            json={"text": f"Ответ {minutes} / 回复"},
            headers=sla.headers["agent"],
        )
        assert response.status_code in (200, 201), response.text
    assert sla.case(ids["case_id"]).first_response_at == at(FRIDAY_17_MSK, minutes=5)
    assert sla.clocks(ids["case_id"])["first_response"].stopped_at == at(FRIDAY_17_MSK, minutes=5)


# --- the service ---


def test_starting_twice_starts_nothing_more(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    with sla.container.uow() as uow:
        again = start_case_clocks(
            uow.session,
            tenant_id=sla.tenant_id,
            case_id=ids["case_id"],
            topic=None,
            channel_kind="voice",
            customer_tier="vip",
            now=at(FRIDAY_17_MSK, hours=1),
        )
        uow.commit()
    assert again == []
    clocks = sla.clocks(ids["case_id"])
    assert {kind: (c.target_seconds, c.channel_class) for kind, c in clocks.items()} == {
        "first_response": (4 * 3600, "async"),
        "resolution": (48 * 3600, "async"),
    }


def test_another_tenants_case_is_not_found(sla: SlaWorld, container: Container, client: TestClient) -> None:
    # given a case whose clocks intake started when the mail opened it, and another tenant
    ids = sla.receive("Где мой заказ?")
    other = make_sla_world(container, client)
    clocks = {
        kind: (clock.id, clock.target_seconds, clock.started_at, clock.due_at, clock.status)
        for kind, clock in sla.clocks(ids["case_id"]).items()
    }
    assert set(clocks) == {"first_response", "resolution"}
    before = row_counts(container)

    # when the other tenant starts clocks on it, or reads them
    with container.uow() as uow, pytest.raises(NotFound):
        start_case_clocks(
            uow.session,
            tenant_id=other.tenant_id,
            case_id=ids["case_id"],
            topic=None,
            channel_kind="email",
            customer_tier=None,
            now=FRIDAY_17_MSK,
        )
    response = client.get(f"/api/v1/cases/{ids['case_id']}/sla", headers=other.headers["admin"])

    # then the case is not found for it, and its clocks are as they were
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert {
        kind: (clock.id, clock.target_seconds, clock.started_at, clock.due_at, clock.status)
        for kind, clock in sla.clocks(ids["case_id"]).items()
    } == clocks
    assert row_counts(container) == before


def test_a_known_topic_retargets_running_clocks_from_their_start(sla: SlaWorld) -> None:
    # given clocks started without a topic (4 h / 48 h for an e-mail)
    ids = sla.receive("С карты списали дважды")
    sla.start_clocks(ids["case_id"])
    with sla.container.uow() as uow:
        topic = Topic(
            tenant_id=sla.tenant_id,
            code="billing.double_charge",
            name="Double charge",
            names={"en": "Double charge", "ru": "Двойное списание", "zh": "重复扣款"},
            sla={"async": {"first_response": 7200, "resolution": 86400}, "tiers": {"vip": 0.5}},
        )
        uow.session.add(topic)
        uow.commit()

    # when the topic becomes known for a VIP customer, an hour later
    with sla.container.uow() as uow:
        retargeted = retarget_case_clocks(
            uow.session,
            tenant_id=sla.tenant_id,
            case_id=ids["case_id"],
            topic=topic,
            channel_kind="email",
            customer_tier="vip",
            now=at(FRIDAY_17_MSK, hours=1),
        )
        uow.commit()

    # then targets are halved topic targets, counted from the original start (24/7 calendar)
    assert len(retargeted) == 2
    clocks = sla.clocks(ids["case_id"])
    first, resolution = clocks["first_response"], clocks["resolution"]
    assert (first.target_seconds, first.warn_at, first.due_at) == (
        3600,
        at(FRIDAY_17_MSK, minutes=48),
        at(FRIDAY_17_MSK, hours=1),
    )
    assert (resolution.target_seconds, resolution.due_at) == (43200, at(FRIDAY_17_MSK, hours=12))
    assert first.started_at == FRIDAY_17_MSK


def test_a_stopped_clock_is_not_retargeted(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    with sla.container.uow() as uow:
        stop_clock(
            uow.session, case_id=ids["case_id"], kind="first_response", now=at(FRIDAY_17_MSK, minutes=1)
        )
        retargeted = retarget_case_clocks(
            uow.session,
            tenant_id=sla.tenant_id,
            case_id=ids["case_id"],
            topic=None,
            channel_kind="webchat",
            customer_tier="standard",
        )
        uow.commit()
    assert [clock.kind for clock in retargeted] == ["resolution"]
    clocks = sla.clocks(ids["case_id"])
    assert (clocks["first_response"].target_seconds, clocks["first_response"].channel_class) == (
        4 * 3600,
        "async",
    )
    assert (clocks["resolution"].target_seconds, clocks["resolution"].channel_class) == (8 * 3600, "live")


def test_stopping_after_an_unnoticed_due_time_counts_as_breached(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    late = at(FRIDAY_17_MSK, hours=4, seconds=1)
    with sla.container.uow() as uow:
        clock = stop_clock(uow.session, case_id=ids["case_id"], kind="first_response", now=late)
        assert stop_clock(uow.session, case_id=ids["case_id"], kind="first_response", now=late) is None
        uow.commit()
    assert clock is not None
    assert (clock.status, clock.breached_at, clock.stopped_at) == (
        "breached",
        at(FRIDAY_17_MSK, hours=4),
        late,
    )


def test_a_breached_clock_stays_breached_when_the_reply_comes(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    sla.check(at(FRIDAY_17_MSK, hours=5))
    sla.clock.now = at(FRIDAY_17_MSK, hours=6)
    response = sla.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": "Извините за задержку"},
        headers=sla.headers["agent"],
    )
    assert response.status_code in (200, 201), response.text
    first = sla.clocks(ids["case_id"])["first_response"]
    assert (first.status, first.breached_at, first.stopped_at) == (
        "breached",
        at(FRIDAY_17_MSK, hours=5),
        at(FRIDAY_17_MSK, hours=6),
    )


def test_resolve_stops_the_clocks_and_reopen_starts_a_fresh_resolution_clock(sla: SlaWorld) -> None:
    # given an unanswered case with running clocks
    sla.set_calendar(MOSCOW_OFFICE)
    ids = sla.receive("我的订单在哪里？")
    sla.start_clocks(ids["case_id"])

    # when it is resolved on Monday 10:00 Moscow, then reopened on Monday 11:00
    sla.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    resolved = sla.client.post(f"/api/v1/cases/{ids['case_id']}/resolve", headers=sla.headers["agent"])
    after_resolve = sla.clocks(ids["case_id"])
    sla.clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    reopened = sla.client.post(f"/api/v1/cases/{ids['case_id']}/reopen", headers=sla.headers["agent"])

    # then resolving met the resolution clock and cancelled the unanswered first-response clock
    assert resolved.status_code == 200, resolved.text
    assert (after_resolve["resolution"].status, after_resolve["resolution"].stopped_at) == (
        "met",
        datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
    )
    assert after_resolve["first_response"].status == "cancelled"
    # and reopening started a new 48-business-hour resolution clock from Monday 11:00: 7 h that day,
    # 36 h Tuesday to Friday, 5 h the next Monday (14:00 Moscow)
    assert reopened.status_code == 200, reopened.text
    with sla.container.uow() as uow:
        clocks = list(
            uow.session.scalars(
                select(SlaClock)
                .where(SlaClock.case_id == ids["case_id"])
                .order_by(SlaClock.started_at, SlaClock.kind)
            )
        )
        uow.session.expunge_all()
    assert [(clock.kind, clock.status) for clock in clocks] == [
        ("first_response", "cancelled"),
        ("resolution", "met"),
        ("resolution", "running"),
    ]
    assert (clocks[2].started_at, clocks[2].due_at, clocks[2].channel_class) == (
        datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 11, 0, tzinfo=UTC),
        "async",
    )
    # and a second restart on the open case changes nothing
    with sla.container.uow() as uow:
        again = restart_resolution_clock(uow.session, case_id=ids["case_id"], now=at(sla.clock.now, hours=1))
        assert again is not None and again.id == clocks[2].id
        uow.commit()


def test_the_check_cancels_clocks_of_a_case_resolved_elsewhere(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    with sla.container.uow() as uow:
        uow.session.get_one(Case, ids["case_id"]).status = "resolved"
        uow.commit()
    counts = sla.check(at(FRIDAY_17_MSK, days=30))
    assert counts == {**NOTHING, "seen": 2, "cancelled": 2}
    assert {clock.status for clock in sla.clocks(ids["case_id"]).values()} == {"cancelled"}
    assert sla.timeline_types(ids["case_id"]) == []
    assert [event for event in sla.bus.events if event.type.startswith(("sla.", "case.escalated"))] == []


def test_the_background_pass_works_through_every_batch(sla: SlaWorld) -> None:
    # given five unanswered e-mails from five customers
    cases = [sla.receive(f"Заказ {n} не пришёл / 订单{n}", sender=f"client{n}@example.ru") for n in range(5)]
    for ids in cases:
        sla.start_clocks(ids["case_id"])

    # when the background pass runs two clocks a batch, after the first-response due time
    sla.clock.now = at(FRIDAY_17_MSK, hours=5)
    totals = run_sla_checks(sla.container, limit=2)

    # then every first-response clock breached, once
    assert totals == {"seen": 5, "warned": 0, "breached": 5, "escalated": 5, "cancelled": 0}
    assert run_sla_checks(sla.container, limit=2) == NOTHING
    assert len(sla.bus.of_type("sla.breached")) == 5


# --- the API ---


def test_the_calendar_is_around_the_clock_until_an_admin_sets_it(sla: SlaWorld) -> None:
    response = sla.client.get("/api/v1/calendar", headers=sla.headers["agent"])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "timezone": "UTC",
        "hours": {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "holidays": [],
    }


def test_an_admin_sets_the_calendar_and_it_is_audited(sla: SlaWorld) -> None:
    # when
    response = sla.client.put("/api/v1/calendar", json=MOSCOW_OFFICE, headers=sla.headers["admin"])
    # then
    assert response.status_code == 200, response.text
    assert response.json() == MOSCOW_OFFICE
    read = sla.client.get("/api/v1/calendar", headers=sla.headers["agent"])
    assert read.json() == MOSCOW_OFFICE
    assert calendar_audits(sla) == [
        (f"user:{sla.user_ids['admin']}", {"before": None, "after": MOSCOW_OFFICE})
    ]
    # and a second change records what it replaced
    shanghai = {"timezone": "Asia/Shanghai", "hours": {"sat": [["10:00", "14:00"]]}, "holidays": []}
    assert sla.client.put("/api/v1/calendar", json=shanghai, headers=sla.headers["admin"]).json() == shanghai
    assert calendar_audits(sla)[-1][1] == {"before": MOSCOW_OFFICE, "after": shanghai}


def calendar_audits(world: SlaWorld) -> list[tuple[str, dict[str, Any]]]:
    with world.container.uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.data)
            .where(AuditEntry.tenant_id == world.tenant_id, AuditEntry.action == "calendar.updated")
            .order_by(AuditEntry.at)
        )
        return [(actor, data) for actor, data in rows]


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_an_admin_may_change_the_calendar(sla: SlaWorld, role: str) -> None:
    before = row_counts(sla.container)
    response = sla.client.put("/api/v1/calendar", json=MOSCOW_OFFICE, headers=sla.headers[role])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert row_counts(sla.container) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/calendar"), ("put", "/api/v1/calendar"), ("get", f"/api/v1/cases/{uuid.uuid4()}/sla")],
)
def test_no_token_no_calendar(sla: SlaWorld, method: str, path: str) -> None:
    response = sla.client.request(method, path, json=MOSCOW_OFFICE if method == "put" else None)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("document", "status", "code", "problem"),
    [
        (
            {**MOSCOW_OFFICE, "timezone": "Москва"},
            422,
            "invalid_calendar",
            "'Москва' is not a known time zone",
        ),
        ({**MOSCOW_OFFICE, "hours": {"mon": [["09:00", "25:00"]]}}, 422, "invalid_calendar", "'25:00'"),
        (
            {**MOSCOW_OFFICE, "hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}},
            422,
            "invalid_calendar",
            "overlap",
        ),
        (
            {**MOSCOW_OFFICE, "holidays": ["2026-02-30"]},
            422,
            "invalid_calendar",
            "'2026-02-30' is not a date",
        ),
        (
            {**MOSCOW_OFFICE, "hours": {"星期一": [["09:00", "18:00"]]}},
            422,
            "invalid_calendar",
            "unknown days 星期一",
        ),
        ({**MOSCOW_OFFICE, "hours": {}}, 422, "invalid_calendar", "never open"),
        ({**MOSCOW_OFFICE, "hours": {"mon": "09:00-18:00"}}, 422, "invalid_input", "hours.mon"),
        ({**MOSCOW_OFFICE, "timezone": 3}, 422, "invalid_input", "timezone"),
        ({**MOSCOW_OFFICE, "weekends": []}, 422, "invalid_input", "weekends"),
    ],
)
def test_a_bad_calendar_is_refused_and_nothing_changes(
    sla: SlaWorld, document: dict[str, Any], status: int, code: str, problem: str
) -> None:
    # given a stored calendar
    sla.set_calendar(MOSCOW_OFFICE)
    before = row_counts(sla.container)
    # when
    response = sla.client.put("/api/v1/calendar", json=document, headers=sla.headers["admin"])
    # then
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert problem in response.json()["error"]["message"]
    assert row_counts(sla.container) == before
    assert sla.client.get("/api/v1/calendar", headers=sla.headers["agent"]).json() == MOSCOW_OFFICE


def test_a_body_that_is_not_json_is_a_400(sla: SlaWorld) -> None:
    response = sla.client.put(
        "/api/v1/calendar",
        content=b"{timezone: Europe/Moscow",
        headers={**sla.headers["admin"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_an_unknown_case_has_no_sla(sla: SlaWorld) -> None:
    response = sla.client.get(f"/api/v1/cases/{uuid.uuid4()}/sla", headers=sla.headers["agent"])
    assert response.status_code == 404


def test_a_case_without_clocks_has_an_empty_list(sla: SlaWorld) -> None:
    ids = sla.receive("Где мой заказ?")
    with sla.container.uow() as uow:  # whatever intake started, this case is about its own clocks
        for clock in uow.session.scalars(select(SlaClock).where(SlaClock.case_id == ids["case_id"])):
            uow.session.delete(clock)
        uow.commit()
    response = sla.client.get(f"/api/v1/cases/{ids['case_id']}/sla", headers=sla.headers["agent"])
    assert response.json() == {"case_id": str(ids["case_id"]), "items": []}


def test_the_background_service_checks_clocks_as_the_server_runs(sla: SlaWorld) -> None:
    # given an unanswered e-mail, and the server's time past its first-response due time
    ids = sla.receive("Где мой заказ? 我的订单在哪里？")
    sla.start_clocks(ids["case_id"])
    sla.clock.now = at(FRIDAY_17_MSK, hours=5)

    # when the background service runs for a moment
    async def run_briefly() -> None:
        task = asyncio.create_task(run_sla_service(sla.container))
        await asyncio.sleep(0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run_briefly())

    # then its first pass breached the clock
    assert sla.clocks(ids["case_id"])["first_response"].status == "breached"
    assert run_sla_service in background_services()


def test_two_passes_at_once_handle_each_clock_once(sla: SlaWorld) -> None:
    if sla.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: two passes cannot overlap there")
    # given an unanswered e-mail past its first-response due time
    ids = sla.receive("Где мой заказ?")
    sla.start_clocks(ids["case_id"])
    late = at(FRIDAY_17_MSK, hours=5)

    # when a second pass runs while the first still holds its transaction open
    with sla.container.uow() as first:
        counts_first = check_sla_clocks(first, now=late)
        with sla.container.uow() as second:
            counts_second = check_sla_clocks(second, now=late)
            second.commit()
        first.commit()

    # then the second pass skipped the clock the first was handling: one breach, one escalation
    assert counts_first == {**NOTHING, "seen": 1, "breached": 1, "escalated": 1}
    assert counts_second == {**NOTHING, "seen": 1}
    assert sla.timeline_types(ids["case_id"]) == ["sla.breached", "case.escalated"]
    assert len(sla.bus.of_type("sla.breached")) == 1
