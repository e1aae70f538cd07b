"""How long an inbound message takes to reach the agent's open page.

The real server runs as its own process (production settings); Debian's headless Chromium logs in as an
agent through the login form and opens the conversation on the desktop. Each round posts one signed
message to the `api` channel's hook and waits until the page shows it; the latency is from just before
the POST to the moment a MutationObserver in the page sees the message's text added (both clocks are
this machine's wall clock). Messages are sent one at a time, so each measures a quiet system.

Target (issue 6): p99 < 300 ms.

    .venv/bin/python bench/desktop_latency.py [--n 200] [--database-url postgresql://…]
"""

import json
import secrets
import sys
import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

from _support import (
    backend_of,
    bench_args,
    emit,
    free_port,
    latency_summary,
    progress,
    running_server,
    sqlalchemy_url,
    throwaway_database,
    warmup_count,
)
from omniline.accounts.service import create_tenant, create_user
from omniline.bootstrap import bootstrap
from omniline.channels.service import create_channel
from omniline.channels.signing import sign_body
from omniline.db.migrate import upgrade_database
from omniline.settings import Settings

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
AGENT_EMAIL = "agent@bench.test"
PASSWORD = "bench-password-1"
# Records when each text first appears in the page (Date.now(), the wall clock the script also uses).
OBSERVER = """
() => {
  window.__seen = {};
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) {
      for (const node of record.addedNodes) {
        const found = (node.textContent || "").match(/bench-[0-9]+-[a-f0-9]+/g) || [];
        for (const marker of found) if (!(marker in window.__seen)) window.__seen[marker] = now;
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}
"""


def _prepare(url: str, secret_key: str) -> dict[str, str]:
    """A tenant with an agent and an `api` channel; one message opens the conversation the page shows."""
    upgrade_database(sqlalchemy_url(url))
    container = bootstrap(Settings(database_url=url, secret_key=secret_key))
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench")
        uow.session.flush()
        create_user(uow.session, tenant_id=tenant.id, email=AGENT_EMAIL, password=PASSWORD, role="agent")
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="api",
            name="App",
            config={},
            actor="bench",
        )
        uow.commit()
        info = {"id": str(channel.id), "secret": channel.secret}
    container.close()
    return info


def _body(marker: str) -> bytes:
    body = {
        "external_id": marker,
        "sender": {"identities": ["app:bench-customer"], "name": "Анна"},
        "text": f"Где мой заказ? {marker} 我的订单在哪里？",
        "sent_at": "2026-11-24T10:00:00+00:00",
    }
    return json.dumps(body, ensure_ascii=False).encode()


def _post(client: httpx.Client, base: str, channel: dict[str, str], raw: bytes) -> dict[str, Any]:
    response = client.post(
        f"{base}/hooks/{channel['id']}",
        content=raw,
        headers={
            "X-Omniline-Signature": sign_body(channel["secret"], raw),
            "Content-Type": "application/json",
        },
    )
    if response.status_code != 202:
        raise SystemExit(f"the hook answered {response.status_code}: {response.text}")
    result: dict[str, Any] = response.json()
    return result


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", AGENT_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desktop**")


def run(url: str, n: int) -> dict[str, Any]:
    secret_key = secrets.token_urlsafe(32)
    channel = _prepare(url, secret_key)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        running_server(url, port, secret_key=secret_key),
        httpx.Client(timeout=10) as client,
        sync_playwright() as playwright,
    ):
        first = _post(client, base, channel, _body(f"bench-0-{uuid.uuid4().hex[:8]}"))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        _log_in(page, base)
        page.goto(f"{base}/desktop/conversations/{first['conversation_id']}")
        page.wait_for_selector("body[data-live='on']", timeout=15000)
        page.evaluate(OBSERVER)
        latencies: list[float] = []
        warm = warmup_count(n)
        started = time.perf_counter()
        for round_number in range(1, n + warm + 1):
            marker = f"bench-{round_number}-{uuid.uuid4().hex[:8]}"
            sent_ms = time.time() * 1000
            _post(client, base, channel, _body(marker))
            page.wait_for_function(f"() => '{marker}' in window.__seen", timeout=10000)
            seen_ms = page.evaluate(f"() => window.__seen['{marker}']")
            if round_number > warm:
                latencies.append(max(0.0, (seen_ms - sent_ms) / 1000))
            if round_number % 50 == 0:
                progress(f"{round_number}/{n + warm}")
        wall = time.perf_counter() - started
        browser.close()
    summary = latency_summary(latencies, wall)
    summary.pop("per_s")
    return {
        "bench": "desktop_message_to_page",
        "backend": backend_of(url),
        "n": len(latencies),
        **summary,
        "max_ms": round(max(latencies) * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = bench_args(__doc__, argv, default_n=200, quick_n=20)
    with throwaway_database(args.database_url, label="desktop") as url:
        emit(run(url, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
