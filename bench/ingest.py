"""Ingest benchmark: inbound messages through the pipeline, in process and over HTTP.

    .venv/bin/python bench/ingest.py [--database-url URL] [--n 20000] [--mode pipeline|http|both]
                                     [--concurrency 16] [--quick] [--profile]

Each mode runs on its own fresh database (an SQLite file in a temporary directory by default; on a
postgresql:// server a throwaway database `omniline_bench_<pid>_<mode>` that is dropped at the end),
with one tenant, one `api` channel and a history of N/2 messages (`with_history`). The workload is N
inbound app messages: ~30% from new customers, ~50% from returning customers (an identity seen before),
~20% carrying several identities (app id + phone + e-mail) that link new addresses to a known customer
or merge two known customers, with texts in English, Russian and Chinese.

- pipeline: `ingest_and_commit` with one message per transaction (`--group 1`, the default), each call
  timed; `--group G` stores G messages per transaction, as the hooks' group commit does under load
  (pipeline/group_commit.py), and each message's latency is its transaction's;
- http: the real server (`python -m omniline serve`, production settings) as a subprocess, driven with
  signed POST /hooks/{channel_id} from an asyncio load generator speaking keep-alive HTTP/1.1 over raw
  streams; every answer must be 202.

One JSON object per line on stdout, e.g.
{"bench": "ingest", "mode": "pipeline", "backend": "sqlite", "n": 20000, "per_s": 2150.0, ...}.
`--profile` adds a cProfile run of the pipeline (top functions on stderr) and a line with the number of
SQL statements per message.
"""

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import random
import secrets
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text

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
from omniline.bootstrap import Container, bootstrap
from omniline.channels.base import ChannelInfo
from omniline.channels.service import channel_info, create_channel
from omniline.channels.signing import SIGNATURE_HEADER, sign_body
from omniline.customers.identities import IdentityClaim
from omniline.db.migrate import upgrade_database
from omniline.kernel.gc_tuning import settle_for_serving
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.ingest import ingest_message
from omniline.pipeline.transaction import ingest_and_commit
from omniline.settings import Settings

QUICK_N = 200
DEFAULT_N = 20_000

TEXTS = (
    "Hello, where is my order #{n}? It was due yesterday.",
    "The app charged me twice for subscription {n}, please refund one payment.",
    "I can't log in: the code never arrives by SMS.",
    "Can I change the delivery address for order {n}?",
    "Thanks, the problem is solved!",
    "Здравствуйте! Где мой заказ №{n}? Обещали доставить вчера.",
    "Курьер так и не приехал, верните деньги, пожалуйста.",
    "Не могу войти в личный кабинет, код не приходит.",
    "Спасибо, всё работает. Заказ {n} получила.",
    "Списали деньги дважды за подписку, номер платежа {n}.",
    "你好，我的退款什么时候到账？订单号 {n}。",
    "快递三天了还没到，请帮我查一下订单 {n}。",
    "我无法登录账户，验证码收不到。",
    "谢谢，问题已经解决了。",
)
NAMES = ("Анна Иванова", "Ольга Смирнова", "Иван Петров", "John Smith", "Mary Jones", "王芳", "李娜", "张伟")
EMAIL_DOMAINS = ("example.com", "Example.ORG", "почта.рф", "例子.中国", "mail.example.ru")


@dataclass
class Person:
    """What the load generator knows about one customer: the identities it has used so far."""

    identities: list[str] = field(default_factory=list)

    def any_identity(self, rng: random.Random) -> str:
        return rng.choice(self.identities)

    def of_kind(self, kind: str) -> str | None:
        return next((item for item in self.identities if item.startswith(f"{kind}:")), None)


@dataclass(frozen=True)
class WorkItem:
    external_id: str
    identities: tuple[str, ...]  # "KIND:ADDRESS", as an app would send them (not normalised)
    name: str
    text: str
    thread_id: str | None
    kind: str  # new | returning | link | merge

    def body(self, sent_at: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "external_id": self.external_id,
            "sender": {"identities": list(self.identities), "name": self.name},
            "text": self.text,
            "sent_at": sent_at,
        }
        if self.thread_id is not None:
            body["thread_id"] = self.thread_id
        return body

    def inbound(self, channel_id: uuid.UUID, sent_at: datetime) -> InboundMessage:
        claims = tuple(
            IdentityClaim(kind, address, verified=True)
            for kind, _, address in (item.partition(":") for item in self.identities)
        )
        return InboundMessage(
            channel_id=channel_id,
            external_id=self.external_id,
            identities=claims,
            text=self.text,
            sent_at=sent_at,
            sender_name=self.name,
            thread_key=self.thread_id,
        )


class Workload:
    """A deterministic stream of messages with the mix described in the module docstring."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.serial = 0
        self.made = 0  # items made so far: each item's external id is its number, across calls

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def new_app(self) -> str:
        return f"app:{100000 + self._next()}"

    def new_phone(self) -> str:
        k = self._next()
        if self.rng.random() < 0.2:  # a Chinese mobile number
            digits = f"{k:08d}"
            return f"phone:+86 138 {digits[:4]} {digits[4:]}"
        digits = f"{k:07d}"
        spelling = self.rng.randrange(3)
        if spelling == 0:
            return f"phone:+7 916 {digits[:3]}-{digits[3:5]}-{digits[5:]}"
        if spelling == 1:
            return f"phone:8 (916) {digits[:3]}-{digits[3:5]}-{digits[5:]}"
        return f"phone:+7916{digits}"

    def new_email(self) -> str:
        k = self._next()
        local = self.rng.choice(("anna", "Olga", "john.smith", "wang", "li.na"))
        return f"email:{local}{k}@{self.rng.choice(EMAIL_DOMAINS)}"

    def new_identity(self) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return self.new_app()
        return self.new_phone() if roll < 0.75 else self.new_email()

    def _text(self) -> str:
        return self.rng.choice(TEXTS).format(n=self.rng.randrange(10000, 99999))

    def items(self, count: int) -> list[WorkItem]:
        first, self.made = self.made, self.made + count
        return [self._item(index) for index in range(first, first + count)]

    def _item(self, index: int) -> WorkItem:
        rng = self.rng
        roll = rng.random()
        identities: list[str]
        if not self.people or roll < 0.30:
            kind = "new"
            identity = self.new_identity()
            self.people.append(Person([identity]))
            identities = [identity]
        elif roll < 0.80:
            kind = "returning"
            identities = [rng.choice(self.people).any_identity(rng)]
        else:
            identities, kind = self._mixed()
        thread_id = f"order-{rng.randrange(10**6)}" if rng.random() < 0.1 else None
        return WorkItem(f"bench-{index}", tuple(identities), rng.choice(NAMES), self._text(), thread_id, kind)

    def _mixed(self) -> tuple[list[str], str]:
        """app id + phone + e-mail: a new person, new addresses of a known one, or two known ones."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.35 or len(self.people) < 2:
            person = Person([self.new_app(), self.new_phone(), self.new_email()])
            self.people.append(person)
            return list(person.identities), "new"
        if roll < 0.85:  # a known customer tells us addresses we did not know yet: link them
            person = rng.choice(self.people)
            identities = []
            for kind, make in (("app", self.new_app), ("phone", self.new_phone), ("email", self.new_email)):
                known = person.of_kind(kind)
                if known is None:
                    known = make()
                    person.identities.append(known)
                identities.append(known)
            return identities, "link"
        # an identity of each of two known customers: they are one person and merge
        first, second = rng.sample(range(len(self.people)), 2)
        survivor, merged = self.people[first], self.people[second]
        email = self.new_email()
        identities = [survivor.any_identity(rng), merged.any_identity(rng), email]
        survivor.identities.extend([*merged.identities, email])
        self.people[second] = self.people[-1]
        self.people.pop()
        return identities, "merge"


# ---------------------------------------------------------------------------------------------- setup


HISTORY_SHARE = 0.5  # the history a database holds before a run: this share of the N measured messages
HISTORY_GROUP = 64


@dataclass
class Prepared:
    container: Container
    channel: ChannelInfo
    workload: Workload  # the messages to measure come next from it (its people include the history's)
    secret_key: str  # a server over this database needs it: the channel's signing secret is sealed with it


def prepare(url: str, n: int) -> Prepared:
    """Migrate the database, create a tenant, an admin and an `api` channel through the services, and
    give it a history (`with_history`)."""
    upgrade_database(sqlalchemy_url(url))
    secret_key = secrets.token_urlsafe(32)
    container = bootstrap(Settings(database_url=url, secret_key=secret_key))
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench / Бенч / 基准")
        uow.session.flush()
        create_user(
            uow.session,
            tenant_id=tenant.id,
            email="admin@bench.test",
            password="bench-admin-password",
            role="admin",
        )
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind="api",
            name="Bench app",
            config={},
            actor="bench",
        )
        uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return with_history(Prepared(container, info, Workload(), secret_key), n)


def with_history(prepared: Prepared, n: int) -> Prepared:
    """Store N × HISTORY_SHARE messages of the workload (not measured), then, on PostgreSQL, ANALYZE.

    The measured messages then meet what a running system has: customers who come back, tables that
    are not empty, and statistics, which autovacuum keeps in a running database. Without them the
    server plans its statements, once per connection, for tables it has never analysed, and keeps the
    plans while the run grows the tables: an identity lookup then reads every address of a kind
    instead of using the index."""
    container, channel = prepared.container, prepared.channel
    sent_at = datetime.now(UTC)
    history = [item.inbound(channel.id, sent_at) for item in prepared.workload.items(int(n * HISTORY_SHARE))]
    _ingest_all(container, channel, history, HISTORY_GROUP)
    if container.engine.dialect.name == "postgresql":
        with container.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        container.engine.dispose()  # new connections: plans made before the statistics are dropped
    return prepared


# -------------------------------------------------------------------------------------------- pipeline


def run_pipeline(url: str, n: int, workers: int = 1, group: int = 1) -> dict[str, Any]:
    prepared = prepare(url, n)
    container, channel = prepared.container, prepared.channel
    warm = warmup_count(n)
    sent_at = datetime.now(UTC)
    messages = [item.inbound(channel.id, sent_at) for item in prepared.workload.items(warm + n)]
    try:
        _ingest_all(container, channel, messages[:warm], group)
        settle_for_serving()  # the garbage collector as `omniline serve` runs it
        started, cpu_started = time.perf_counter(), time.process_time()
        if workers == 1:
            latencies = _ingest_all(container, channel, messages[warm:], group)
        else:
            # Like the server's thread pool: each worker takes every k-th message, one transaction each.
            measured = messages[warm:]
            with ThreadPoolExecutor(workers) as pool:
                shares = pool.map(
                    lambda k: _ingest_all(container, channel, measured[k::workers], group), range(workers)
                )
                latencies = [latency for share in shares for latency in share]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        container.close()
    # cpu_ms: this process's CPU time per message (the 2 cores are shared with the database server
    # and whatever else runs; per_s / wall-clock is what counts, this tells where it went).
    return (
        {"bench": "ingest", "mode": "pipeline", "backend": backend_of(url), "n": n, "workers": workers}
        | {"group": group}
        | latency_summary(latencies, wall)
        | {"cpu_ms": round(cpu * 1000 / n, 2)}
    )


def _ingest_all(
    container: Container, channel: ChannelInfo, messages: list[InboundMessage], group: int = 1
) -> list[float]:
    """Store `messages` `group` at a time, one transaction each; each message's latency is its group's."""
    latencies: list[float] = []
    clock = time.perf_counter
    for first in range(0, len(messages), group):
        together = messages[first : first + group]
        started = clock()
        ingest_and_commit(container, channel, together)
        latencies.extend([clock() - started] * len(together))
    return latencies


def run_profile(url: str, n: int, group: int = 1) -> dict[str, Any]:
    """cProfile of the pipeline (top functions to stderr) and the SQL statements per message; with
    `group` > 1, `ingest_and_commit` stores that many messages at a time (set-based, pipeline/batch.py)."""
    prepared = prepare(url, n)
    container, channel = prepared.container, prepared.channel
    warm = warmup_count(n)
    sent_at = datetime.now(UTC)
    items = prepared.workload.items(warm + n)
    messages = [item.inbound(channel.id, sent_at) for item in items]
    statements: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    current = {"kind": "warmup"}

    @event.listens_for(container.engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        table = _table_of(statement)
        statements[f"{verb} {table}"] += 1
        per_kind.setdefault(current["kind"], Counter())[verb] += 1

    try:
        _ingest_all(container, channel, messages[:warm])
        statements.clear()
        per_kind.clear()
        kinds = Counter(item.kind for item in items[warm:])
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        if group == 1:
            for item, message in zip(items[warm:], messages[warm:], strict=True):
                current["kind"] = item.kind
                with container.uow() as uow:
                    ingest_message(uow, channel, message, now=container.clock())
                    uow.commit()
        else:  # statements are shared by the group's messages: no count per kind
            current["kind"] = "grouped"
            for start in range(warm, warm + n, group):
                ingest_and_commit(container, channel, messages[start : start + group])
        profiler.disable()
        wall = time.perf_counter() - started
    finally:
        container.close()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(80)
    progress(report.getvalue())
    total = sum(statements.values())
    return {
        "bench": "ingest_profile",
        "backend": backend_of(url),
        "n": n,
        "group": group,
        "per_s_under_profiler": round(n / wall, 1),
        "sql_per_message": round(total / n, 2),
        "sql_per_message_by_kind": {
            kind: round(sum(per_kind.get(kind, Counter()).values()) / count, 2)
            for kind, count in kinds.items()
        },
        "statements": {key: round(value / n, 3) for key, value in statements.most_common()},
    }


def _table_of(statement: str) -> str:
    words = statement.replace("\n", " ").split()
    upper = [word.upper() for word in words]
    for marker in ("INTO", "UPDATE", "FROM"):
        if marker in upper:
            index = upper.index(marker) + 1
            if index < len(words):
                return words[index].strip('"(')
    return ""


# ------------------------------------------------------------------------------------------------ http


def run_http(url: str, n: int, concurrency: int, server_workers: int = 1) -> dict[str, Any]:
    prepared = prepare(url, n)
    channel = prepared.channel
    prepared.container.close()
    warm = warmup_count(n)
    port = free_port()
    sent_at = datetime.now(UTC).isoformat()
    requests = [
        _signed_request(channel, port, json.dumps(item.body(sent_at), ensure_ascii=False).encode())
        for item in prepared.workload.items(warm + n)
    ]
    with running_server(url, port, secret_key=prepared.secret_key, workers=server_workers) as server:
        warm_result = _run_loop(_drive("127.0.0.1", port, requests[:warm], concurrency))
        result = _run_loop(_drive("127.0.0.1", port, requests[warm:], concurrency))
        statuses = warm_result.statuses + result.statuses
        bad = sum(count for status, count in statuses.items() if status != 202)
        if bad:
            progress(server.log_tail())
    return (
        {
            "bench": "ingest",
            "mode": "http",
            "backend": backend_of(url),
            "n": n,
            "concurrency": concurrency,
            "server_workers": server_workers,
        }
        | latency_summary(result.latencies, result.wall)
        | {
            "non_202": bad,
            "statuses": {str(status): count for status, count in sorted(statuses.items())},
        }
    )


def _signed_request(channel: ChannelInfo, port: int, body: bytes) -> bytes:
    head = (
        f"POST /hooks/{channel.id} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"{SIGNATURE_HEADER}: {sign_body(channel.secret, body)}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


@dataclass
class LoadResult:
    latencies: list[float]
    statuses: Counter[int]
    wall: float


def _run_loop(coroutine: Any) -> LoadResult:
    try:
        import uvloop  # installed with uvicorn[standard]; cheaper on CPU than the default loop
    except ImportError:
        result: LoadResult = asyncio.run(coroutine)
        return result
    return uvloop.run(coroutine)  # type: ignore[no-any-return]


async def _drive(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    """`concurrency` keep-alive connections, each sending the next request when its answer is in."""
    pending: Iterator[bytes] = iter(requests)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    clock = time.perf_counter

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in pending:
                started = clock()
                try:
                    writer.write(request)
                    status, keep_alive = await _read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    status, keep_alive = 0, False  # 0: the connection broke without an answer
                latencies.append(clock() - started)
                statuses[status] += 1
                if not keep_alive:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = clock()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return LoadResult(latencies, statuses, clock() - started)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; its status and whether the connection stays open."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep_alive = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep_alive


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--mode", choices=("pipeline", "http", "both"), default="both")
        parser.add_argument("--concurrency", type=int, default=16, help="connections for --mode http")
        parser.add_argument("--workers", type=int, default=1, help="threads for --mode pipeline")
        parser.add_argument(
            "--server-workers",
            type=int,
            default=1,
            help="app processes for --mode http (`serve --workers`; above 1 needs OMNILINE_REDIS_URL)",
        )
        parser.add_argument(
            "--group", type=int, default=1, help="messages per transaction for --mode pipeline"
        )
        parser.add_argument("--profile", action="store_true", help="also profile the pipeline (stderr)")

    args = bench_args(
        __doc__,
        argv,
        default_n=DEFAULT_N,
        quick_n=QUICK_N,
        n_help="messages to measure (after a warm-up)",
        add=options,
    )
    n = args.n
    failed = False
    if args.mode in ("pipeline", "both"):
        with throwaway_database(args.database_url, label="pipeline") as url:
            emit(run_pipeline(url, n, args.workers, args.group))
    if args.mode in ("http", "both"):
        with throwaway_database(args.database_url, label="http") as url:
            result = run_http(url, n, args.concurrency, args.server_workers)
            emit(result)
            failed = result["non_202"] > 0
    if args.profile:
        with throwaway_database(args.database_url, label="profile") as url:
            emit(run_profile(url, n, args.group))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
