"""Web chat at scale: one server process holding many widget sockets, and agent reply → widget latency.

    .venv/bin/python bench/webchat.py                    # 1,000 widgets, 500 replies, SQLite
    .venv/bin/python bench/webchat.py --quick            # 100 widgets, 50 replies
    .venv/bin/python bench/webchat.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Setup (in this process, on a throwaway database): a tenant, an agent, a webchat channel, and N visitors
who each wrote one message (through the pipeline), so each has a conversation an agent can answer.
Then the real server (`python -m omniline serve`, production settings) runs as a subprocess; N widget
sockets connect (hello with the visitor's signed token, wait for the welcome with its history), and
the server's resident memory is read from /proc. Finally an agent answers R of the conversations
through `POST /api/v1/conversations/{id}/messages`, one at a time; each latency is from sending the
request to the widget of that conversation receiving the reply frame (the API transaction, the bus,
the fan-out and the socket write). Targets (issue 3): N=1,000 under 300 MB RSS, p99 < 100 ms.

    {"bench": "webchat_sockets", "backend": "sqlite", "n": 1000, "connect_s": 6.5, "rss_mb": 214.5, ...}
    {"bench": "webchat_fanout", "backend": "sqlite", "n": 500, "p50_ms": 14.3, "p99_ms": 60.8, ...}
"""

import argparse
import asyncio
import json
import secrets
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from _support import (
    backend_of,
    emit,
    free_port,
    latency_summary,
    progress,
    running_server,
    throwaway_database,
)
from omniline.accounts.service import create_tenant, create_user
from omniline.bootstrap import bootstrap
from omniline.channels.service import channel_info, create_channel
from omniline.channels.webchat.service import Visitor, receive_visitor_message, visitor_inbound
from omniline.channels.webchat.tokens import issue_visitor_token
from omniline.db.migrate import upgrade_database
from omniline.kernel.ids import new_id
from omniline.security.tokens import TokenClaims, issue_token
from omniline.settings import Settings

ORIGIN = "http://bench.omniline.local"
TEXTS = ("Где мой заказ?", "你好，我的退款什么时候到账？", "Is my parcel on its way?")


@dataclass
class Prepared:
    channel_id: uuid.UUID
    visitors: list[tuple[str, str]]  # (token, conversation id)
    agent_token: str
    secret_key: str


def prepare(url: str, n: int) -> Prepared:
    secret_key = secrets.token_urlsafe(32)
    settings = Settings(database_url=url, environment="production", secret_key=secret_key)
    upgrade_database(settings.sqlalchemy_url)
    container = bootstrap(settings)
    try:
        with container.uow() as uow:
            tenant = create_tenant(uow.session, slug="bench", name="Bench")
            uow.session.flush()
            agent = create_user(
                uow.session,
                tenant_id=tenant.id,
                email="agent@bench.test",
                password="bench-pass-1",
                role="agent",
            )
            channel = create_channel(
                uow.session,
                container.channels,
                tenant_id=tenant.id,
                kind="webchat",
                name="Site chat",
                config={"allowed_origins": [ORIGIN]},
                actor="bench",
            )
            uow.session.flush()
            info = channel_info(channel, tenant.default_region)
            claims = TokenClaims(agent.id, tenant.id, agent.role)
            uow.commit()
        agent_token = issue_token(
            claims, secret_key=secret_key, now=container.clock(), lifetime=timedelta(hours=2)
        )
        visitors = []
        for index in range(n):
            visitor = Visitor(new_id(), name=f"Visitor {index}")
            inbound = visitor_inbound(
                info,
                visitor,
                external_id=f"{visitor.visitor_id}:first",
                text=TEXTS[index % len(TEXTS)],
                sent_at=container.clock(),
            )
            result = receive_visitor_message(container, info, inbound)
            token = issue_visitor_token(info.secret, info.id, visitor.visitor_id)
            visitors.append((token, str(result.conversation_id)))
        return Prepared(info.id, visitors, agent_token, secret_key)
    finally:
        container.close()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Widgets:
    """N open widget sockets; records when each conversation's reply frame arrives."""

    def __init__(self, base: str, prepared: Prepared) -> None:
        self.url = f"ws://{base}/webchat/{prepared.channel_id}/ws"
        self.prepared = prepared
        self.sockets: list[ClientConnection] = []
        self.arrived: dict[str, float] = {}  # reply text → monotonic time of arrival
        self.waiters: dict[str, asyncio.Event] = {}
        self.readers: list[asyncio.Task[None]] = []

    async def open_all(self, concurrency: int = 50) -> float:
        started = time.perf_counter()
        semaphore = asyncio.Semaphore(concurrency)

        async def open_one(token: str) -> None:
            async with semaphore:
                ws = await connect(self.url, origin=Origin(ORIGIN), open_timeout=30, max_queue=64)
                await ws.send(json.dumps({"type": "hello", "token": token}))
                welcome = json.loads(await ws.recv())
                assert welcome["type"] == "welcome" and len(welcome["messages"]) == 1, welcome
                self.sockets.append(ws)
                self.readers.append(asyncio.create_task(self._read(ws)))

        await asyncio.gather(*(open_one(token) for token, _ in self.prepared.visitors))
        return time.perf_counter() - started

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "message" and frame["message"]["direction"] == "out":
                text = frame["message"]["text"]
                self.arrived[text] = time.perf_counter()
                event = self.waiters.get(text)
                if event is not None:
                    event.set()

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def fan_out(base: str, prepared: Prepared, widgets: Widgets, replies: int) -> dict[str, Any]:
    latencies: list[float] = []
    api_latencies: list[float] = []
    missing = 0
    headers = {"Authorization": f"Bearer {prepared.agent_token}"}
    async with httpx.AsyncClient(base_url=f"http://{base}", headers=headers, timeout=30) as client:
        started = time.perf_counter()
        for index in range(replies):
            _, conversation_id = prepared.visitors[index % len(prepared.visitors)]
            text = f"Ответ {index}: 已发货 / shipped"
            widgets.waiters[text] = asyncio.Event()
            sent = time.perf_counter()
            response = await client.post(
                f"/api/v1/conversations/{conversation_id}/messages", json={"text": text}
            )
            api_latencies.append(time.perf_counter() - sent)
            assert response.status_code == 201, response.text
            try:
                await asyncio.wait_for(widgets.waiters[text].wait(), 5)
                latencies.append(widgets.arrived[text] - sent)
            except TimeoutError:
                missing += 1
        wall = time.perf_counter() - started
    summary = latency_summary(latencies, wall)
    api = latency_summary(api_latencies, wall)
    return summary | {"api_p50_ms": api["p50_ms"], "api_p99_ms": api["p99_ms"], "missing": missing}


async def drive(base: str, prepared: Prepared, pid: int, replies: int, backend: str) -> int:
    widgets = Widgets(base, prepared)
    rss_before = rss_mb(pid)
    connect_seconds = await widgets.open_all()
    await asyncio.sleep(1.0)  # let the server settle before reading its memory
    n = len(widgets.sockets)
    emit(
        {
            "bench": "webchat_sockets",
            "backend": backend,
            "n": n,
            "connect_s": round(connect_seconds, 2),
            "rss_idle_mb": rss_before,
            "rss_mb": rss_mb(pid),
            "target_rss_mb": 300,
        }
    )
    result = await fan_out(base, prepared, widgets, replies)
    emit(
        {"bench": "webchat_fanout", "backend": backend, "n": replies, "sockets": n}
        | result
        | {"rss_after_mb": rss_mb(pid), "target_p99_ms": 100}
    )
    await widgets.close()
    return 0 if result["missing"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="100 sockets, 50 replies")
    args = parser.parse_args(argv)
    sockets, replies = (100, 50) if args.quick else (args.sockets, args.replies)
    with throwaway_database(args.database_url, label="webchat") as url:
        progress(f"preparing {sockets} visitors with one message each")
        prepared = prepare(url, sockets)
        port = free_port()
        with running_server(url, port, secret_key=prepared.secret_key) as server:
            progress(f"server up (pid {server.process.pid}); opening {sockets} widget sockets")
            return asyncio.run(
                drive(f"127.0.0.1:{port}", prepared, server.process.pid, replies, backend_of(url))
            )


if __name__ == "__main__":
    sys.exit(main())
