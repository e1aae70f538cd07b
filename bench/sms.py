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

import random
import sys
import uuid
from typing import Any
from urllib.parse import urlencode

from _support import (
    backend_of,
    bench_args,
    bench_channel,
    emit,
    throwaway_database,
    time_each,
    time_hooks,
    time_parse,
    warmup_count,
)
from omniline.channels.base import ChannelInfo, HookRequest
from omniline.channels.sms.segments import count_segments
from omniline.channels.sms.signature import compute_twilio_signature

QUICK_N = 300
DEFAULT_N = 2_000
PUBLIC_URL = "https://omniline.bench.example"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
CONFIG = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+15005550006"}
TEXTS = (
    "Hello, where is my order #{n}? It was due yesterday.",
    "Здравствуйте! Где мой заказ №{n}? Курьер не приехал.",
    "你好，我的退款什么时候到账？订单号 {n}。",
    "Can I change the delivery address for order {n}?",
    "Верните деньги за заказ {n}, пожалуйста.",
)


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


def run_webhook(url: str, n: int) -> dict[str, Any]:
    container, channel = bench_channel(url, "sms", CONFIG, public_url=PUBLIC_URL)
    warm = warmup_count(n)
    try:
        timed = time_hooks(container, channel, workload(channel, warm + n), warm=warm, cpu=True)
    finally:
        container.close()
    return {"bench": "sms_webhook", "backend": backend_of(url), "n": n} | timed


def run_parse(url: str, n: int) -> dict[str, Any]:
    """The adapter alone (signature + form + normalisation), no database: the channel's own share."""
    container, channel = bench_channel(url, "sms", CONFIG, public_url=PUBLIC_URL)
    try:
        timed = time_parse(container, channel, workload(channel, n))
    finally:
        container.close()
    return {"bench": "sms_verify_parse", "backend": "none", "n": n} | timed


def run_segments(n: int) -> dict[str, Any]:
    rng = random.Random(5)
    texts = [rng.choice(TEXTS).format(n=index) * rng.randint(1, 8) for index in range(n)]
    return {"bench": "sms_segments", "backend": "none", "n": n} | time_each(texts, count_segments)


def main(argv: list[str] | None = None) -> int:
    args = bench_args(__doc__, argv, default_n=DEFAULT_N, quick_n=QUICK_N)
    with throwaway_database(args.database_url, label="sms") as url:
        emit(run_webhook(url, args.n))
    with throwaway_database(None, label="sms_parse") as url:
        emit(run_parse(url, args.n))
    emit(run_segments(args.n * 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
