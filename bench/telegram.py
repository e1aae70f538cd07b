"""Telegram benchmark: Bot API text updates through the whole webhook, in process.

    .venv/bin/python bench/telegram.py [--database-url URL] [--n 2000] [--quick]

`process_hook` from channels/hooks.py — load the channel, check X-Telegram-Bot-Api-Secret-Token,
parse the Update, ingest in one transaction, commit — for N updates after a warm-up (min(200, N/20),
not measured), against a fresh database migrated with `upgrade_database` (an SQLite file in a
temporary directory by default; on a postgresql:// server a throwaway database dropped afterwards).
Target ≥ 1,000 requests/s. A second line, `telegram_parse`, times the adapter's part alone (secret
check + Update parsing → InboundMessage, no database), to tell it apart from the pipeline's.

Workload (seed 11): private-chat text messages in English, Russian and Chinese, ~25% from users
writing for the first time, the rest from returning ones; ~5% are edits of an earlier message.
Two JSON lines on stdout; the first:
{"bench": "telegram_webhook", "backend": "sqlite", "n": 2000, "per_s": …, "p50_ms": …, "p99_ms": …}
"""

import json
import random
import sys
from datetime import UTC, datetime
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

QUICK_N = 200
DEFAULT_N = 2_000
SECRET_TOKEN = "bench-telegram-secret-token-0001"
TEXTS = (
    "Hello, where is my order #{n}? It was due yesterday.",
    "Can I change the delivery address for order {n}?",
    "Здравствуйте! Где мой заказ №{n}? Обещали доставить вчера.",
    "Курьер так и не приехал, верните деньги, пожалуйста.",
    "你好，我的退款什么时候到账？订单号 {n}。",
    "快递三天了还没到，请帮我查一下订单 {n}。",
)
FIRST_NAMES = ("Анна", "Иван", "Ольга", "John", "Mary", "芳", "伟")


def workload(n: int) -> list[bytes]:
    """N update bodies as Telegram would POST them."""
    rng = random.Random(11)
    users: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    base = int(datetime(2026, 11, 23, tzinfo=UTC).timestamp())
    bodies = []
    for index in range(n):
        if sent and rng.random() < 0.05:
            original = rng.choice(sent)
            edited = original | {"text": original["text"] + " (upd)", "edit_date": base + index}
            bodies.append({"update_id": 500_000_000 + index, "edited_message": edited})
            continue
        if not users or rng.random() < 0.25:
            user_id = 100_000_000 + len(users)
            users.append({"id": user_id, "is_bot": False, "first_name": rng.choice(FIRST_NAMES)})
        user = rng.choice(users)
        message = {
            "message_id": index + 1,
            "from": user,
            "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            "date": base + index,
            "text": rng.choice(TEXTS).format(n=rng.randrange(10_000, 99_999)),
        }
        sent.append(message)
        bodies.append({"update_id": 500_000_000 + index, "message": message})
    return [json.dumps(body, ensure_ascii=False).encode() for body in bodies]


def run(url: str, n: int) -> list[dict[str, Any]]:
    config = {"bot_token": "7000000001:AAbench-token-not-a-real-one-00000", "secret_token": SECRET_TOKEN}
    container, channel = bench_channel(url, "telegram", config, name="Bench bot")
    warm = warmup_count(n)
    requests = [
        HookRequest(
            method="POST",
            subpath="",
            url=f"https://bench.example/hooks/{channel.id}",
            headers={"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET_TOKEN},
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
        {"bench": "telegram_webhook", "backend": backend_of(url), "n": n} | webhook,
        {"bench": "telegram_parse", "backend": "none", "n": n} | parse_only,
    ]


def _stored(request: HookRequest, outcome: HookOutcome) -> None:
    _, results = outcome
    if len(results) != 1:
        raise SystemExit(f"an update was not stored: {request.body[:200]!r}")


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__, argv, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="updates to measure (after a warm-up)"
    )
    with throwaway_database(args.database_url, label="telegram") as url:
        progress(f"telegram webhook: {args.n} updates on {backend_of(url)}")
        for result in run(url, args.n):
            emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
