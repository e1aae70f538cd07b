"""The real server process and Debian's headless Chromium, for tests that use the pages in a browser.

Never `playwright install`: the browser comes from the system (`apt-get install chromium`), which the
Makefile/CI set-up installs. Without it these tests fail, they do not skip.

Use in a test module:
    server = server_fixture("desktop")      # a module-scoped fixture: the base URL of `omniline serve`
    browser = browser_fixture()             # a module-scoped Playwright Browser
Screenshots for review go to `var/screenshots/` (ignored by git): `save_screenshot(page, "inbox")`.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from omniline.channels.signing import sign_body
from tests.conftest import TEST_SECRET_KEY
from tests.support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    database_url: str, log_path: Path, **env_overrides: str
) -> tuple[subprocess.Popen[bytes], str]:
    """`omniline serve` on a free port against the tests' database; returns once /healthz answers."""
    port = free_port()
    env = os.environ | {
        "OMNILINE_DATABASE_URL": database_url,
        "OMNILINE_ENVIRONMENT": "production",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
        "OMNILINE_PORT": str(port),
        "OMNILINE_LOG_LEVEL": "warning",
        **env_overrides,
    }
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "omniline", "serve"], env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a busy 2-core machine has been seen to take 25 s
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError("the server did not come up:\n" + log_path.read_text())
        time.sleep(0.1)


def server_fixture(name: str, **env_overrides: str) -> Callable[..., Iterator[str]]:
    """A module-scoped fixture: one server process; each test's own tenant and rows live in the shared
    database (the `container` fixture empties it after each test)."""

    @pytest.fixture(scope="module")
    def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        log_path = tmp_path_factory.mktemp(f"{name}-server") / "server.log"
        process, base = start_server(database_url, log_path, **env_overrides)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)

    return server


def browser_fixture() -> Callable[..., Iterator[Browser]]:
    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        if not os.path.exists(CHROMIUM):
            pytest.fail(
                f"{CHROMIUM} is missing: install chromium: make test does it (apt-get install chromium)"
            )
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield launched
            finally:
                launched.close()

    return browser


def save_screenshot(page: Page, name: str) -> None:
    """A full-page screenshot into var/screenshots/ for people to review (the run keeps the latest)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def watch_page_errors(page: Page) -> list[Any]:
    """Collect the page's script errors and console errors (a test asserts the list stays empty)."""
    problems: list[Any] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None,
    )
    return problems


def log_in(
    page: Page, server: str, email: str, *, password: str | None = None, landing: str = "/desktop"
) -> None:
    """Log in through the login form as a person would, and wait for the page the login leads to
    (`landing`, also passed as `next`), with its live feed connected when it has one."""
    page.goto(f"{server}/login?next={landing}")
    page.fill("input[name=email]", email)  # by name: the form may be in any of the three languages
    page.fill("input[name=password]", password or PASSWORD)
    page.click("form.login-card button[type=submit]")
    page.wait_for_url(f"{server}{landing}")


def post_signed(server: str, channel: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """An `api`-channel message through the server process's own hook (so its live feed tells the
    open pages), signed with the channel's secret; the hook's 202 answer."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    response = httpx.post(
        f"{server}/hooks/{channel['id']}",
        content=raw,
        headers={
            "X-Omniline-Signature": sign_body(channel["secret"], raw),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 202, response.text
    return dict(response.json())
