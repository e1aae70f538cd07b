"""The desktop inbox in Debian's headless Chromium against the real server process: an agent logs in,
sets themselves available, a message routed to them appears as an offer without a reload (names and
text as text), the title counts it, Accept opens the conversation; the presence switch pauses with a
reason in Russian.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`).
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlalchemy import select

from omniline.accounts.models import User
from omniline.agents.models import AgentProfile
from omniline.bootstrap import Container
from tests.browser import (
    browser_fixture,
    log_in,
    post_signed,
    save_screenshot,
    server_fixture,
    watch_page_errors,
)
from tests.support import ApiWorld, app_message

pytestmark = pytest.mark.server

server = server_fixture("inbox")
browser = browser_fixture()

HOSTILE_NAME = "<script>alert(1)</script> Анна 王"
HOSTILE_TEXT = "<img src=x onerror=alert(2)> Где мой заказ? 我的订单在哪里？"


@pytest.fixture
def agent_email(container: Container, world: ApiWorld) -> str:
    """The world's agent, able to take three app conversations at once."""
    with container.uow() as uow:
        agent = uow.session.scalars(
            select(User).where(User.tenant_id == world.tenant_id, User.role == "agent")
        ).one()
        user_id, email = agent.id, agent.email
    response = world.client.patch(
        f"/api/v1/agents/{user_id}", json={"capacity": {"api": 3}}, headers=world.admin_headers
    )
    assert response.status_code == 200, response.text
    return email


def _watch_dialogs(page: Page) -> list[str]:
    """Every alert() that fires (markup run as code would): a test asserts the list stays empty."""
    seen: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return seen


def _log_in(page: Page, server: str, email: str) -> None:
    log_in(page, server, email)
    expect(page.locator("body[data-live='on']")).to_be_attached(timeout=15000)


def test_a_routed_message_appears_as_an_offer_live_and_accepting_opens_the_conversation(
    browser: Browser, server: str, world: ApiWorld, agent_email: str
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = watch_page_errors(page)
    dialogs = _watch_dialogs(page)
    _log_in(page, server, agent_email)
    expect(page.locator(".inbox-empty")).to_contain_text("Set yourself available to receive work.")

    page.get_by_role("button", name="Set available").click()
    expect(page.locator(".inbox-presence.presence-available")).to_be_visible()
    expect(page.get_by_role("combobox", name="My status")).to_have_value("available")

    posted = post_signed(
        server, world.channel, app_message("m-1", ["app:anna"], HOSTILE_TEXT, name=HOSTILE_NAME)
    )
    offer = page.locator(".inbox-offer")
    expect(offer).to_have_count(1)  # no reload: the live feed's task.offered refreshed the inbox
    expect(offer).to_have_class(re.compile(r"\bis-new\b"))
    expect(offer.locator(".inbox-name")).to_have_text(HOSTILE_NAME)
    expect(page.locator("[data-count='offers']")).to_have_text("1")
    expect(page).to_have_title("(1) Desktop · omniline")
    assert page.locator("#inbox script:not([type='application/json']), #inbox img").count() == 0
    save_screenshot(page, "desktop-inbox")

    offer.get_by_role("button", name="Accept").click()

    page.wait_for_url(f"{server}/desktop/conversations/{posted['conversation_id']}")
    assert dialogs == []
    assert problems == []
    context.close()


def test_work_shows_its_preview_and_the_presence_switch_pauses_in_russian(
    browser: Browser, server: str, world: ApiWorld, agent_email: str
) -> None:
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    problems = watch_page_errors(page)
    dialogs = _watch_dialogs(page)
    _log_in(page, server, agent_email)
    page.get_by_role("combobox", name="Мой статус").select_option("available")
    expect(page.locator(".inbox-presence.presence-available")).to_be_visible()
    five_minutes_ago = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    message = app_message("m-2", ["app:petr"], HOSTILE_TEXT, name="Пётр", sent_at=five_minutes_ago)
    post_signed(server, world.channel, message)
    page.locator(".inbox-offer").get_by_role("button", name="Принять").click()
    page.wait_for_url(re.compile(r".*/desktop/conversations/.*"))
    page.goto(f"{server}/desktop")

    work = page.locator(".inbox-work")
    expect(work).to_have_count(1)
    expect(work.locator(".inbox-preview")).to_have_text(HOSTILE_TEXT)
    expect(work.locator(".inbox-ago")).to_have_text("5 мин. назад")  # the customer wrote, localised

    page.get_by_role("combobox", name="Мой статус").select_option("paused:lunch")
    expect(page.locator(".inbox-presence.presence-paused")).to_be_visible()
    expect(page.locator(".presence-since")).to_have_text(re.compile(r"^0:0\d$"))
    save_screenshot(page, "desktop-inbox-ru")
    assert dialogs == []
    assert problems == []
    context.close()


def test_a_status_chosen_before_the_inbox_script_has_loaded_is_applied_when_it_loads(
    browser: Browser, server: str, world: ApiWorld, agent_email: str, container: Container
) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _log_in(page, server, agent_email)
    script = "**/static/desktop-inbox.js*"
    page.route(script, lambda route: route.abort())  # the script has not arrived yet
    page.goto(f"{server}/desktop")
    menu = page.locator("select[data-presence-switch]")
    expect(menu).to_be_visible()

    menu.select_option("paused:lunch")  # nothing listens yet
    page.unroute(script)
    page.add_script_tag(url=f"{server}/static/desktop-inbox.js?late=1", type="module")

    expect(page.locator(".inbox-presence.presence-paused")).to_be_visible()
    with container.uow() as uow:
        profile = uow.session.scalars(
            select(AgentProfile).join(User, User.id == AgentProfile.user_id).where(User.email == agent_email)
        ).one()
        assert (profile.presence, profile.presence_reason) == ("paused", "lunch")
    context.close()
