"""Social benchmark: signed listening-integration events through the whole webhook, in process.

    .venv/bin/python bench/social.py [--database-url URL] [--n 2000] [--quick]

`process_hook` from channels/hooks.py — load the channel, check `X-Omniline-Signature`, validate the
event, ingest in one transaction, commit — for N events after a warm-up (min(200, N/20), not
measured), on a fresh database migrated with `upgrade_database` (an SQLite file in a temporary
directory by default; on a postgresql:// server a throwaway database dropped afterwards).
Target ≥ 1,000 requests/s. `social_parse` times the adapter alone (signature + validation).

Workload (seed 13): public posts and comments on weibo, vk and twitter in Chinese, Russian and
English, ~30% from new authors, ~40% comments under an earlier post of the same author.
"""

import argparse
import json
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _support import (
    backend_of,
    emit,
    latency_summary,
    progress,
    sqlalchemy_url,
    throwaway_database,
    time_parse,
)
from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container, bootstrap
from omniline.channels.base import ChannelInfo, HookRequest
from omniline.channels.hooks import process_hook
from omniline.channels.service import channel_info, create_channel
from omniline.channels.signing import sign_body
from omniline.db.migrate import upgrade_database
from omniline.settings import Settings

QUICK_N = 200
DEFAULT_N = 2_000
TEXTS = {
    "weibo": (
        "@演示商店 快递三天了还没到，订单 {n}。",
        "客服电话一直打不通！",
        "退款什么时候到账？订单号 {n}",
    ),
    "vk": ("Где мой заказ №{n}? Обещали вчера.", "Спасибо за быструю доставку!", "Курьер не приехал."),
    "twitter": ("@demoshop where is my order #{n}?", "Charged twice for {n}, please help.", "Thanks!"),
}


def workload(n: int) -> list[bytes]:
    rng = random.Random(13)
    authors: list[tuple[str, str]] = []
    posts: dict[tuple[str, str], str] = {}
    base = datetime(2026, 11, 23, tzinfo=UTC)
    bodies = []
    for index in range(n):
        if not authors or rng.random() < 0.30:
            network = rng.choice(tuple(TEXTS))
            authors.append((network, f"user_{len(authors)}"))
        network, handle = rng.choice(authors)
        post_id = f"P{index}"
        root = posts.get((network, handle)) if rng.random() < 0.40 else None
        posts.setdefault((network, handle), post_id)
        event: dict[str, Any] = {
            "network": network,
            "event_id": f"e{index}",
            "author": {"handle": handle, "name": handle.title()},
            "post_id": post_id,
            "url": f"https://{network}.example/{handle}/{post_id}",
            "text": rng.choice(TEXTS[network]).format(n=rng.randrange(10_000, 99_999)),
            "posted_at": (base + timedelta(seconds=index)).isoformat(),
            "public": True,
        }
        if root is not None:
            event["in_reply_to"] = root
        bodies.append(json.dumps(event, ensure_ascii=False).encode())
    return bodies


def prepare(url: str) -> tuple[Container, ChannelInfo]:
    upgrade_database(sqlalchemy_url(url))
    container = bootstrap(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench / Бенч / 基准")
        uow.session.flush()
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="social",
            name="Bench listening",
            config={},
            actor="bench",
        )
        uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return container, info


def run(url: str, n: int) -> list[dict[str, Any]]:
    container, channel = prepare(url)
    warm = min(200, max(10, n // 20))
    requests = [
        HookRequest(
            method="POST",
            subpath="",
            url=f"https://bench.example/hooks/{channel.id}",
            headers={
                "content-type": "application/json",
                "x-omniline-signature": sign_body(channel.secret, body),
            },
            query={},
            body=body,
        )
        for body in workload(warm + n)
    ]
    clock = time.perf_counter
    try:
        for request in requests[:warm]:
            process_hook(container, channel.id, request)
        latencies: list[float] = []
        started = clock()
        for request in requests[warm:]:
            began = clock()
            _, results = process_hook(container, channel.id, request)
            latencies.append(clock() - began)
            if len(results) != 1:
                raise SystemExit(f"an event was not stored: {request.body[:200]!r}")
        wall = clock() - started
        parse_only = time_parse(container, channel, requests[warm:])
    finally:
        container.close()
    return [
        {"bench": "social_webhook", "backend": backend_of(url), "n": n} | latency_summary(latencies, wall),
        {"bench": "social_parse", "backend": "none", "n": n} | parse_only,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="events to measure (after a warm-up)")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run with n={QUICK_N}")
    args = parser.parse_args(argv)
    n = QUICK_N if args.quick else args.n
    with throwaway_database(args.database_url, label="social") as url:
        progress(f"social webhook: {n} events on {backend_of(url)}")
        for result in run(url, n):
            emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
