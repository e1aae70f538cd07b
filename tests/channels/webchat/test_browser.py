"""The widget in a real headless Chromium (Debian's `chromium` package) against the real server
process: a visitor writes, an agent answers through the API, the page shows it, a reload keeps the
history; markup from either side is shown as text and never runs.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`), which the
Makefile/CI set-up installs. Without it these tests fail, they do not skip.
"""

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.service import create_channel
from omniline.messages.models import Message
from tests.browser import browser_fixture, server_fixture
from tests.support import ApiWorld

pytestmark = pytest.mark.server

server = server_fixture("webchat")
browser = browser_fixture()


@pytest.fixture
def chat_channel(container: Container, world: ApiWorld, server: str) -> dict[str, Any]:
    with container.uow() as uow:
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=world.tenant_id,
            kind="webchat",
            name="Site chat",
            config={"allowed_origins": [server]},
            actor="test",
        )
        uow.commit()
        return {"id": str(channel.id), "secret": channel.secret}


def _open_chat(page: Page, url: str, dialogs: list[str]) -> None:
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".log")).to_be_visible()


def _send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    # acknowledged by the server: the bubble carries the stored message's id
    expect(page.locator(".msg.in[data-id]").filter(has_text=text).first).to_be_attached()


def _reply(server: str, world: ApiWorld, container: Container, text: str) -> None:
    with container.uow() as uow:
        conversation_id = uow.session.scalars(
            select(Message.conversation_id).where(Message.channel_kind == "webchat")
        ).first()
    answer = httpx.post(
        f"{server}/api/v1/conversations/{conversation_id}/messages",
        json={"text": text},
        headers=world.agent_headers,
    )
    assert answer.status_code == 201, answer.text


def _bodies(page: Page) -> list[str]:
    return [
        str(item) for item in page.locator(".msg .body").evaluate_all("els => els.map(e => e.textContent)")
    ]


def test_a_visitor_chats_with_an_agent_and_a_reload_keeps_the_history(
    browser: Browser, server: str, chat_channel: dict[str, Any], world: ApiWorld, container: Container
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    dialogs: list[str] = []
    _open_chat(page, f"{server}/webchat/{chat_channel['id']}/demo", dialogs)
    page.get_by_role("button", name="Skip").click()

    _send(page, "Where is my order 45821? / Где мой заказ?")
    _reply(server, world, container, "It ships today. Отправим сегодня. 今天发货。")
    expect(page.locator(".msg.out .body")).to_have_text("It ships today. Отправим сегодня. 今天发货。")

    page.reload()
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".msg .body")).to_have_count(2)
    assert _bodies(page) == [
        "Where is my order 45821? / Где мой заказ?",
        "It ships today. Отправим сегодня. 今天发货。",
    ]
    # Esc closes the panel and gives the focus back to the launcher
    page.get_by_role("textbox", name="Message").press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    assert dialogs == []
    context.close()


def test_markup_from_the_visitor_and_the_agent_is_shown_as_text(
    browser: Browser, server: str, chat_channel: dict[str, Any], world: ApiWorld, container: Container
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    dialogs: list[str] = []
    _open_chat(page, f"{server}/webchat/{chat_channel['id']}/demo", dialogs)
    visitor_payloads = ["<img src=x onerror=alert('visitor')>", "<script>alert('script')</script>"]
    for payload in visitor_payloads:
        _send(page, payload)
    agent_payload = '<img src=x onerror=alert("agent")><b>bold</b>'
    _reply(server, world, container, agent_payload)
    expect(page.locator(".msg.out .body")).to_have_text(agent_payload)
    page.wait_for_timeout(300)  # time for any injected handler to have fired
    assert _bodies(page) == [*visitor_payloads, agent_payload]
    assert page.locator(".log img, .log script, .log b").count() == 0
    assert dialogs == []
    context.close()


@pytest.mark.parametrize(
    ("locale", "launcher"), [("ru-RU", "Написать нам"), ("zh-CN", "联系我们"), ("en-GB", "Chat with us")]
)
def test_the_widget_speaks_the_browsers_language(
    browser: Browser, server: str, chat_channel: dict[str, Any], locale: str, launcher: str
) -> None:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{server}/webchat/{chat_channel['id']}/demo")
    button = page.get_by_role("button", name=launcher)
    button.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    context.close()


def test_widget_script_is_served_as_javascript(server: str) -> None:
    response = httpx.get(f"{server}/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "innerHTML" not in response.text
    assert "data-channel" in response.text
