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
One JSON line on stdout:
{"bench": "telegram_webhook", "backend": "sqlite", "n": 2000, "per_s": …, "p50_ms": …, "p99_ms": …}
"""

import argparse
import json
import random
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime
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
from omniline.channels.base import HookRequest
from omniline.channels.hooks import process_hook
from omniline.channels.service import create_channel, load_channel_info
from omniline.db.migrate import upgrade_database
from omniline.settings import Settings

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


def prepare(url: str) -> tuple[Container, uuid.UUID]:
    upgrade_database(sqlalchemy_url(url))
    container = bootstrap(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench / Бенч / 基准")
        uow.session.flush()
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="telegram",
            name="Bench bot",
            config={
                "bot_token": "7000000001:AAbench-token-not-a-real-one-00000",
                "secret_token": SECRET_TOKEN,
            },
            actor="bench",
        )
        uow.commit()
        return container, channel.id


def run(url: str, n: int) -> list[dict[str, Any]]:
    container, channel_id = prepare(url)
    warm = min(200, max(10, n // 20))
    requests = [
        HookRequest(
            method="POST",
            subpath="",
            url=f"https://bench.example/hooks/{channel_id}",
            headers={"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET_TOKEN},
            query={},
            body=body,
        )
        for body in workload(warm + n)
    ]
    clock = time.perf_counter
    try:
        for request in requests[:warm]:
            process_hook(container, channel_id, request)
        latencies: list[float] = []
        started = clock()
        for request in requests[warm:]:
            began = clock()
            _, results = process_hook(container, channel_id, request)
            latencies.append(clock() - began)
            if len(results) != 1:
                raise SystemExit(f"an update was not stored: {request.body[:200]!r}")
        wall = clock() - started
        with container.uow() as uow:
            channel = load_channel_info(uow.session, channel_id)
        parse_only = time_parse(container, channel, requests[warm:])
    finally:
        container.close()
    webhook = {"bench": "telegram_webhook", "backend": backend_of(url), "n": n}
    return [
        webhook | latency_summary(latencies, wall),
        {"bench": "telegram_parse", "backend": "none", "n": n} | parse_only,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="updates to measure (after a warm-up)")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run with n={QUICK_N}")
    args = parser.parse_args(argv)
    n = QUICK_N if args.quick else args.n
    with throwaway_database(args.database_url, label="telegram") as url:
        progress(f"telegram webhook: {n} updates on {backend_of(url)}")
        for result in run(url, n):
            emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
