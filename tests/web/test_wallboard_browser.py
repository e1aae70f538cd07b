"""The wallboard in Debian's headless Chromium against the real server: a supervisor logs in and watches
an inbound message change the figures without a reload; waiting times tick; markup stays text; the
presence of an agent is changed from the agents table.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`).
"""

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from omniline.bootstrap import Container
from tests.api.test_dispatch import add_agent, enqueue
from tests.browser import (
    browser_fixture,
    log_in,
    post_signed,
    save_screenshot,
    server_fixture,
    watch_page_errors,
)
from tests.support import ApiWorld, app_message
from tests.web.test_wallboard import IMAGE, SCRIPT, add_user, rename

pytestmark = pytest.mark.server

server = server_fixture("wallboard")
browser = browser_fixture()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1920, "height": 1080})
    yield context.new_page()
    context.close()


def log_in_to_wallboard(page: Page, server: str, email: str) -> None:
    log_in(page, server, email, landing="/wallboard")
    expect(page.locator(".live-on")).to_be_visible()  # the live feed is connected


def tile(page: Page, kind: str, name: str, figure: str):  # type: ignore[no-untyped-def]
    return page.locator(f'article.tile[data-kind="{kind}"][data-name="{name}"] [data-figure="{figure}"]')


def post_message(server: str, world: ApiWorld, text: str) -> None:
    body = app_message(f"m-{uuid.uuid4().hex[:8]}", [f"phone:+7916{uuid.uuid4().int % 10**7:07d}"], text)
    post_signed(server, world.channel, body)


def test_an_inbound_message_changes_the_waiting_figure_without_a_reload(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    supervisor = add_user(container, world, "Светлана", "supervisor")
    problems = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in_to_wallboard(page, server, supervisor)
    expect(tile(page, "channel", "api", "waiting")).to_have_text("0")
    expect(page.locator('[data-figure="total-waiting"]')).to_have_text("0")

    post_message(server, world, "Здравствуйте, нужна помощь с настройками / 你好，我需要帮助")

    # the live event refreshes the board long before the 15-second poll would
    expect(tile(page, "channel", "api", "waiting")).to_have_text("1", timeout=5000)
    expect(page.locator('[data-figure="total-waiting"]')).to_have_text("1")
    expect(page.locator(".tile.tone-bad[data-name='api']")).to_be_visible()  # waiting, nobody free
    longest = page.locator(".summary-figures time.ticker")
    shown = longest.text_content()
    expect(longest).not_to_have_text(shown or "", timeout=3000)  # the longest wait ticks by itself
    save_screenshot(page, "wallboard")
    assert problems == [] and dialogs == []


def test_markup_in_names_is_text_and_presence_changes_from_the_table(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    enqueue(container, world.tenant_id, queue=SCRIPT, channel_kind="webchat")
    agent = add_agent(world, container, "marked", capacity={"webchat": 1})
    rename(container, agent.user_id, IMAGE)
    supervisor = add_user(container, world, "Светлана", "supervisor")
    problems = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in_to_wallboard(page, server, supervisor)

    expect(page.locator(".tile-name").filter(has_text=SCRIPT)).to_be_visible()
    row = page.locator(f'tr.agent-row[data-user-id="{agent.user_id}"]')
    expect(row.locator(".agent-name")).to_have_text(IMAGE)
    assert page.locator("#board script, #board img").count() == 0

    # the agent is available and holds the chat's offer; the supervisor pauses them for a meeting
    row.get_by_label(f"New state for {IMAGE}").select_option("paused")
    row.get_by_label("Reason for the pause").fill("встреча / 会议")
    row.get_by_role("button", name="Set").click()

    expect(page.locator(".toast").filter(has_text="Presence changed")).to_be_visible()
    expect(row.locator(".state-badge")).to_have_text("Paused", timeout=5000)
    expect(row.locator(".reason")).to_have_text("встреча / 会议")
    expect(page.locator('li.state[data-state="paused"] .value')).to_have_text("1")
    save_screenshot(page, "wallboard-presence")
    assert problems == [] and dialogs == []
