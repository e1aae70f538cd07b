"""SMS benchmark: Twilio inbound webhooks through the whole hook, in process.

    .venv/bin/python bench/sms.py [--database-url URL] [--n 2000] [--quick]

`sms_webhook`: N signed inbound-SMS form posts, each through `process_hook` from channels/hooks.py —
load the channel, check X-Twilio-Signature over the public URL, parse the form, ingest in one
transaction (dedupe, customer, conversation, case, message, timeline), STOP/START bookkeeping,
commit — against a fresh database migrated with `upgrade_database` (an SQLite file in a temporary
directory by default; on a postgresql:// server a throwaway database dropped afterwards). The
requests are built and signed in advance (that is Twilio's work). Target ≥ 1,000 requests/s.

Workload (seed 11): ~30% of texts from new numbers, the rest from returning ones; English, Russian
and Chinese bodies; ~2% STOP or START. Also `sms_verify_parse`: the adapter's own share (signature,
form, normalisation; no database), and `sms_segments`: the pure segment count per outbound text.
"""

import argparse
import random
import secrets
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from _support import backend_of, emit, latency_summary, sqlalchemy_url, throwaway_database
from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container, bootstrap
from omniline.channels.base import ChannelInfo, HookRequest
from omniline.channels.hooks import process_hook
from omniline.channels.service import channel_info, create_channel
from omniline.channels.sms.segments import count_segments
from omniline.channels.sms.signature import compute_twilio_signature
from omniline.db.migrate import upgrade_database
from omniline.settings import Settings

QUICK_N = 300
DEFAULT_N = 2_000
PUBLIC_URL = "https://omniline.bench.example"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
TEXTS = (
    "Hello, where is my order #{n}? It was due yesterday.",
    "Здравствуйте! Где мой заказ №{n}? Курьер не приехал.",
    "你好，我的退款什么时候到账？订单号 {n}。",
    "Can I change the delivery address for order {n}?",
    "Верните деньги за заказ {n}, пожалуйста.",
)


def prepare(url: str, kind: str, config: dict[str, Any]) -> tuple[Container, ChannelInfo]:
    """Migrate the database; a tenant and one channel of `kind`, created through the services."""
    upgrade_database(sqlalchemy_url(url))
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(32), public_url=PUBLIC_URL)
    container = bootstrap(settings)
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench / Бенч / 基准")
        uow.session.flush()
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind=kind,
            name="Bench",
            config=config,
            actor="bench",
        )
        uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return container, info


def signed_form(channel: ChannelInfo, params: dict[str, str], subpath: str = "") -> HookRequest:
    url = f"{PUBLIC_URL}/hooks/{channel.id}" + (f"/{subpath}" if subpath else "")
    return HookRequest(
        method="POST",
        subpath=subpath,
        url=url,
        headers={
            "x-twilio-signature": compute_twilio_signature(AUTH_TOKEN, url, params.items()),
            "content-type": "application/x-www-form-urlencoded",
        },
        query={},
        body=urlencode(params).encode(),
    )


def workload(channel: ChannelInfo, n: int) -> list[HookRequest]:
    rng = random.Random(11)
    numbers: list[str] = []
    requests = []
    for _ in range(n):
        if not numbers or rng.random() < 0.30:
            numbers.append(f"+7916{rng.randrange(10**7):07d}")
            sender = numbers[-1]
        else:
            sender = rng.choice(numbers)
        roll = rng.random()
        body = (
            "STOP"
            if roll < 0.01
            else "START"
            if roll < 0.02
            else rng.choice(TEXTS).format(n=rng.randrange(10**5))
        )
        sid = f"SM{uuid.uuid4().hex}"
        params = {
            "ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
            "Body": body, "FromCountry": "RU", "To": "+15005550006", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01",
        }  # fmt: skip
        requests.append(signed_form(channel, params))
    return requests


def run_hooks(
    container: Container, channel: ChannelInfo, requests: list[HookRequest], warm: int
) -> tuple[list[float], float, float]:
    for request in requests[:warm]:
        process_hook(container, channel.id, request)
    latencies: list[float] = []
    clock = time.perf_counter
    started, cpu_started = clock(), time.process_time()
    for request in requests[warm:]:
        began = clock()
        process_hook(container, channel.id, request)
        latencies.append(clock() - began)
    return latencies, clock() - started, time.process_time() - cpu_started


def run_webhook(url: str, n: int) -> dict[str, Any]:
    config = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+15005550006"}
    container, channel = prepare(url, "sms", config)
    warm = min(200, max(10, n // 20))
    try:
        latencies, wall, cpu = run_hooks(container, channel, workload(channel, warm + n), warm)
    finally:
        container.close()
    return (
        {"bench": "sms_webhook", "backend": backend_of(url), "n": n}
        | latency_summary(latencies, wall)
        | {"cpu_ms": round(cpu * 1000 / n, 3)}
    )


def run_parse(url: str, n: int) -> dict[str, Any]:
    """The adapter alone (signature + form + normalisation), no database: the channel's own share."""
    config = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+15005550006"}
    container, channel = prepare(url, "sms", config)
    adapter, context = container.channels.get("sms"), container.adapter_context
    requests = workload(channel, n)
    latencies: list[float] = []
    clock = time.perf_counter
    started = clock()
    try:
        for request in requests:
            began = clock()
            adapter.parse_hook(channel, request, context)
            latencies.append(clock() - began)
    finally:
        container.close()
    return {"bench": "sms_verify_parse", "backend": "none", "n": n} | latency_summary(
        latencies, clock() - started
    )


def run_segments(n: int) -> dict[str, Any]:
    rng = random.Random(5)
    texts = [rng.choice(TEXTS).format(n=index) * rng.randint(1, 8) for index in range(n)]
    latencies: list[float] = []
    clock = time.perf_counter
    started = clock()
    for text in texts:
        began = clock()
        count_segments(text)
        latencies.append(clock() - began)
    return {"bench": "sms_segments", "backend": "none", "n": n} | latency_summary(
        latencies, clock() - started
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--quick", action="store_true", help=f"a smoke run with n={QUICK_N}")
    args = parser.parse_args(argv)
    n = QUICK_N if args.quick else args.n
    with throwaway_database(args.database_url, label="sms") as url:
        emit(run_webhook(url, n))
    with throwaway_database(None, label="sms_parse") as url:
        emit(run_parse(url, n))
    emit(run_segments(n * 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
