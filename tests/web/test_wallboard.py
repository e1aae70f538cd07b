"""The supervisor wallboard over HTTP: exact figures for a built day (live work, today's tasks and SLA
clocks, yesterday's left out), who may see it, tenants kept apart, markup shown as text, languages."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.accounts.models import User
from omniline.accounts.service import create_user
from omniline.agents.models import AgentProfile
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.kernel.ids import new_id
from omniline.routing.models import BusinessCalendar, Offer, SlaClock, Task
from omniline.security.models import AuditEntry
from omniline.web.wallboard.day import business_day
from tests.api.test_dispatch import (
    Clock,
    add_agent,
    enqueue,
    new_case,
    offer_of,
    run_dispatch,
    set_presence,
)
from tests.support import PASSWORD, ApiWorld, agent_email, login, make_world, row_counts
from tests.web.support import logged_in

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Day:
    """The built scenario: `now` is about local noon in `zone`, `yesterday` an instant of the day before."""

    now: datetime
    zone: str
    yesterday: datetime
    supervisor: str
    anna: uuid.UUID
    vera: uuid.UUID
    live_created: dict[str, list[datetime]]


@pytest.fixture
def clock(container: Container) -> Clock:
    clock = Clock()
    container.clock = clock
    return clock


def noon_zone(moment: datetime) -> str:
    """A fixed-offset zone in which `moment` is in the 12 o'clock hour (so "today" has room both ways)."""
    offset = 12 - moment.hour  # -11 … 12
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def set_zone(container: Container, tenant_id: uuid.UUID, zone: str) -> None:
    with container.uow() as uow:
        uow.session.add(BusinessCalendar(tenant_id=tenant_id, timezone=zone, hours=ALWAYS, holidays=[]))
        uow.commit()


def add_user(container: Container, world: ApiWorld, name: str, role: str) -> str:
    email = f"{role}.{uuid.uuid4().hex[:6]}@{world.tenant_id.hex[:8]}.test"
    with container.uow() as uow:
        create_user(
            uow.session, tenant_id=world.tenant_id, email=email, password=PASSWORD, role=role, name=name
        )
        uow.commit()
    return email


def rename(container: Container, user_id: uuid.UUID, name: str) -> None:
    with container.uow() as uow:
        uow.session.get_one(User, user_id).name = name
        uow.commit()


def past_task(
    container: Container,
    tenant_id: uuid.UUID,
    *,
    queue: str,
    channel: str,
    created: datetime,
    status: str = "done",
    completed: datetime | None = None,
    user: uuid.UUID | None = None,
    reason: str = "routed:test",
    kind: str = "conversation",
) -> tuple[uuid.UUID, uuid.UUID]:
    """A finished task (and its case, now in `queue`) written directly: history the day already has."""
    customer_id, case_id = new_case(container, tenant_id)
    with container.uow() as uow:
        uow.session.get_one(Case, case_id).queue = queue
        task = Task(
            id=new_id(),
            tenant_id=tenant_id,
            kind=kind,
            status=status,
            queue=queue,
            reason=reason,
            customer_id=customer_id,
            case_id=case_id,
            due_at=created,
            created_at=created,
            completed_at=completed,
            assigned_user_id=user,
            channel_kind=channel,
            enqueued_at=created,
        )
        uow.session.add(task)
        uow.commit()
        return task.id, case_id


def clock_row(
    container: Container,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    status: str,
    *,
    due: datetime,
    stopped: datetime | None = None,
    breached: datetime | None = None,
    kind: str = "first_response",
) -> None:
    with container.uow() as uow:
        uow.session.add(
            SlaClock(
                id=new_id(),
                tenant_id=tenant_id,
                case_id=case_id,
                kind=kind,
                target_seconds=3600,
                channel_class="live",
                started_at=due - timedelta(hours=1),
                warn_at=due - timedelta(minutes=12),
                due_at=due,
                status=status,
                stopped_at=stopped,
                breached_at=breached,
            )
        )
        uow.commit()


def clocked_case(
    container: Container, world: ApiWorld, day_start: datetime, queue: str, channel: str
) -> uuid.UUID:
    """A case of yesterday's contact (so its task counts for nothing today) whose clock decides today."""
    _task, case_id = past_task(
        container,
        world.tenant_id,
        queue=queue,
        channel=channel,
        created=day_start - timedelta(hours=3),
        completed=day_start - timedelta(hours=2),
    )
    return case_id


def build_day(container: Container, world: ApiWorld, clock: Clock) -> Day:
    t0 = clock.now
    zone = noon_zone(t0)
    set_zone(container, world.tenant_id, zone)
    day = business_day(t0, zone)
    yesterday = day.start - timedelta(hours=1)
    tenant = world.tenant_id

    # agents: Anna takes chats, Boris is offline, Vera is paused for lunch, one with markup wraps up
    clock.now = t0 - timedelta(seconds=900)
    anna = add_agent(world, container, "anna", capacity={"webchat": 2})
    rename(container, anna.user_id, "Анна Петрова")
    boris = add_agent(world, container, "boris", available=False)
    rename(container, boris.user_id, "Boris")
    vera = add_agent(
        world, container, "vera", capacity={"email": 1}, skills={"billing": 3}, languages=["zh", "en"]
    )
    set_presence(world, vera.headers, "paused", "обед")
    marked = add_agent(world, container, "marked", capacity={"voice": 1}, available=False)
    rename(container, vera.user_id, "王芳")
    rename(container, marked.user_id, IMAGE)
    with container.uow() as uow:
        profile = uow.session.scalars(
            select(AgentProfile).where(AgentProfile.user_id == marked.user_id)
        ).one()
        profile.presence, profile.presence_since = "wrap_up", t0 - timedelta(seconds=75)
        uow.commit()

    # live work: two chats in general (Anna accepts one, the other rings at her), two mails wait in
    # billing, an abandoned call's callback waits in general, one in a queue named with markup
    created: dict[str, list[datetime]] = {"webchat": [], "email": [], "voice": []}
    clock.now = t0 - timedelta(seconds=600)
    chat = enqueue(container, tenant, queue="general")
    created["webchat"].append(clock.now)
    clock.now = t0 - timedelta(seconds=500)
    enqueue(container, tenant, queue="general")
    created["webchat"].append(clock.now)
    run_dispatch(container, tenant)
    accepted = world.client.post(f"/api/v1/offers/{offer_of(container, chat)}/accept", headers=anna.headers)
    assert accepted.status_code == 200, accepted.text
    for seconds in (300, 120):
        clock.now = t0 - timedelta(seconds=seconds)
        enqueue(container, tenant, queue="billing", channel_kind="email")
        created["email"].append(clock.now)
    clock.now = t0 - timedelta(seconds=60)
    enqueue(
        container,
        tenant,
        queue="general",
        kind="callback",
        reason="call.abandoned",
        channel_kind="voice",
        due_at=clock.now,
    )
    created["voice"].append(clock.now)
    clock.now = t0 - timedelta(seconds=30)
    enqueue(container, tenant, queue=SCRIPT, channel_kind="webchat")
    created["webchat"].append(clock.now)

    # today's history, and yesterday's that must not count
    two_hours_ago = t0 - timedelta(hours=2)
    past_task(
        container,
        tenant,
        queue="general",
        channel="webchat",
        created=two_hours_ago,
        completed=t0 - timedelta(hours=1),
        user=anna.user_id,
    )
    created["webchat"].append(two_hours_ago)
    past_task(
        container,
        tenant,
        queue="general",
        channel="webchat",
        created=yesterday - timedelta(hours=1),
        completed=yesterday,
        user=anna.user_id,
    )
    handled_mail, _case = past_task(
        container,
        tenant,
        queue="billing",
        channel="email",
        created=yesterday,
        completed=t0 - timedelta(minutes=40),
        user=vera.user_id,
    )
    past_task(
        container,
        tenant,
        queue="general",
        channel="webchat",
        created=two_hours_ago,
        status="cancelled",
        completed=two_hours_ago,
    )
    created["webchat"].append(two_hours_ago)
    past_task(
        container,
        tenant,
        queue="general",
        channel="voice",
        kind="callback",
        reason="call.abandoned",
        created=yesterday,
        status="cancelled",
        completed=yesterday,
    )

    # SLA clocks: general 3 met + 1 breached + 1 running past due today (60%); billing 1 met + 1 breached
    # (50%) and a resolution breach; yesterday's, cancelled and not-yet-due clocks count for nothing
    for _ in range(3):
        case_id = clocked_case(container, world, day.start, "general", "webchat")
        clock_row(
            container, tenant, case_id, "met", due=t0 + timedelta(hours=1), stopped=t0 - timedelta(hours=1)
        )
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(
        container,
        tenant,
        case_id,
        "breached",
        due=t0 - timedelta(minutes=30),
        breached=t0 - timedelta(minutes=30),
    )
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(container, tenant, case_id, "running", due=t0 - timedelta(minutes=10))
    clock_row(container, tenant, case_id, "running", due=t0 + timedelta(hours=3), kind="resolution")
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(container, tenant, case_id, "met", due=yesterday, stopped=yesterday - timedelta(minutes=5))
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(container, tenant, case_id, "breached", due=yesterday, breached=yesterday)
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(container, tenant, case_id, "running", due=t0 + timedelta(hours=1))
    case_id = clocked_case(container, world, day.start, "general", "webchat")
    clock_row(
        container,
        tenant,
        case_id,
        "cancelled",
        due=t0 - timedelta(minutes=5),
        stopped=t0 - timedelta(hours=1),
    )
    case_id = clocked_case(container, world, day.start, "billing", "email")
    clock_row(container, tenant, case_id, "met", due=t0, stopped=t0 - timedelta(minutes=20))
    case_id = clocked_case(container, world, day.start, "billing", "email")
    clock_row(
        container, tenant, case_id, "breached", due=t0 - timedelta(hours=2), breached=t0 - timedelta(hours=2)
    )
    clock_row(
        container,
        tenant,
        case_id,
        "breached",
        due=t0 - timedelta(hours=1),
        breached=t0 - timedelta(hours=1),
        kind="resolution",
    )

    # offers Vera missed: one today, one yesterday
    with container.uow() as uow:
        for status, at in (("rejected", t0 - timedelta(minutes=50)), ("expired", yesterday)):
            uow.session.add(
                Offer(
                    id=new_id(),
                    tenant_id=tenant,
                    task_id=handled_mail,
                    user_id=vera.user_id,
                    status=status,
                    offered_at=at,
                    expires_at=at,
                    responded_at=at,
                )
            )
        uow.commit()

    clock.now = t0
    supervisor = add_user(container, world, "Светлана", "supervisor")
    return Day(t0, zone, yesterday, supervisor, anna.user_id, vera.user_id, created)


def slots(moments: list[datetime], zone: str) -> list[int]:
    hours = [0] * 24
    for moment in moments:
        hours[moment.astimezone(ZoneInfo(zone)).hour] += 1
    return hours


def tile(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "waiting": 0,
        "oldest_waiting_since": None,
        "longest_wait_seconds": 0,
        "offered": 0,
        "assigned": 0,
        "received_today": 0,
        "handled_today": 0,
        "abandoned_today": None,
        "first_response_met_today": 0,
        "first_response_missed_today": 0,
        "service_level_today": None,
        "breaches_today": 0,
        "no_agent_free": False,
        "tone": "ok",
    }
    return base | values


def test_the_wallboard_figures_are_exact(container: Container, world: ApiWorld, clock: Clock) -> None:
    day = build_day(container, world, clock)
    t0 = day.now

    response = world.client.get("/api/v1/supervisor/wallboard", headers=login(world.client, day.supervisor))

    assert response.status_code == 200, response.text
    board = response.json()
    local = business_day(t0, day.zone)
    assert board["at"] == t0.isoformat()
    assert board["day"] == {
        "date": local.local_date.isoformat(),
        "timezone": day.zone,
        "start": local.start.isoformat(),
        "end": local.end.isoformat(),
    }
    billing_since = (t0 - timedelta(seconds=300)).isoformat()
    voice_since = (t0 - timedelta(seconds=60)).isoformat()
    script_since = (t0 - timedelta(seconds=30)).isoformat()
    assert board["queues"] == [
        {"queue": SCRIPT}
        | tile(
            waiting=1,
            oldest_waiting_since=script_since,
            longest_wait_seconds=30,
            received_today=1,
            no_agent_free=True,
            tone="bad",
        ),
        {"queue": "billing"}
        | tile(
            waiting=2,
            oldest_waiting_since=billing_since,
            longest_wait_seconds=300,
            received_today=2,
            handled_today=1,
            first_response_met_today=1,
            first_response_missed_today=1,
            service_level_today=0.5,
            breaches_today=2,
            no_agent_free=True,
            tone="bad",
        ),
        {"queue": "general"}
        | tile(
            waiting=1,
            oldest_waiting_since=voice_since,
            longest_wait_seconds=60,
            offered=1,
            assigned=1,
            received_today=5,
            handled_today=1,
            abandoned_today=1,
            first_response_met_today=3,
            first_response_missed_today=2,
            service_level_today=0.6,
            breaches_today=2,
            no_agent_free=True,
            tone="bad",
        ),
    ]
    assert board["channels"] == [
        {"channel": "email"}
        | tile(
            waiting=2,
            oldest_waiting_since=billing_since,
            longest_wait_seconds=300,
            received_today=2,
            handled_today=1,
            first_response_met_today=1,
            first_response_missed_today=1,
            service_level_today=0.5,
            breaches_today=2,
            no_agent_free=True,
            tone="bad",
        ),
        {"channel": "webchat"}
        | tile(
            waiting=1,
            oldest_waiting_since=script_since,
            longest_wait_seconds=30,
            offered=1,
            assigned=1,
            received_today=5,
            handled_today=1,
            first_response_met_today=3,
            first_response_missed_today=2,
            service_level_today=0.6,
            breaches_today=2,
            no_agent_free=True,
            tone="bad",
        ),
        {"channel": "voice"}
        | tile(
            waiting=1,
            oldest_waiting_since=voice_since,
            longest_wait_seconds=60,
            received_today=1,
            abandoned_today=1,
            no_agent_free=True,
            tone="bad",
        ),
        {"channel": "api"} | tile(),
    ]
    assert board["total"] == tile(
        waiting=4,
        oldest_waiting_since=billing_since,
        longest_wait_seconds=300,
        offered=1,
        assigned=1,
        received_today=8,
        handled_today=2,
        abandoned_today=1,
        first_response_met_today=4,
        first_response_missed_today=3,
        service_level_today=0.5714,
        breaches_today=4,
        no_agent_free=True,
        tone="bad",
    )
    assert board["agents_by_state"] == {"offline": 2, "available": 1, "busy": 0, "wrap_up": 1, "paused": 1}
    assert board["paused_by_reason"] == {"обед": 1}
    agents = {agent["name"]: agent for agent in board["agents"]}
    # available first, offline last; the world's own agent (no profile) is offline
    assert [agent["name"] for agent in board["agents"]] == ["Анна Петрова", IMAGE, "王芳", "agent", "Boris"]
    assert agents["Анна Петрова"]["load"] == {"webchat": {"load": 2, "capacity": 2}}
    assert agents["王芳"] | {"user_id": "", "since": ""} == {
        "user_id": "",
        "name": "王芳",
        "team": None,
        "presence": "paused",
        "reason": "обед",
        "since": "",
        "load": {"email": {"load": 0, "capacity": 1}},
        "skills": {"billing": 3},
        "languages": ["en", "zh"],
        "missed_offers_today": 1,
        "missed_offers_in_a_row": 0,
    }
    assert agents[IMAGE]["since"] == (t0 - timedelta(seconds=75)).isoformat()
    assert board["contacts_per_hour"] == {
        "email": slots(day.live_created["email"], day.zone),
        "voice": slots(day.live_created["voice"], day.zone),
        "webchat": slots(day.live_created["webchat"], day.zone),
    }


def tile_html(html: str, kind: str, name: str) -> str:
    """The markup of one tile (`name` as it appears escaped in the page)."""
    match = re.search(
        rf'<article class="tile[^"]*" data-kind="{kind}" data-name="{re.escape(name)}">(.*?)</article>',
        html,
        re.S,
    )
    assert match, f"no {kind} tile {name!r}"
    return match.group(1)


def figure(block: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</(?:span|dd)>', block, re.S)
    assert match, f"no figure {name!r}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_page_shows_the_board_and_markup_as_text(
    container: Container, client: TestClient, world: ApiWorld, clock: Clock
) -> None:
    day = build_day(container, world, clock)
    logged_in(client, day.supervisor)

    page = client.get("/wallboard")

    assert page.status_code == 200, page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    billing = tile_html(html, "queue", "billing")
    general = tile_html(html, "queue", "general")
    assert [figure(billing, name) for name in ("waiting", "service-level", "breaches", "handled")] == [
        "2",
        "50%",
        "2",
        "1",
    ]
    assert [
        figure(general, name) for name in ("waiting", "offered", "assigned", "service-level", "abandoned")
    ] == ["1", "1", "1", "60%", "1"]
    assert 'class="tile tone-bad"' in html and "No agent free" in html
    assert figure(html, "total-service-level") == "57%"  # 4 of 7, rounded down
    # queue and agent names with markup are text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Анна Петрова" in html and "王芳" in html and "обед" in html
    # both charts, with their numbers for screen readers
    assert html.count('<svg class="chart-svg"') == 2
    assert (
        'aria-label="Contacts per hour today"' in html
        and '<desc id="hourly-desc">Tasks received per hour of today by channel, stacked; 8 in all.</desc>'
        in html
    )
    assert '<line class="target"' in html


def test_the_fragment_is_the_board_without_the_page_around_it(
    container: Container, client: TestClient, world: ApiWorld, clock: Clock
) -> None:
    day = build_day(container, world, clock)
    logged_in(client, day.supervisor)

    fragment = client.get("/wallboard/fragment")

    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="channels-heading"' in fragment.text
    assert figure(tile_html(fragment.text, "channel", "email"), "waiting") == "2"
    assert fragment.headers["cache-control"] == "no-store"


def test_agents_and_strangers_cannot_see_the_wallboard(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    enqueue(container, world.tenant_id, queue="general")
    before = row_counts(container)

    anonymous = [client.get(path, follow_redirects=False) for path in ("/wallboard", "/wallboard/fragment")]
    api_anonymous = client.get("/api/v1/supervisor/wallboard")
    api_agent = client.get("/api/v1/supervisor/wallboard", headers=world.agent_headers)
    logged_in(client, agent_email(container, world))
    pages = [client.get(path) for path in ("/wallboard", "/wallboard/fragment")]
    api_cookie = client.get("/api/v1/supervisor/wallboard")

    assert [response.status_code for response in anonymous] == [303, 303]
    assert anonymous[0].headers["location"] == "/login?next=/wallboard"
    assert api_anonymous.status_code == 401
    assert [api_agent.status_code, api_cookie.status_code] == [403, 403]
    assert api_agent.json()["error"]["code"] == "permission_denied"
    assert [response.status_code for response in pages] == [403, 403]
    assert "This page is for the supervisor role." in pages[0].text and "<html" in pages[0].text
    assert 'data-figure="waiting"' not in pages[0].text
    # only the login itself was stored
    after = row_counts(container)
    assert {table: count for table, count in after.items() if count != before[table]}.keys() <= {
        "web_sessions",
        "audit_log",
    }


def test_another_tenants_figures_never_show(
    container: Container, client: TestClient, world: ApiWorld, clock: Clock
) -> None:
    enqueue(container, world.tenant_id, queue="general")
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    for _ in range(3):
        enqueue(container, other.tenant_id, queue="other-secret", channel_kind="sms")
    stranger = add_agent(other, container, "stranger")
    rename(container, stranger.user_id, "Чужой агент")
    supervisor = add_user(container, world, "Светлана", "supervisor")

    board = client.get("/api/v1/supervisor/wallboard", headers=login(client, supervisor)).json()
    logged_in(client, supervisor)
    html = client.get("/wallboard").text

    assert [queue["queue"] for queue in board["queues"]] == ["general"]
    assert [channel["channel"] for channel in board["channels"]] == ["webchat", "api"]
    assert board["total"]["waiting"] == 1 and board["total"]["received_today"] == 1
    assert [agent["name"] for agent in board["agents"]] == ["agent"]
    assert sum(board["agents_by_state"].values()) == 1
    assert "other-secret" not in html and "Чужой агент" not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Очереди", "Каналы", "Ожидают", "Уровень сервиса"]),
        ("zh", ["队列", "渠道", "等待中", "服务水平"]),
        ("en", ["Queues", "Channels", "Waiting", "Service level"]),
    ],
)
def test_the_wallboard_speaks_the_users_language(
    container: Container, client: TestClient, world: ApiWorld, clock: Clock, language: str, words: list[str]
) -> None:
    day = build_day(container, world, clock)
    logged_in(client, day.supervisor)

    html = client.get("/wallboard", headers={"Accept-Language": language}).text

    assert f'<html lang="{language}">' in html
    assert all(word in html for word in words), [word for word in words if word not in html]


def test_a_supervisor_changes_an_agents_presence_from_the_wallboard(
    container: Container, client: TestClient, world: ApiWorld, clock: Clock
) -> None:
    day = build_day(container, world, clock)
    token = logged_in(client, day.supervisor)
    csrf = {"X-CSRF-Token": token}
    before = row_counts(container)

    # Anna still holds a chat: refused, nothing changes
    refused = client.put(f"/api/v1/agents/{day.anna}/presence", json={"state": "offline"}, headers=csrf)
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "finish or transfer the tasks you hold before going offline"
    assert row_counts(container) == before

    changed = client.put(f"/api/v1/agents/{day.vera}/presence", json={"state": "offline"}, headers=csrf)

    assert changed.status_code == 200, changed.text
    assert changed.json()["presence"] == "offline"
    with container.uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_id == day.vera)
        ).all()
    assert "agent.presence_changed" in actions
    board = client.get("/api/v1/supervisor/wallboard").json()
    assert board["agents_by_state"] == {"offline": 3, "available": 1, "busy": 0, "wrap_up": 1, "paused": 0}
    assert board["paused_by_reason"] == {}


def test_work_is_red_only_when_it_waits_for_a_person_and_nobody_has_room(
    container: Container, world: ApiWorld, clock: Clock
) -> None:
    # a chat in a bot queue waits for the bot, not for Anna (who has room for chats); a mail waits in
    # general and nobody takes mail
    created = world.client.post(
        "/api/v1/queues", json={"name": "self-service", "is_bot": True}, headers=world.admin_headers
    )
    assert created.status_code == 201, created.text
    enqueue(container, world.tenant_id, queue="self-service")
    add_agent(world, container, "anna", capacity={"webchat": 2})
    enqueue(container, world.tenant_id, queue="general", channel_kind="email")
    supervisor = add_user(container, world, "Светлана", "supervisor")

    board = world.client.get("/api/v1/supervisor/wallboard", headers=login(world.client, supervisor)).json()

    assert [
        (tile["queue"], tile["waiting"], tile["no_agent_free"], tile["tone"]) for tile in board["queues"]
    ] == [
        ("general", 1, True, "bad"),
        ("self-service", 1, False, "ok"),
    ]
    assert [(tile["channel"], tile["waiting"], tile["no_agent_free"]) for tile in board["channels"]] == [
        ("email", 1, True),
        ("webchat", 1, False),
        ("api", 0, False),
    ]
    assert (board["total"]["waiting"], board["total"]["no_agent_free"]) == (2, True)
    assert board["agents_by_state"]["available"] == 1
