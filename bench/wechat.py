"""WeChat benchmark: safe-mode decryption + XML parsing, and the whole webhook in process.

    .venv/bin/python bench/wechat.py [--database-url URL] [--n 5000] [--mode crypto|webhook|all] [--quick]

- crypto (`wechat_decrypt_parse`): for N pre-encrypted callbacks, what the adapter does before the
  database: parse the envelope, check `msg_signature`, AES-decrypt, parse the inner XML with
  defusedxml and normalise it to an InboundMessage. No database. Target ≥ 5,000 messages/s.
- webhook (`wechat_webhook`, one line per mode `plain` and `safe`): `process_hook` from
  channels/hooks.py — load the channel, verify, (decrypt,) parse, ingest in one transaction, commit —
  against a fresh database migrated with `upgrade_database` (an SQLite file in a temporary directory
  by default; on a postgresql:// server a throwaway database that is dropped afterwards).
  Target ≥ 1,000 requests/s.

Workload (seed 7): followers' callbacks of every kind — ~70% text (English, Russian, Chinese), then
images, voice with recognition, locations, links and subscribe events — ~25% from new followers and
the rest from returning ones. One JSON line per result on stdout, with `cpu_ms` (this process's
CPU time per item) beside the wall-clock `per_s`, since the machine's 2 cores are often shared.
"""

import random
import secrets
import sys
import uuid
from dataclasses import dataclass
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
    time_each,
    time_hooks,
    warmup_count,
)
from omniline.channels.base import HookRequest
from omniline.channels.wechat.config import decode_aes_key
from omniline.channels.wechat.crypto import decrypt_message, encrypt_message
from omniline.channels.wechat.inbound import inbound_message
from omniline.channels.wechat.parsing import parse_fields
from omniline.channels.wechat.signature import signature_matches, wechat_signature

QUICK_N = 300
DEFAULT_N = 5_000
TOKEN = "benchToken2026"
APP_ID = "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
TEXTS = (
    "Hello, where is my order #{n}? It was due yesterday.",
    "The app charged me twice for subscription {n}, please refund one payment.",
    "Здравствуйте! Где мой заказ №{n}? Обещали доставить вчера.",
    "Курьер так и не приехал, верните деньги, пожалуйста.",
    "你好，我的退款什么时候到账？订单号 {n}。",
    "我在小程序下单了空气净化器（订单 {n}），付款成功但一直显示“待付款”。",
    "请问门店几点关门？",
)


@dataclass(frozen=True)
class Callback:
    xml: bytes  # the plain callback body
    timestamp: str
    nonce: str


def workload(n: int) -> list[Callback]:
    rng = random.Random(7)
    followers: list[str] = []
    base = int(datetime(2026, 11, 23, tzinfo=UTC).timestamp())
    items = []
    for index in range(n):
        if not followers or rng.random() < 0.25:
            followers.append("oBench" + secrets.token_urlsafe(16).replace("-", "x").replace("_", "y"))
            openid = followers[-1]
        else:
            openid = rng.choice(followers)
        created = base + index
        items.append(Callback(_xml(rng, openid, created, index), str(created), str(rng.randrange(10**9))))
    return items


def _xml(rng: random.Random, openid: str, created: int, index: int) -> bytes:
    roll = rng.random()
    head = (
        f"<xml><ToUserName><![CDATA[gh_3f9c1a7b2d4e]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
    )
    msg_id = f"<MsgId>{24_000_000_000_000_000 + index}</MsgId>"
    if roll < 0.70:
        text = rng.choice(TEXTS).format(n=rng.randrange(10_000, 99_999))
        body = f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>{msg_id}"
    elif roll < 0.78:
        body = (
            "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://mmbiz.qpic.cn/bench.jpg]]></PicUrl>"
            f"<MediaId><![CDATA[media_{index}]]></MediaId>{msg_id}"
        )
    elif roll < 0.84:
        body = (
            f"<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[voice_{index}]]></MediaId>"
            f"<Format><![CDATA[amr]]></Format><Recognition><![CDATA[我想退货]]></Recognition>{msg_id}"
        )
    elif roll < 0.90:
        body = (
            "<MsgType><![CDATA[location]]></MsgType><Location_X>31.230416</Location_X>"
            "<Location_Y>121.473701</Location_Y><Scale>15</Scale>"
            f"<Label><![CDATA[上海市黄浦区人民大道200号]]></Label>{msg_id}"
        )
    elif roll < 0.95:
        body = (
            "<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[订单详情]]></Title>"
            "<Description><![CDATA[订单号 88417]]></Description>"
            f"<Url><![CDATA[https://shop.example.cn/o/{index}]]></Url>{msg_id}"
        )
    else:
        body = "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
    return (head + body + "</xml>").encode()


def envelope(callback: Callback, key: bytes) -> tuple[bytes, dict[str, str]]:
    """The safe-mode body and query WeChat would send for the callback."""
    encrypted = encrypt_message(callback.xml, key=key, app_id=APP_ID)
    body = (
        "<xml><ToUserName><![CDATA[gh_3f9c1a7b2d4e]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    query = {
        "signature": wechat_signature(TOKEN, callback.timestamp, callback.nonce),
        "timestamp": callback.timestamp,
        "nonce": callback.nonce,
        "openid": "ignored-by-us",
        "encrypt_type": "aes",
        "msg_signature": wechat_signature(TOKEN, callback.timestamp, callback.nonce, encrypted),
    }
    return body.encode(), query


# ---------------------------------------------------------------------------------------------- crypto


def run_crypto(n: int) -> dict[str, Any]:
    key = decode_aes_key(AES_KEY)
    items = [envelope(callback, key) for callback in workload(n)]
    channel_uuid = uuid.uuid4()

    def decrypt_parse(item: tuple[bytes, dict[str, str]]) -> None:
        body, query = item
        encrypted = parse_fields(body)["Encrypt"]
        if not signature_matches(
            query["msg_signature"], TOKEN, query["timestamp"], query["nonce"], encrypted
        ):
            raise SystemExit("a bench signature did not verify")
        fields = parse_fields(decrypt_message(encrypted, key=key, app_id=APP_ID))
        inbound_message(channel_uuid, fields)

    return {"bench": "wechat_decrypt_parse", "n": n} | time_each(items, decrypt_parse, cpu=True)


# --------------------------------------------------------------------------------------------- webhook


def run_webhook(url: str, n: int, *, safe: bool) -> dict[str, Any]:
    config = {"app_id": APP_ID, "app_secret": "bench-secret", "token": TOKEN}
    if safe:
        config["encoding_aes_key"] = AES_KEY
    container, channel = bench_channel(url, "wechat", config, name="Bench 公众号")
    key = decode_aes_key(AES_KEY)
    warm = warmup_count(n)
    requests = []
    for callback in workload(warm + n):
        if safe:
            body, query = envelope(callback, key)
        else:
            body = callback.xml
            query = {
                "signature": wechat_signature(TOKEN, callback.timestamp, callback.nonce),
                "timestamp": callback.timestamp,
                "nonce": callback.nonce,
                "openid": "ignored-by-us",
            }
        requests.append(HookRequest("POST", "", f"http://bench/hooks/{channel.id}", {}, query, body))
    try:
        timed = time_hooks(container, channel, requests, warm=warm, check=_answered, cpu=True)
    finally:
        container.close()
    return {
        "bench": "wechat_webhook",
        "mode": "safe" if safe else "plain",
        "backend": backend_of(url),
        "n": n,
    } | timed


def _answered(_request: HookRequest, outcome: HookOutcome) -> None:
    batch, _ = outcome
    if batch.response is None or batch.response.body != b"success":
        raise SystemExit(f"unexpected hook answer: {batch.response}")


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__,
        argv,
        default_n=DEFAULT_N,
        quick_n=QUICK_N,
        n_help="callbacks to measure (after a warm-up)",
        add=lambda parser: parser.add_argument("--mode", choices=("crypto", "webhook", "all"), default="all"),
    )
    if args.mode in ("crypto", "all"):
        emit(run_crypto(max(args.n, 1000)))
    if args.mode in ("webhook", "all"):
        for safe in (False, True):
            label = "safe" if safe else "plain"
            progress(f"wechat webhook, {label} mode, n={args.n}")
            with throwaway_database(args.database_url, label=f"wechat_{label}") as url:
                emit(run_webhook(url, args.n, safe=safe))
    return 0


if __name__ == "__main__":
    sys.exit(main())
