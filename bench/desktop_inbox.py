"""Desktop inbox benchmark: GET /desktop/inbox for an agent holding 500 items (issue 6: < 100 ms).

    .venv/bin/python bench/desktop_inbox.py [--database-url URL] [--items 500] [--n 200] [--quick]

On a fresh database (an SQLite file in a temporary directory by default; a postgresql:// server given
by --database-url or OMNILINE_BENCH_DATABASE_URL gets a throwaway database, dropped at the end), one
tenant with six channels (email, webchat, telegram, wechat, sms, voice) and one agent holding
`--items` inbox items, written as rows (not through routing): one in ten a pending offer, the rest
assigned work, one in ten of those a callback. Every item has its own customer (one in eight VIP),
case with a topic, conversation with three messages (two from the customer, one reply) and two SLA
clocks (first response met or running, resolution running); about a fifth are overdue.

Then the agent logs in through the login form of the app in process (FastAPI's TestClient, no
network) and GET /desktop/inbox is timed N times after a warm-up: session lookup, the inbox queries
and the template, as a request does. `load_inbox` alone is timed as well (`query_*`). `cpu_ms` is this
process's CPU time per request: what the page costs whatever else shares the machine's cores (the
wall-clock percentiles grow with the machine's load). One JSON line:

    {"bench": "desktop_inbox", "backend": "sqlite", "items": 500, "n": 200, "p50_ms": …, "p99_ms": …,
     "cpu_ms": …, "query_p50_ms": …, "query_p99_ms": …, "query_cpu_ms": …, "bytes": …}
"""

import os
import random
import re
import secrets
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from _support import (
    backend_of,
    bench_args,
    emit,
    progress,
    sqlalchemy_url,
    throwaway_database,
    time_each,
    warmup_count,
)
from omniline.accounts.service import create_tenant, create_user
from omniline.agents.models import AgentProfile
from omniline.app import create_app
from omniline.bootstrap import Container, bootstrap
from omniline.cases.models import Case
from omniline.channels.models import Channel
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer
from omniline.db.migrate import upgrade_database
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.routing.models import Offer, SlaClock, Task
from omniline.security.access import Actor
from omniline.settings import Settings
from omniline.taxonomy.models import Topic
from omniline.web.desktop.inbox_query import load_inbox

AGENT_EMAIL = "agent@bench.test"
PASSWORD = "bench-password-1"
KINDS = ("email", "webchat", "telegram", "wechat", "sms", "voice")
TEXTS = (
    "Where is my order 45821? It was due yesterday and the tracking page shows nothing at all.",
    "Где мой заказ? Обещали доставить вчера, а статус не меняется уже три дня.",
    "我的订单在哪里？昨天应该到的，物流信息一直没有更新。",
    "The app charged me twice for this month's subscription.",
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build(container: Container, items: int, now: datetime) -> Actor:
    """The tenant, the agent and their `items` inbox items, in one transaction."""
    rng = random.Random(42)
    with container.uow() as uow:
        session = uow.session
        tenant = create_tenant(session, slug="bench", name="Bench / Бенч / 基准")
        session.flush()
        user = create_user(session, tenant_id=tenant.id, email=AGENT_EMAIL, password=PASSWORD, role="agent")
        session.flush()
        session.add(
            AgentProfile(
                id=new_id(), tenant_id=tenant.id, user_id=user.id, presence="busy", presence_since=now
            )
        )
        channels = {kind: new_id() for kind in KINDS}
        session.add_all(
            Channel(id=channel_id, tenant_id=tenant.id, kind=kind, name=kind, config={}, secret="s" * 32)
            for kind, channel_id in channels.items()
        )
        topics = [
            Topic(
                id=new_id(),
                tenant_id=tenant.id,
                code=f"topic.t{n}",
                name=f"Topic {n}",
                names={"ru": f"Тема {n}"},
            )
            for n in range(10)
        ]
        session.add_all(topics)
        session.flush()
        rows: list[Any] = []
        for number in range(1, items + 1):
            kind = KINDS[number % len(KINDS)]
            rows.extend(
                _item(tenant.id, user.id, channels[kind], kind, number, rng.choice(topics).id, rng, now)
            )
        # no relationships are mapped, so the flush does not order tables by foreign key: one per table
        for model in (Customer, Case, Conversation, Message, Task, SlaClock, Offer):
            session.add_all(row for row in rows if isinstance(row, model))
            session.flush()
        uow.commit()
        return Actor(user.id, tenant.id, "agent", user.name)


def _item(
    tenant_id: Any,
    user_id: Any,
    channel_id: Any,
    kind: str,
    number: int,
    topic_id: Any,
    rng: random.Random,
    now: datetime,
) -> list[Any]:
    customer = Customer(
        id=new_id(),
        tenant_id=tenant_id,
        name=f"Customer {number} / Клиент / 客户",
        tier="vip" if number % 8 == 0 else "standard",
        value=0.0,
    )
    case = Case(id=new_id(), tenant_id=tenant_id, number=number, customer_id=customer.id, topic_id=topic_id)
    conversation = Conversation(
        id=new_id(), tenant_id=tenant_id, channel_id=channel_id, customer_id=customer.id, case_id=case.id
    )
    started = now - timedelta(minutes=rng.randint(5, 600))
    messages = [
        Message(
            id=new_id(),
            tenant_id=tenant_id,
            conversation_id=conversation.id,
            case_id=case.id,
            customer_id=customer.id,
            channel_id=channel_id,
            channel_kind=kind,
            direction=direction,
            sender_identity=f"{kind}:customer-{number}",
            text=rng.choice(TEXTS),
            sent_at=started + timedelta(minutes=step),
        )
        for step, direction in enumerate(("in", "out", "in"))
    ]
    offered = number % 10 == 0
    callback = not offered and number % 10 == 1
    task = Task(
        id=new_id(),
        tenant_id=tenant_id,
        kind="callback" if callback else "conversation",
        status="offered" if offered else "assigned",
        queue=rng.choice(("general", "priority", "billing")),
        priority=rng.randint(0, 5),
        reason="routed:bench",
        customer_id=customer.id,
        case_id=case.id,
        conversation_id=conversation.id,
        assigned_user_id=None if offered else user_id,
        assigned_at=None if offered else started,
        due_at=now + timedelta(minutes=rng.randint(-30, 120)),
        channel_kind="voice" if callback else kind,
    )
    overdue = rng.random() < 0.2
    first_due = now + timedelta(minutes=rng.randint(-60, -1) if overdue else rng.randint(1, 240))
    clocks = [
        _clock(tenant_id, case.id, "first_response", started, first_due, rng.choice(("running", "met"))),
        _clock(
            tenant_id, case.id, "resolution", started, now + timedelta(hours=rng.randint(1, 48)), "running"
        ),
    ]
    extra: list[Any] = []
    if offered:
        extra.append(
            Offer(
                id=new_id(),
                tenant_id=tenant_id,
                task_id=task.id,
                user_id=user_id,
                status="pending",
                offered_at=now,
                expires_at=now + timedelta(days=1),  # stays pending through the run
            )
        )
    return [customer, case, conversation, *messages, task, *clocks, *extra]


def _clock(
    tenant_id: Any, case_id: Any, kind: str, started: datetime, due: datetime, status: str
) -> SlaClock:
    return SlaClock(
        id=new_id(),
        tenant_id=tenant_id,
        case_id=case_id,
        kind=kind,
        target_seconds=3600,
        channel_class="async",
        started_at=started,
        warn_at=due - timedelta(minutes=10),
        due_at=due,
        status=status,
    )


def log_in(client: TestClient) -> None:
    form = client.get("/login")
    match = _CSRF.search(form.text)
    if match is None:
        raise SystemExit("the login page has no CSRF field")
    answer = client.post(
        "/login",
        data={"csrf_token": match.group(1), "email": AGENT_EMAIL, "password": PASSWORD, "next": "/desktop"},
        follow_redirects=False,
    )
    if answer.status_code != 303:
        raise SystemExit(f"login failed: {answer.status_code} {answer.text[:200]}")


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__,
        argv,
        default_n=200,
        quick_n=20,
        n_help="timed requests",
        add=lambda parser: parser.add_argument("--items", type=int, default=500),
    )
    database_url = args.database_url or os.environ.get("OMNILINE_BENCH_DATABASE_URL")
    with throwaway_database(database_url, label="desktop_inbox") as url:
        upgrade_database(sqlalchemy_url(url))
        container = bootstrap(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
        try:
            now = container.clock()
            progress(f"building {args.items} inbox items on {backend_of(url)} …")
            actor = build(container, args.items, now)
            with TestClient(create_app(container, run_workers=False)) as client:
                log_in(client)

                def fetch(_: int) -> Response:
                    response: Response = client.get("/desktop/inbox")
                    return response

                for index in range(warmup_count(args.n)):
                    fetch(index)
                html = fetch(0).text
                shown = html.count("data-task-id=") + html.count("data-offer-id=")
                if shown != args.items:
                    raise SystemExit(f"the inbox shows {shown} items, expected {args.items}")
                page = time_each(list(range(args.n)), fetch, check=_check_ok, cpu=True)

                def query(_: int) -> int:
                    with container.uow() as uow:
                        inbox = load_inbox(uow.session, actor, language="en", now=container.clock())
                        return len(inbox.offers) + len(inbox.work)

                queries = time_each(list(range(args.n)), query, cpu=True)
            emit(
                {
                    "bench": "desktop_inbox",
                    "backend": backend_of(url),
                    "items": args.items,
                    "n": args.n,
                    "p50_ms": page["p50_ms"],
                    "p99_ms": page["p99_ms"],
                    "cpu_ms": page["cpu_ms"],
                    "query_p50_ms": queries["p50_ms"],
                    "query_p99_ms": queries["p99_ms"],
                    "query_cpu_ms": queries["cpu_ms"],
                    "bytes": len(html.encode()),
                }
            )
        finally:
            container.close()
    return 0


def _check_ok(_: int, response: Response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"GET /desktop/inbox answered {response.status_code}")


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    progress(f"done in {time.perf_counter() - started:.1f} s")
    sys.exit(code)
