"""Issue 6's flow in a real browser, as a new user would try it with the demo tenant:

an agent logs in and sets herself available; Anna — who mailed about a damaged order yesterday — opens
the site chat, confirms her e-mail with the code we mail her, and complains; the chat reaches the agent's
inbox live, the agent accepts it, sees the earlier e-mail on Anna's cross-channel timeline, replies (Anna
sees it in the widget) and resolves the case; the supervisor's wallboard figures change meanwhile.

The real server runs as its own process, with the demo loaded into the tests' database; Chromium is
Debian's, driven by Playwright. Screenshots of each page go to var/screenshots/.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from omniline.bootstrap import Container, bootstrap
from omniline.channels.models import Channel, Delivery
from omniline.demo.loader import load_demo
from tests.browser import browser_fixture, save_screenshot, start_server, watch_page_errors
from tests.conftest import make_settings

pytestmark = pytest.mark.server

browser = browser_fixture()
AGENT = ("agent1@demo.omniline.local", "demo-agent-pass")
SUPERVISOR = ("supervisor@demo.omniline.local", "demo-supervisor-pass")
COMPLAINT = "Хочу пожаловаться: заказ 45821 пришёл разбитым, а на письмо никто не ответил!"
REPLY = "Анна, простите! Оформляю возврат прямо сейчас. 马上为您处理退款。"


@pytest.fixture
def demo_server(
    container: Container, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo tenant loaded for the server's own address (the web chat allows only its origin)."""
    log_path = tmp_path_factory.mktemp("desktop-flow") / "server.log"
    process, base = start_server(database_url, log_path)
    try:
        port = int(base.rsplit(":", 1)[1])
        demo_container = bootstrap(make_settings(database_url, port=port))
        try:
            load_demo(demo_container)
        finally:
            demo_container.close()
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _log_in(context: BrowserContext, base: str, who: tuple[str, str]) -> Page:
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Log in").click()
    return page


def _mailed_code(container: Container, address: str) -> str:
    with container.uow() as uow:
        payloads = uow.session.scalars(select(Delivery.payload).order_by(Delivery.id)).all()
    mails = [item for item in payloads if item.get("recipient") == f"email:{address}"]
    assert mails, f"no code was mailed to {address}"
    found = re.search(r"(\d{6})", mails[-1]["text"])
    assert found is not None
    return found.group(1)


def _webchat_channel_id(container: Container) -> str:
    with container.uow() as uow:
        channel_id = uow.session.scalar(select(Channel.id).where(Channel.kind == "webchat"))
    assert channel_id is not None
    return str(channel_id)


def _chat_figure(wallboard: Page, figure: str) -> str:
    """A figure of the web chat's tile on the wallboard."""
    tile = wallboard.locator(".tile[data-kind='channel'][data-name='webchat']")
    return tile.locator(f"[data-figure='{figure}']").inner_text()


def test_an_agent_handles_a_chat_from_a_customer_who_mailed_before(
    browser: Browser, demo_server: str, container: Container
) -> None:
    base = demo_server
    agent_context, visitor_context, supervisor_context = (
        browser.new_context(locale="en-US") for _ in range(3)
    )
    try:
        # the agent logs in and becomes available
        agent = _log_in(agent_context, base, AGENT)
        agent_errors = watch_page_errors(agent)
        expect(agent).to_have_url(f"{base}/desktop")
        # the page's scripts are running once the live feed says hello: only then does the switch act
        expect(agent.locator("body[data-live='on']")).to_be_attached(timeout=15000)
        agent.locator("#presence-switch").select_option("available")
        expect(agent.locator(".inbox[data-presence='available']")).to_be_attached(timeout=15000)
        save_screenshot(agent, "flow-desktop-available")

        # the supervisor watches the wallboard
        supervisor = _log_in(supervisor_context, base, SUPERVISOR)
        expect(supervisor).to_have_url(f"{base}/wallboard")
        expect(supervisor.locator("body[data-live='on']")).to_be_attached()
        received_before = _chat_figure(supervisor, "received")

        # Anna opens the site chat, confirms her e-mail with the mailed code, and complains
        visitor = visitor_context.new_page()
        visitor.goto(f"{base}/webchat/{_webchat_channel_id(container)}/demo")
        visitor.get_by_role("button", name="Chat with us").click()
        prechat = visitor.locator("form.prechat")
        prechat.get_by_label("Name").fill("Анна Иванова")
        prechat.get_by_label("E-mail").fill("anna@example.com")
        prechat.get_by_role("button", name="Start chat").click()
        code_box = visitor.get_by_label("Code from the e-mail")
        expect(code_box).to_be_visible()
        code_box.fill(_mailed_code(container, "anna@example.com"))
        visitor.get_by_role("button", name="Confirm").click()
        expect(visitor.get_by_text("E-mail confirmed.")).to_be_visible()
        box = visitor.get_by_role("textbox", name="Message")
        box.fill(COMPLAINT)
        box.press("Enter")

        # the chat is offered to the agent live, without a reload
        # (her e-mail's case waits in the queue: its work now points at the chat, where she is now)
        offer = (
            agent.locator(".inbox-offer[data-kind='conversation']")
            .filter(has_text="Анна")
            .filter(has=agent.locator(".channel-webchat"))
        )
        expect(offer).to_be_visible(timeout=10000)
        save_screenshot(agent, "flow-desktop-offer")
        offer.get_by_role("button", name="Accept").click()
        expect(agent).to_have_url(re.compile(rf"{base}/desktop/conversations/[0-9a-f-]+"))
        expect(agent.locator("#work").get_by_text(COMPLAINT)).to_be_visible()

        # the customer panel shows her earlier e-mail on the cross-channel timeline
        panel = agent.locator("#customer-panel")
        expect(panel.get_by_text("Возврат за заказ №45821", exact=False).first).to_be_visible(timeout=10000)
        save_screenshot(agent, "flow-desktop-conversation")

        # the agent replies on the chat, and Anna sees it in the widget
        agent.locator("#reply-text").fill(REPLY)
        agent.locator("#reply-send").click()
        expect(agent.locator("#work").get_by_text(REPLY)).to_be_visible()
        expect(visitor.get_by_text(REPLY)).to_be_visible(timeout=10000)

        # and resolves the case
        agent.locator("[data-case-action='resolve']").click()
        expect(agent.locator("#conv-head[data-case-status='resolved']")).to_be_attached(timeout=10000)
        save_screenshot(agent, "flow-desktop-resolved")

        # the wallboard's figures moved without a reload
        chat_received = supervisor.locator(
            ".tile[data-kind='channel'][data-name='webchat'] [data-figure='received']"
        )
        expect(chat_received).to_have_text(str(int(received_before) + 1), timeout=20000)
        save_screenshot(supervisor, "flow-wallboard")
        assert agent_errors == []
    finally:
        for context in (agent_context, visitor_context, supervisor_context):
            context.close()
