"""The customer page, the panel and the visit form in Debian's headless Chromium against the real server:
an agent edits a name (markup stays text), merges a duplicate and undoes it; the panel follows the
customer's messages live; office staff record a visit for a customer they find.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`).
"""

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

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
from tests.web.customers_support import add_channel, receive, user_email

pytestmark = pytest.mark.server

server = server_fixture("customers")
browser = browser_fixture()

NAME_WITH_MARKUP = "Анна <img src=x onerror=alert(2)> <script>alert(1)</script> 安娜"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    assert dialogs == [], "markup ran as script"
    context.close()


def anna_and_her_duplicate(container: Container, world: ApiWorld) -> tuple[uuid.UUID, uuid.UUID]:
    mail = add_channel(container, world.tenant_id, "email", "Почта")
    anna = receive(
        container,
        uuid.UUID(world.channel["id"]),
        ["app:42", "email:anna@example.com"],
        "Оформила заказ 45821",
        name="Анна Петрова",
    )
    duplicate = receive(
        container, mail, ["email:anna.p@example.org"], "Это снова я, по заказу 45821", name="Анна П."
    )
    return anna.customer_id, duplicate.customer_id


def test_an_agent_edits_the_name_merges_a_duplicate_and_undoes_it(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    anna, _duplicate = anna_and_her_duplicate(container, world)
    problems = watch_page_errors(page)
    log_in(page, server, user_email(container, world), landing=f"/desktop/customers/{anna}")
    panel = page.locator("#customer-panel")
    expect(panel.locator(".cp-name")).to_have_text("Анна Петрова")

    # edit the name: markup is saved and shown as text, in the title and in the panel
    page.get_by_label("Name", exact=True).fill(NAME_WITH_MARKUP)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#customer-title-name")).to_have_text(NAME_WITH_MARKUP)
    expect(panel.locator(".cp-name")).to_have_text(NAME_WITH_MARKUP)
    expect(panel.locator(".tl-line").first).to_have_text("Profile edited: name")

    # merge the duplicate found by its e-mail address
    page.get_by_label("Name, phone or e-mail").fill("Anna.P@Example.org")
    page.get_by_role("button", name="Find", exact=True).click()
    page.locator("#merge-results").get_by_role("button", name="Choose").click()
    expect(page.locator("#merge-confirm .merge-name")).to_contain_text("Анна П.")
    page.get_by_label("Reason").fill("Одна и та же клиентка / 同一位客户")
    page.locator("#merge-confirm").get_by_role("button", name="Merge").click()
    page.wait_for_url(f"{server}/desktop/customers/{anna}?done=merged")
    expect(page.get_by_text("The customers were merged.")).to_be_visible()
    expect(panel.locator(".tl-text")).to_contain_text(["Это снова я, по заказу 45821"])
    save_screenshot(page, "desktop-customer")

    # and undo it
    undo = page.locator(".unmerge-form")
    undo.get_by_placeholder("Why undo it?").fill("Ошибка: это разные люди")
    undo.get_by_role("button", name="Undo merge").click()
    page.wait_for_url(f"{server}/desktop/customers/{anna}?done=unmerged")
    expect(page.get_by_text("The merge was undone")).to_be_visible()
    expect(panel.locator(".tl-text", has_text="Это снова я")).to_have_count(0)
    assert problems == []


def test_the_panel_shows_a_message_from_another_channel_as_it_arrives(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    anna, _duplicate = anna_and_her_duplicate(container, world)
    problems = watch_page_errors(page)
    log_in(page, server, user_email(container, world), landing=f"/desktop/customers/{anna}")
    expect(page.locator("body[data-live='on']")).to_be_attached()

    body = app_message("m-live", ["app:42"], "Новое сообщение <b>из приложения</b> 新消息")
    post_signed(server, world.channel, body)

    expect(page.locator("#customer-panel .tl-text").first).to_have_text(
        "Новое сообщение <b>из приложения</b> 新消息", timeout=5000
    )
    assert problems == []


def test_office_staff_record_a_visit_for_a_customer_they_find(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    anna, _duplicate = anna_and_her_duplicate(container, world)
    add_channel(container, world.tenant_id, "walkin", "Офис на Тверской", address="Москва")
    problems = watch_page_errors(page)
    log_in(page, server, user_email(container, world), landing="/desktop/visits/new")

    page.get_by_label("Find by name, phone or e-mail").fill("anna@example.com")
    page.get_by_role("button", name="Find", exact=True).click()
    page.locator("#visit-results").get_by_role("button", name="Choose").click()
    expect(page.locator(".visit-chosen-name")).to_have_text("Анна Петрова")
    page.get_by_label("What the customer wanted and what was done").fill("Забрала заказ 45821 <b>лично</b>")
    page.get_by_label("Resolved on the spot").check()
    save_screenshot(page, "desktop-visit")
    page.get_by_role("button", name="Record the visit").click()

    page.wait_for_url(f"{server}/desktop/customers/{anna}?done=visit")
    expect(page.get_by_text("The visit was recorded.")).to_be_visible()
    visit = page.locator("#customer-panel .tl-message", has_text="Забрала заказ")
    expect(visit.locator(".tl-label")).to_have_text("Office visit")
    expect(visit.locator(".tl-text")).to_have_text("Забрала заказ 45821 <b>лично</b>")
    assert problems == []
