"""Timeline benchmark: the newest 50 entries of a customer's timeline with a large event log.

    .venv/bin/python bench/timeline.py [--database-url URL] [--customers 100000]
                                       [--messages 1000000] [--queries 2000] [--quick]

On a fresh database (an SQLite file in a temporary directory by default; on a postgresql:// server
a throwaway database `omniline_bench_<pid>_timeline`, dropped at the end) it bulk-loads, NOT through
the pipeline, one tenant, four channels (api, email, sms, telegram), customers with one identity
each, a few conversations per customer each with its case, the messages and one `message.received`
event per message plus a `case.opened` event per case. Rows are written in chronological order with
`new_id()` ids, so ids are time-ordered as in production; SQLAlchemy Core executemany in batches
(PostgreSQL: COPY through psycopg). Messages per customer follow a log-normal distribution (mean
messages/customers), so a few customers have hundreds of entries and most have a handful.

Then (after VACUUM ANALYZE and a CHECKPOINT on PostgreSQL, as on a live system)
`read_timeline(session, customer_id, limit=50)` is timed, each call in its own session as in a request,
for random customers ("timeline") and for random customers among the 1% with the longest history
("timeline_heavy"). JSON lines on stdout: "timeline_load" (rows/s), "timeline" and "timeline_heavy".
"""

import argparse
import json
import math
import random
import secrets
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, update
from sqlalchemy.orm import Session

from _support import backend_of, emit, latency_summary, progress, sqlalchemy_url, throwaway_database
from omniline.accounts.models import Tenant
from omniline.cases.models import Case
from omniline.channels.models import Channel
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer, Identity
from omniline.db.engine import build_engine
from omniline.db.migrate import upgrade_database
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.security.sealing import Sealer, use_sealer
from omniline.timeline.models import TimelineEvent
from omniline.timeline.repository import read_timeline

LIMIT = 50
BATCH = 5_000
ACTOR = "system:pipeline"
# identity kind, address pattern, channel kind
IDENTITY_KINDS = (
    ("app", "{:d}", "api"),
    ("email", "user{:d}@example.com", "email"),
    ("phone", "+7916{:07d}", "sms"),
    ("telegram", "5{:08d}", "telegram"),
)
TEXTS = (
    "Hello, where is my order? It was due yesterday.",
    "The app charged me twice for this month's subscription.",
    "Thanks, the problem is solved!",
    "Здравствуйте! Где мой заказ? Обещали доставить вчера.",
    "Курьер так и не приехал, верните деньги, пожалуйста.",
    "Не могу войти в личный кабинет, код не приходит.",
    "你好，我的退款什么时候到账？",
    "快递三天了还没到，请帮我查一下。",
    "谢谢，问题已经解决了。",
)
NAMES = ("Анна Иванова", "Ольга Смирнова", "John Smith", "Mary Jones", "王芳", "李娜")

TABLES: dict[str, Table] = {
    "customers": Customer.__table__,  # type: ignore[dict-item]
    "identities": Identity.__table__,  # type: ignore[dict-item]
    "cases": Case.__table__,  # type: ignore[dict-item]
    "conversations": Conversation.__table__,  # type: ignore[dict-item]
    "messages": Message.__table__,  # type: ignore[dict-item]
    "events": TimelineEvent.__table__,  # type: ignore[dict-item]
}


class Writer:
    """Buffers rows per table and writes them in foreign-key order, one transaction per flush."""

    ORDER = ("customers", "identities", "cases", "conversations", "messages", "events")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.ORDER, 0)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.buffers[table].append(row)

    def pending(self, table: str) -> int:
        return len(self.buffers[table])

    def flush(self) -> None:
        with self.engine.begin() as connection:
            for name in self.ORDER:
                rows = self.buffers[name]
                if not rows:
                    continue
                if self.postgresql:
                    self._copy(connection, name, rows)
                else:
                    connection.execute(TABLES[name].insert(), rows)
                self.written[name] += len(rows)
                self.buffers[name] = []

    @staticmethod
    def _copy(connection: Connection, name: str, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(value) if isinstance(value, dict | list) else value for value in row.values()]
                )


@dataclass
class Loaded:
    customer_ids: list[uuid.UUID]
    counts: list[int]  # messages per customer, in the order of customer_ids
    written: dict[str, int]  # rows per table


def load(engine: Engine, *, customers: int, messages: int, seed: int = 7) -> Loaded:
    """Bulk-load the data set."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365)
    step = timedelta(days=365) / messages

    with Session(engine) as session:
        tenant = Tenant(id=new_id(), slug="bench", name="Bench", default_region="RU", case_counter=0)
        session.add(tenant)
        channels = {
            kind: Channel(
                id=new_id(), tenant_id=tenant.id, kind=kind, name=f"Bench {kind}", config={}, secret="x" * 40
            )
            for _, _, kind in IDENTITY_KINDS
        }
        session.add_all(channels.values())
        session.commit()
        tenant_id = tenant.id
        channel_ids = {kind: channel.id for kind, channel in channels.items()}

    # Who writes each message: everyone at least once, then log-normal weights (mean messages/customers).
    sigma = 1.2
    mu = math.log(messages / customers) - sigma * sigma / 2
    weights = [rng.lognormvariate(mu, sigma) for _ in range(customers)]
    owners = list(range(customers)) + rng.choices(range(customers), weights=weights, k=messages - customers)
    rng.shuffle(owners)
    positions: list[list[int]] = [[] for _ in range(customers)]
    for index, owner in enumerate(owners):
        positions[owner].append(index)
    counts = [len(items) for items in positions]
    conversations_of = [min(count, 1 + count // 6) for count in counts]

    writer = Writer(engine)
    customer_ids = [new_id() for _ in range(customers)]
    identity_ids: list[uuid.UUID] = []
    senders: list[tuple[str, str, uuid.UUID]] = []  # (sender identity, channel kind, channel id)
    for number, customer_id in enumerate(customer_ids):
        created = start - timedelta(days=rng.randrange(1, 700))
        writer.add(
            "customers",
            {
                "id": customer_id,
                "tenant_id": tenant_id,
                "name": rng.choice(NAMES),
                "tier": "standard",
                "merged_into_id": None,
                "created_at": created,
                "updated_at": created,
            },
        )
        kind, pattern, channel_kind = IDENTITY_KINDS[number % len(IDENTITY_KINDS)]
        address = pattern.format(1_000_000 + number)
        identity_ids.append(new_id())
        writer.add(
            "identities",
            {
                "id": identity_ids[-1],
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "kind": kind,
                "address": address,
                "verified": True,
                "created_at": created,
            },
        )
        senders.append((f"{kind}:{address}", channel_kind, channel_ids[channel_kind]))
        if writer.pending("customers") >= BATCH:
            writer.flush()
    writer.flush()

    seen = [0] * customers
    current: dict[int, tuple[uuid.UUID, uuid.UUID]] = {}  # customer → (conversation id, case id)
    case_number = 0
    started = time.perf_counter()
    for index, owner in enumerate(owners):
        at = start + step * index
        j, total, slots = seen[owner], counts[owner], conversations_of[owner]
        seen[owner] += 1
        slot = j * slots // total
        sender, channel_kind, channel_id = senders[owner]
        customer_id = customer_ids[owner]
        text = rng.choice(TEXTS)
        if j == 0 or slot != (j - 1) * slots // total:  # the first message of a conversation
            last_j = ((slot + 1) * total + slots - 1) // slots - 1
            last_at = start + step * positions[owner][last_j]
            is_last = slot == slots - 1
            resolved_at = None if is_last else last_at + timedelta(hours=2)
            case_number += 1
            case_id, conversation_id = new_id(), new_id()
            current[owner] = (conversation_id, case_id)
            writer.add(
                "cases",
                {
                    "id": case_id,
                    "tenant_id": tenant_id,
                    "number": case_number,
                    "customer_id": customer_id,
                    "topic_id": None,
                    "status": "open" if is_last else "resolved",
                    "subject": text,
                    "opened_at": at,
                    "resolved_at": resolved_at,
                    "reopen_count": 0,
                    "updated_at": resolved_at or last_at,
                },
            )
            writer.add(
                "conversations",
                {
                    "id": conversation_id,
                    "tenant_id": tenant_id,
                    "channel_id": channel_id,
                    "customer_id": customer_id,
                    "case_id": case_id,
                    "identity_id": identity_ids[owner],
                    "thread_key": None,
                    "status": "open",
                    "subject": None,
                    "started_at": at,
                    "last_message_at": last_at,
                },
            )
            writer.add(
                "events",
                _event(tenant_id, customer_id, "case.opened", at, channel_kind, channel_id, current[owner])
                | {"message_id": None, "data": {"number": case_number}},
            )
        conversation_id, case_id = current[owner]
        message_id = new_id()
        writer.add(
            "messages",
            {
                "id": message_id,
                "tenant_id": tenant_id,
                "conversation_id": conversation_id,
                "case_id": case_id,
                "customer_id": customer_id,
                "channel_id": channel_id,
                "channel_kind": channel_kind,
                "direction": "in",
                "sender_identity": sender,
                "sender_name": None,
                "author_user_id": None,
                "text": text,
                "subject": None,
                "attachments": [],
                "external_id": f"m-{index}",
                "sent_at": at,
                "created_at": at,
            },
        )
        writer.add(
            "events",
            _event(tenant_id, customer_id, "message.received", at, channel_kind, channel_id, current[owner])
            | {"message_id": message_id, "data": {}},
        )
        if writer.pending("messages") >= BATCH:
            writer.flush()
        if (index + 1) % 100_000 == 0:
            elapsed = time.perf_counter() - started
            progress(f"  {index + 1:,} / {messages:,} messages ({(index + 1) / elapsed:,.0f} messages/s)")
    writer.flush()
    with engine.begin() as connection:
        connection.execute(update(Tenant).where(Tenant.id == tenant_id).values(case_counter=case_number))
    return Loaded(customer_ids, counts, writer.written)


def _event(
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    type_: str,
    at: datetime,
    channel_kind: str,
    channel_id: uuid.UUID,
    conversation_and_case: tuple[uuid.UUID, uuid.UUID],
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "type": type_,
        "at": at,
        "channel_id": channel_id,
        "channel_kind": channel_kind,
        "conversation_id": conversation_and_case[0],
        "case_id": conversation_and_case[1],
        "actor": ACTOR,
    }


def measure(engine: Engine, customer_ids: Sequence[uuid.UUID], queries: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    picks = [rng.choice(customer_ids) for _ in range(queries)]
    for customer_id in picks[: min(100, queries)]:  # warm the connection pool and the statement cache
        with Session(engine) as session:
            read_timeline(session, customer_id, limit=LIMIT)
    latencies: list[float] = []
    entries = 0
    clock = time.perf_counter
    started = clock()
    for customer_id in picks:
        began = clock()
        with Session(engine) as session:
            page, _ = read_timeline(session, customer_id, limit=LIMIT)
        latencies.append(clock() - began)
        entries += len(page)
    wall = clock() - started
    return latency_summary(latencies, wall) | {"avg_entries": round(entries / queries, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 customers, 2,000 messages")
    args = parser.parse_args(argv)
    customers, messages, queries = (
        (200, 2_000, 100) if args.quick else (args.customers, args.messages, args.queries)
    )
    if messages < customers:
        parser.error("--messages must be at least --customers (everyone writes at least once)")
    with throwaway_database(args.database_url, label="timeline") as url:
        backend = backend_of(url)
        upgrade_database(sqlalchemy_url(url))
        engine = build_engine(sqlalchemy_url(url))
        use_sealer(Sealer(secrets.token_urlsafe(32)))  # the channels' signing secrets are sealed at rest
        try:
            progress(f"loading {customers:,} customers and {messages:,} messages into {backend} …")
            started = time.perf_counter()
            loaded = load(engine, customers=customers, messages=messages)
            load_seconds = time.perf_counter() - started
            customer_ids, counts, written = loaded.customer_ids, loaded.counts, loaded.written
            rows = sum(written.values())
            emit(
                {
                    "bench": "timeline_load",
                    "backend": backend,
                    "n": messages,
                    "customers": customers,
                    "rows": rows,
                    "seconds": round(load_seconds, 1),
                    "rows_per_s": round(rows / load_seconds, 1),
                    "tables": written,
                }
            )
            if backend == "postgresql":
                # What autovacuum and the checkpointer do on a live system: without it the first read
                # of each freshly loaded page sets its hint bits (a write), and the load's dirty pages
                # are flushed while the queries run. The bulk load is not what is measured.
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM ANALYZE")
                    connection.exec_driver_sql("CHECKPOINT")
            common = {"backend": backend, "n": messages, "customers": customers, "limit": LIMIT}
            emit(
                {"bench": "timeline", **common, "queries": queries}
                | measure(engine, customer_ids, queries, 1)
            )
            by_history = sorted(range(customers), key=lambda item: counts[item], reverse=True)
            heavy = [customer_ids[item] for item in by_history[: max(1, customers // 100)]]
            emit(
                {"bench": "timeline_heavy", **common, "queries": queries, "heaviest": len(heavy)}
                | {"min_messages": min(counts[item] for item in by_history[: len(heavy)])}
                | measure(engine, heavy, queries, 2)
            )
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
