"""The admin pages in Debian's headless Chromium against the real server: an admin creates a channel
and sees its secret once; edits a routing rule, sees the error, fixes it and saves; tries the dry run.
Markup in what the admin types shows as text and never runs."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.routing.models import RoutingPolicy
from tests.browser import browser_fixture, save_screenshot, server_fixture, watch_page_errors
from tests.support import PASSWORD, ApiWorld

pytestmark = pytest.mark.server

server = server_fixture("admin")
browser = browser_fixture()

NAME = "Приложение 应用 <img src=x onerror=alert(1)>"


@pytest.fixture
def admin_page(
    browser: Browser, server: str, world: ApiWorld, container: Container
) -> Iterator[tuple[Page, list[str]]]:
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == "admin")
        )
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/login")
    page.get_by_label("E-mail").fill(str(email))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    try:
        yield page, dialogs
    finally:
        context.close()
    # A form the server refuses answers 422 with the page showing why; Chromium logs every 4xx document.
    assert [problem for problem in problems if "status of 422" not in problem] == []


def test_an_admin_creates_a_channel_and_sees_the_secret_once(
    admin_page: tuple[Page, list[str]], container: Container
) -> None:
    page, dialogs = admin_page
    page.get_by_role("link", name="Channels").first.click()
    page.locator("#channel-kind").select_option("walkin")
    expect(page.locator("#channel-config")).to_have_value("address: 1 Main Street\ntimezone: Europe/Moscow\n")
    page.locator("#channel-kind").select_option("api")
    page.get_by_label("Name").fill(NAME)
    page.get_by_role("button", name="Create channel").click()

    expect(page.get_by_text("Copy the secret now: it will not be shown again.")).to_be_visible()
    with container.uow() as uow:
        channel = uow.session.scalars(select(Channel).where(Channel.name == NAME)).one()
        secret, channel_id = channel.secret, channel.id
    expect(page.locator("#channel-secret")).to_have_text(secret)
    expect(page.locator("h1")).to_contain_text(NAME)
    page.get_by_role("link", name="I have stored it: go to the channel").click()
    expect(page.locator("#webhook-url")).to_contain_text(f"/hooks/{channel_id}")
    assert secret not in page.content()
    page.get_by_role("link", name="Channels").first.click()
    expect(page.locator("#channel-list")).to_contain_text(NAME)
    assert secret not in page.content()
    assert dialogs == []
    save_screenshot(page, "admin-channels")


def test_an_admin_fixes_a_bad_routing_rule_saves_it_and_tries_it(
    admin_page: tuple[Page, list[str]], container: Container
) -> None:
    page, dialogs = admin_page
    page.get_by_role("link", name="Routing rules").first.click()
    editor = page.get_by_label("Routing policy YAML")
    good = (
        "settings: {default_queue: general}\nrules:\n"
        "  - name: vip-first\n    when: {customer_tier: [vip]}\n    then: {queue: priority, priority: 10}\n"
    )
    editor.fill(good.replace("customer_tier", "tier"))
    page.get_by_role("button", name="Validate").click()

    expect(page.get_by_role("alert")).to_contain_text("rule 1 'vip-first': unknown condition 'tier'")
    editor = page.get_by_label("Routing policy YAML")
    editor.fill(good)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("The routing rules were saved.")).to_be_visible()
    expect(page.locator("#policy-meta")).to_contain_text("Version 1, saved by admin")
    page.get_by_label("Customer tier").fill("vip")
    page.get_by_role("button", name="Try").click()
    expect(page.locator("#dry-run-result")).to_contain_text("Rule vip-first fires")
    expect(page.locator("#dry-run-result")).to_contain_text("queue: priority")
    with container.uow() as uow:
        row = uow.session.scalars(select(RoutingPolicy)).one()
        assert (row.version, [rule["name"] for rule in row.rules]) == (1, ["vip-first"])
    assert dialogs == []
    save_screenshot(page, "admin-routing")
