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

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from _support import (
    HookOutcome,
    backend_of,
    bench_args,
    bench_channel,
    emit,
    progress,
    throwaway_database,
    time_hooks,
    time_parse,
    warmup_count,
)
from omniline.channels.base import HookRequest
from omniline.channels.signing import sign_body

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


def run(url: str, n: int) -> list[dict[str, Any]]:
    container, channel = bench_channel(url, "social", {}, name="Bench listening")
    warm = warmup_count(n)
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
    try:
        webhook = time_hooks(container, channel, requests, warm=warm, check=_stored)
        parse_only = time_parse(container, channel, requests[warm:])
    finally:
        container.close()
    return [
        {"bench": "social_webhook", "backend": backend_of(url), "n": n} | webhook,
        {"bench": "social_parse", "backend": "none", "n": n} | parse_only,
    ]


def _stored(request: HookRequest, outcome: HookOutcome) -> None:
    _, results = outcome
    if len(results) != 1:
        raise SystemExit(f"an event was not stored: {request.body[:200]!r}")


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__, argv, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="events to measure (after a warm-up)"
    )
    with throwaway_database(args.database_url, label="social") as url:
        progress(f"social webhook: {args.n} events on {backend_of(url)}")
        for result in run(url, args.n):
            emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
