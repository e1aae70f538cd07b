"""The conversation view in Debian's headless Chromium against the real server process: an agent logs
in and opens a conversation; a message posted to the channel's hook appears without a reload (as
text, markup and all); the agent replies with Ctrl+Enter and sees it once; resolves the case.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`).
"""

import uuid

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.kernel.ids import new_id
from omniline.routing.models import Queue, Task
from omniline.taxonomy.models import Topic
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

server = server_fixture("conversation")
browser = browser_fixture()

HOSTILE = "<img src=x onerror=alert(1)> Ещё вопрос 还有问题"


def test_an_agent_sees_a_new_message_live_replies_and_resolves(
    browser: Browser, server: str, world: ApiWorld, container: Container
) -> None:
    first = post_signed(server, world.channel, app_message("m-1", ["app:anna"], "Где мой заказ 45821?"))
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == "agent")
        )
    assert email is not None
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, server, email)
    page.goto(f"{server}/desktop/conversations/{first['conversation_id']}")
    expect(page.locator("body[data-live='on']")).to_be_attached(timeout=15000)
    expect(page.locator(".bubble-text")).to_have_text(["Где мой заказ 45821?"])

    # a new inbound message arrives while the page is open
    second = post_signed(server, world.channel, app_message("m-2", ["app:anna"], HOSTILE))
    arrived = page.locator(f'.bubble[data-message-id="{second["message_id"]}"] .bubble-text')
    expect(arrived).to_have_text(HOSTILE)
    expect(page.get_by_text(HOSTILE)).to_be_visible()

    # the reply: Ctrl+Enter sends; the API's answer and the live event show it once
    box = page.get_by_role("textbox", name="Reply")
    box.fill("Отправим сегодня.\nСпасибо! 谢谢")
    box.press("Control+Enter")
    sent = page.locator(".bubble-out .bubble-text")
    expect(sent).to_have_text(["Отправим сегодня.\nСпасибо! 谢谢"])
    expect(box).to_have_value("")
    page.wait_for_timeout(300)  # time for the live echo of the reply, which must not add a second bubble
    expect(sent).to_have_count(1)

    page.get_by_role("button", name="Resolve").first.click()
    expect(page.locator(".conv-head .badge.case-resolved")).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()

    save_screenshot(page, "desktop-conversation")
    assert page.locator("#bubbles img, #bubbles script").count() == 0
    assert dialogs == []
    assert problems == []
    context.close()


def test_write_on_another_channel_offers_the_fitting_addresses(
    browser: Browser, server: str, world: ApiWorld, container: Container
) -> None:
    first = post_signed(
        server,
        world.channel,
        app_message("m-1", ["app:anna", "email:anna@example.com", "phone:+79161234567"]),
    )
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == "agent")
        )
    assert email is not None
    mailbox = httpx.post(
        f"{server}/api/v1/channels",
        json={
            "kind": "email",
            "name": "Support mail",
            "config": {"address": f"s{uuid.uuid4().hex[:6]}@shop.example"},
        },
        headers=world.admin_headers,
    )
    assert mailbox.status_code == 201, mailbox.text
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = watch_page_errors(page)
    log_in(page, server, email)
    page.goto(f"{server}/desktop/conversations/{first['conversation_id']}")

    page.get_by_text("Write on another channel").click()
    identity = page.locator("#outreach-identity")
    expect(identity).to_have_value("email:anna@example.com")  # only the e-mail fits a mailbox
    expect(page.locator("#outreach-subject-field")).to_be_visible()
    page.fill("#outreach-form input[name=subject]", "Заказ 45821")
    page.fill("#outreach-form textarea[name=text]", "Письмо с деталями.")
    page.locator("#outreach-form button[type=submit]").click()

    expect(page.locator("#outreach-result a")).to_have_text("Open that conversation")
    page.locator("#outreach-result a").click()
    expect(page.locator(".bubble-out .bubble-subject")).to_have_text("Заказ 45821")
    expect(page.locator(".bubble-out .bubble-text")).to_have_text("Письмо с деталями.")
    assert problems == []
    context.close()


def test_topic_transfer_link_and_wrap_up_from_the_case_panel(
    browser: Browser, server: str, world: ApiWorld, container: Container
) -> None:
    old = post_signed(server, world.channel, app_message("m-1", ["app:anna"], "Заказ 1", thread_id="order-1"))
    assert httpx.post(
        f"{server}/api/v1/cases/{old['case_id']}/resolve", headers=world.agent_headers
    ).is_success
    new = post_signed(server, world.channel, app_message("m-2", ["app:anna"], "Заказ 2", thread_id="order-2"))
    with container.uow() as uow:
        agent_id, email = uow.session.execute(
            select(User.id, User.email).where(User.tenant_id == world.tenant_id, User.role == "agent")
        ).one()
        uow.session.add(Topic(id=new_id(), tenant_id=world.tenant_id, code="delivery", name="Delivery"))
        uow.session.add(Queue(id=new_id(), tenant_id=world.tenant_id, name="logistics"))
        uow.session.execute(
            update(Task)
            .where(Task.case_id == uuid.UUID(new["case_id"]))
            .values(status="assigned", assigned_user_id=agent_id)
        )
        uow.commit()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = watch_page_errors(page)
    log_in(page, server, email)
    page.goto(f"{server}/desktop/conversations/{new['conversation_id']}")
    head = page.locator(".conv-head")
    expect(head.locator(".conv-case-number")).to_have_text("C-2")

    page.locator("#panel-topic summary").click()
    page.locator("#panel-topic select").select_option("delivery")
    page.locator("#panel-topic button[type=submit]").click()
    expect(head.locator(".conv-topic")).to_contain_text("Delivery")
    expect(head.locator(".conv-topic .badge.ok")).to_have_text("confirmed")
    expect(page.locator("#panel-topic")).to_have_attribute("open", "")  # the open panel stays open

    page.locator("#panel-transfer summary").click()
    page.locator("#panel-transfer select").select_option("queue:logistics")
    page.locator("#panel-transfer textarea").fill("Нужна логистика")
    page.locator("#panel-transfer button[type=submit]").click()
    expect(page.locator("#panel-transfer")).to_have_count(0)  # the task left the agent
    expect(head.locator("dd").filter(has_text="logistics")).to_have_count(1)

    page.locator("#panel-link summary").click()
    page.locator("#panel-link button[type=submit]").click()
    expect(head.locator(".conv-case-number")).to_have_text("C-1")

    page.locator("#panel-wrapup summary").click()
    expect(page.locator("#panel-wrapup input[name=resolve]")).to_be_enabled()  # the link reopened C-1
    page.locator("#panel-wrapup select").select_option("duplicate")
    page.locator("#panel-wrapup button[type=submit]").click()
    expect(page.locator(".toast-ok").filter(has_text="Wrap-up saved.")).to_be_visible()
    with container.uow() as uow:
        code = uow.session.scalar(select(Case.resolution_code).where(Case.id == uuid.UUID(old["case_id"])))
        left_behind = uow.session.execute(
            select(Case.status, Case.resolution_code).where(Case.id == uuid.UUID(new["case_id"]))
        ).one()
    assert code == "duplicate"
    assert tuple(left_behind) == ("resolved", "linked")
    assert problems == []
    context.close()
