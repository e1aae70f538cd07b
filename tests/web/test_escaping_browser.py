"""Markup a customer sent is text in a real browser too: Debian's headless Chromium against the real
server process opens the conversation page and the customer page of a customer whose name, subject,
text and attachment file name carry script, event-handler and template payloads (mails handed to
receive_mail as the SMTP listener does, an HTML-only one beside them). No dialog opens, no script error
is logged, the texts are visible as written, and no element the payloads describe exists in the DOM.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`).
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from omniline.bootstrap import Container
from omniline.settings import Settings
from tests.browser import (
    browser_fixture,
    log_in,
    save_screenshot,
    server_fixture,
    watch_page_errors,
)
from tests.support import ApiWorld
from tests.web.escaping_support import (
    EMAIL_NAME,
    FILENAME,
    SUBJECT,
    TEMPLATE,
    TEXT,
    Scene,
    escaping_settings,
    send_through,
    tenant_slug,
)

pytestmark = pytest.mark.server

server = server_fixture("escaping")
browser = browser_fixture()

# Elements the payloads would create if they were markup, and scripts that are not our files.
INJECTED = "img[src=x], svg[onload], img[onerror], script:not([src]):not([type='application/json'])"


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return escaping_settings(database_url, tmp_path_factory)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1600, "height": 1000})
    yield context.new_page()
    context.close()


def assert_shown_as_text(page: Page, where: str) -> None:
    """Every field is visible as the customer wrote it; nothing the payloads describe was built."""
    for text in (EMAIL_NAME, SUBJECT, TEXT, FILENAME):
        expect(page.locator(where).get_by_text(text).first).to_be_visible()
    assert page.locator(INJECTED).count() == 0
    assert TEMPLATE in page.locator(where).inner_text()  # shown literally, never evaluated to 49


def test_markup_in_a_customers_mail_is_visible_text_that_never_runs(
    page: Page, server: str, world: ApiWorld, container: Container
) -> None:
    # given a customer mailed markup in the From name, the subject, the text and a file name
    sent = send_through(Scene(world, container, mail_door="receive"), "email")
    conversation_id = sent.stored[0].conversation_id
    problems = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # when the agent opens the conversation (its customer panel is filled by the page's script)
    path = f"/desktop/conversations/{conversation_id}"
    log_in(page, server, f"agent@{tenant_slug(container, world.tenant_id)}.test", landing=path)
    expect(page.locator("#customer-panel").get_by_text(TEXT, exact=True).first).to_be_visible()

    # then everything is visible text in the conversation and in the panel
    assert_shown_as_text(page, "#work")
    assert_shown_as_text(page, "#customer-panel")
    save_screenshot(page, "escaping-conversation")

    # and on the customer page
    page.goto(f"{server}/desktop/customers/{sent.customer_id}")
    expect(page.locator("#customer-panel").get_by_text(TEXT, exact=True).first).to_be_visible()
    expect(page.locator("#customer-title-name")).to_have_text(EMAIL_NAME)
    assert_shown_as_text(page, "#customer-panel")
    save_screenshot(page, "escaping-customer")

    assert dialogs == []
    assert problems == []
