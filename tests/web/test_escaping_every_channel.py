"""Everything customers write is shown as text: markup sent through every channel's real door (tests/web/
escaping_support.py) reaches the database intact and every page that shows it writes it escaped.

For each page: the escaped form of each field it shows is present (so the field really is on the page),
no payload is present as markup (`<script>alert`, `<img src=x`, `<svg onload` — where an attribute
break-out would surface —, a `javascript:` link), and `{{ 7*7 }}` is shown literally, never as 49.
Names staff type (agents, teams, queues, channels) get the same treatment on the wallboard and the
admin pages.
"""

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.accounts.service import create_user
from omniline.bootstrap import Container
from omniline.kernel.ids import new_id
from omniline.routing.dispatch import offer_task
from omniline.routing.models import Queue, Task
from omniline.settings import Settings
from tests.support import PASSWORD, ApiWorld, login, row_counts
from tests.web.escaping_support import (
    ALL_CHANNELS_CAPACITY,
    CHANNEL_NAME,
    IMG,
    KINDS,
    MARKUP,
    RAW_FORMS,
    SCRIPT,
    SVG,
    TEMPLATE,
    Scene,
    Sent,
    escaped,
    escaping_settings,
    send_through,
    tenant_slug,
)
from tests.web.support import logged_in

LANGUAGES = ("en", "ru", "zh")
AGENT_NAME = f"Иван {SCRIPT} {IMG} 李明"
SUPERVISOR_NAME = f"Ольга {SVG} {TEMPLATE} 张伟"
TEAM_NAME = f"Линия {IMG} {TEMPLATE} 一线"
QUEUE_NAME = f"<b>vip</b> {SCRIPT} {SVG}"
QUEUE_DESCRIPTION = f"Очередь {MARKUP} 队列"
# A cursor after every id (ids are UUIDv7, time-ordered): the timeline fragment from the newest entry.
AFTER_EVERYTHING = "ffffffff-ffff-7fff-bfff-ffffffffffff"


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return escaping_settings(database_url, tmp_path_factory)


@dataclass
class Desk:
    """The tenant's people: an available agent who takes every channel, in a team, and a supervisor;
    all named with markup, as an admin could type them."""

    scene: Scene
    slug: str
    agent_id: uuid.UUID
    agent_headers: dict[str, str]

    @property
    def client(self) -> TestClient:
        return self.scene.client

    def email(self, who: str) -> str:
        return f"{who}@{self.slug}.test"


@pytest.fixture
def desk(world: ApiWorld, container: Container) -> Desk:
    slug = tenant_slug(container, world.tenant_id)
    with container.uow() as uow:
        people = {"ivan": ("agent", AGENT_NAME), "olga": ("supervisor", SUPERVISOR_NAME)}
        users = {
            who: create_user(
                uow.session,
                tenant_id=world.tenant_id,
                email=f"{who}@{slug}.test",
                password=PASSWORD,
                role=role,
                name=name,
            )
            for who, (role, name) in people.items()
        }
        uow.commit()
        agent_id = users["ivan"].id
    team = world.client.post("/api/v1/teams", json={"name": TEAM_NAME}, headers=world.admin_headers)
    assert team.status_code == 201, team.text
    profile = world.client.patch(
        f"/api/v1/agents/{agent_id}",
        json={"capacity": ALL_CHANNELS_CAPACITY, "team": TEAM_NAME},
        headers=world.admin_headers,
    )
    assert profile.status_code == 200, profile.text
    agent_headers = login(world.client, f"ivan@{slug}.test")
    presence = world.client.put(
        "/api/v1/agents/me/presence", json={"state": "available"}, headers=agent_headers
    )
    assert presence.status_code == 200, presence.text
    return Desk(Scene(world, container), slug, agent_id, agent_headers)


class Pages:
    """A browser's view: one cookie session per person (a TestClient each, on the same app)."""

    def __init__(self, client: TestClient) -> None:
        self.app = client.app

    def as_user(self, email: str, language: str = "en") -> TestClient:
        """Logged in through the login form, the page language switched as the user would."""
        # https: the public URL the Twilio signatures need makes the session cookie Secure
        browser = TestClient(self.app, base_url="https://testserver", raise_server_exceptions=False)
        csrf = logged_in(browser, email)
        chosen = browser.post(
            "/language", data={"csrf_token": csrf, "language": language, "back": "/"}, follow_redirects=False
        )
        assert chosen.status_code == 303, chosen.text
        return browser


@pytest.fixture
def pages(client: TestClient) -> Pages:
    return Pages(client)


def fetch(browser: TestClient, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, f"GET {path}: {response.status_code}\n{response.text[:2000]}"
    assert response.headers["content-type"].startswith("text/html"), path
    return response.text


def assert_shown_as_text(html: str, path: str, *shown: str) -> None:
    """Each of `shown` is on the page, escaped; no payload is markup anywhere on it."""
    for text in shown:
        assert escaped(text) in html, f"{path} does not show {text!r} as escaped text"
        if TEMPLATE in text:  # shown literally (above), and not evaluated anywhere else on the page
            assert escaped(text.replace(TEMPLATE, "49")) not in html, f"{path} evaluated {TEMPLATE!r}"
    for raw in RAW_FORMS:
        assert raw not in html, f"{path} has {raw!r} unescaped"


def assert_stored(sent: Sent) -> None:
    """The precondition of every page check: the markup reached the database exactly as written."""
    stored = [(message.subject, message.text, message.filenames) for message in sent.stored]
    assert stored == sent.messages
    assert {message.sender_name for message in sent.stored} == {sent.name}


def offer_waiting_work(desk: Desk, customer_id: str) -> None:
    """Offer the agent what routing left waiting: a missed call's callback is not offered before it is
    due (routing/callbacks.py), so it is offered here through the routing service, as dispatch would."""
    container = desk.scene.container
    with container.uow() as uow:
        waiting = uow.session.scalars(
            select(Task).where(Task.customer_id == uuid.UUID(customer_id), Task.status == "open")
        ).all()
        for task in waiting:
            offer_task(uow, task, desk.agent_id, container.clock(), timeout_seconds=600)
        uow.commit()


def accept_offers(desk: Desk) -> int:
    offers = desk.client.get("/api/v1/offers", headers=desk.agent_headers)
    assert offers.status_code == 200, offers.text
    for offer in offers.json()["items"]:
        accepted = desk.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=desk.agent_headers)
        assert accepted.status_code == 200, accepted.text
    return len(offers.json()["items"])


@pytest.mark.parametrize("kind", KINDS)
def test_markup_a_customer_sends_is_text_on_every_desktop_page(kind: str, desk: Desk, pages: Pages) -> None:
    # given a customer wrote markup through this channel's real door
    sent = send_through(desk.scene, kind)
    assert_stored(sent)
    names = (sent.name,) if sent.name else ()
    offer_waiting_work(desk, sent.customer_id)
    language = LANGUAGES[KINDS.index(kind) % len(LANGUAGES)]  # each language on three channels' pages
    agent = pages.as_user(desk.email("ivan"), language)

    # then the inbox shows their name as text while the work is offered…
    for path in ("/desktop/inbox", "/desktop"):
        assert_shown_as_text(fetch(agent, path), f"{path} (offered)", *names)
    # …and, once accepted, the name and the start of their last message as text
    assert accept_offers(desk) >= 1
    for path in ("/desktop/inbox", "/desktop"):
        assert_shown_as_text(fetch(agent, path), f"{path} (assigned)", *names, sent.stored[-1].text[:60])

    # the conversation page, its header fragment and each message's bubble show every field as text
    for conversation_id, messages in sent.conversations().items():
        fields = [*names] + [
            text
            for message in messages
            for text in (message.subject, message.text, *message.filenames)
            if text
        ]
        path = f"/desktop/conversations/{conversation_id}"
        channel = (sent.channel_name,) if sent.channel_name else ()
        html = fetch(agent, path)
        assert f'<html lang="{language}"' in html
        assert_shown_as_text(html, path, *fields, *channel)
        assert_shown_as_text(fetch(agent, path + "/case"), path + "/case", *names, *channel)
        for message in messages:
            bubble = f"{path}/messages/{message.message_id}"
            shown = [text for text in (message.subject, message.text, *message.filenames) if text]
            assert_shown_as_text(fetch(agent, bubble), bubble, *shown)

    # the customer panel and the timeline fragment show the whole cross-channel history as text
    everything = [*names] + [
        text
        for message in sent.stored
        for text in (message.subject, message.text, *message.filenames)
        if text
    ]
    customer = f"/desktop/customers/{sent.customer_id}"
    assert_shown_as_text(fetch(agent, customer + "/panel"), customer + "/panel", *everything)
    timeline = f"{customer}/timeline?before={AFTER_EVERYTHING}"
    assert_shown_as_text(fetch(agent, timeline), timeline, *everything[len(names) :])
    # the customer page (its edit form holds the name) and the search by part of the name
    assert_shown_as_text(fetch(agent, customer), customer, *names)
    if sent.name:
        search = "/desktop/customers?q=Анна"
        assert_shown_as_text(fetch(agent, search), search, sent.name)


def test_queue_team_and_agent_names_with_markup_are_text_on_the_wallboard(
    desk: Desk, pages: Pages, container: Container
) -> None:
    # given no door takes a queue name with markup…
    world = desk.scene.world
    before = row_counts(container)
    refused = desk.client.post("/api/v1/queues", json={"name": QUEUE_NAME}, headers=world.admin_headers)
    assert refused.status_code == 422, refused.text
    assert row_counts(container) == before
    # …one is written as a row anyway (an older version, an import): the page must still escape it
    with container.uow() as uow:
        uow.session.add(
            Queue(id=new_id(), tenant_id=world.tenant_id, name=QUEUE_NAME, description=QUEUE_DESCRIPTION)
        )
        uow.commit()
    # and a customer with markup in their name waits in a queue
    send_through(desk.scene, "api")
    supervisor = pages.as_user(desk.email("olga"))

    # then the wallboard and its live fragment show the names as text
    for path in ("/wallboard", "/wallboard/fragment"):
        assert_shown_as_text(fetch(supervisor, path), path, QUEUE_NAME, TEAM_NAME, AGENT_NAME)


def test_channel_and_user_names_with_markup_are_text_on_the_admin_pages(desk: Desk, pages: Pages) -> None:
    channel = desk.scene.add_channel("api", CHANNEL_NAME, {})
    admin = pages.as_user(desk.email("admin"))

    for path, shown in (
        ("/admin/channels", (CHANNEL_NAME,)),
        (f"/admin/channels/{channel['id']}", (CHANNEL_NAME,)),
        ("/admin/users", (AGENT_NAME, SUPERVISOR_NAME)),
        (f"/admin/users/{desk.agent_id}", (AGENT_NAME, TEAM_NAME)),
        ("/admin", ()),
    ):
        assert_shown_as_text(fetch(admin, path), path, *shown)
