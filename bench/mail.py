"""Email benchmarks.

    .venv/bin/python bench/mail.py [--database-url URL] [--n 3000] [--connections 8] [--quick]

`email_smtp_listener`: N mails of ~10 KB (English, Russian, Chinese; ~30% from new senders) sent
with smtplib over real sockets, from several connections at once, to the production SMTP listener
(listener.smtp_factory on an asyncio loop): each mail is parsed and ingested in its own transaction
before the 250 answer, against a fresh migrated database. Latency is per mail, as the sender sees
it. Target ≥ 300 mails/s. `email_corpus_parse`: every mail of ../shared/corpus/zammad-mail parsed
(MIME, charsets, HTML → text and sanitising; no database), repeated. Target ≥ 500 mails/s.
"""

import asyncio
import random
import smtplib
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from sqlalchemy import func, select

from _support import (
    backend_of,
    bench_args,
    bench_channel,
    emit,
    latency_summary,
    progress,
    throwaway_database,
    time_each,
)
from omniline.channels.email.listener import smtp_factory
from omniline.channels.email.parsing import parse_mail
from omniline.messages.models import Message

ADDRESS = "support@bench.example"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "zammad-mail"
PARAGRAPHS = (
    "Hello, my order #{n} has not arrived yet. The tracking page says it left the warehouse a week ago. ",
    "Здравствуйте! Заказ №{n} так и не доставили, курьер не отвечает на звонки. Прошу разобраться. ",
    "你好，我的订单 {n} 还没有到，物流信息一周没有更新了，请帮我查一下。谢谢！",
)


def build_mails(n: int, seed: int = 11) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    mails = []
    for number in range(n):
        sender = f"customer{number if rng.random() < 0.3 else rng.randrange(200)}@example.com"
        paragraph = PARAGRAPHS[number % len(PARAGRAPHS)].format(n=number)
        body = "\n\n".join([paragraph] * (10_000 // len(paragraph.encode()) + 1))[:6000]
        mail = EmailMessage()
        mail["From"] = f"Customer {number} <{sender}>"
        mail["To"] = ADDRESS
        mail["Subject"] = ("Order", "Заказ", "订单")[number % 3] + f" {number}"
        mail["Message-ID"] = f"<bench-{number}@example.com>"
        mail.set_content(body)
        mails.append((sender, mail.as_bytes(policy=SMTP)))  # CRLF line ends, as on the wire
    return mails


def bench_listener(url: str, n: int, connections: int) -> None:
    container, _ = bench_channel(url, "email", {"address": ADDRESS}, name="Support")
    mails = build_mails(n)
    loop = asyncio.new_event_loop()
    _, factory = smtp_factory(container)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    latencies: list[float] = []
    lock = threading.Lock()

    def send(share: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for sender, raw in share:
                started = time.perf_counter()
                client.sendmail(sender, [ADDRESS], raw)
                with lock:
                    latencies.append(time.perf_counter() - started)

    workers = [
        threading.Thread(target=send, args=(mails[index::connections],)) for index in range(connections)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    with container.uow() as uow:
        stored = uow.session.scalar(select(func.count()).select_from(Message))
    container.close()
    size = sum(len(raw) for _, raw in mails) // len(mails)
    emit(
        {
            "bench": "email_smtp_listener",
            "backend": backend_of(url),
            "n": n,
            "connections": connections,
            "mail_bytes": size,
            "stored": stored,
            **latency_summary(latencies, wall),
        }
    )


def bench_corpus(rounds: int) -> None:
    if not CORPUS.is_dir():
        progress(f"corpus not found at {CORPUS}; email_corpus_parse skipped")
        return
    raws = [box.read_bytes() for box in sorted(CORPUS.glob("*.box"))]
    for raw in raws:  # warm-up: imports, lxml, codec tables
        parse_mail(raw)
    timed = time_each(raws * rounds, parse_mail)
    emit({"bench": "email_corpus_parse", "backend": "none", "n": len(raws) * rounds, **timed})


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__,
        argv,
        default_n=3_000,
        quick_n=300,
        add=lambda parser: parser.add_argument("--connections", type=int, default=8),
    )
    bench_corpus(2 if args.quick else 5)
    with throwaway_database(args.database_url, label="email") as url:
        bench_listener(url, args.n, args.connections)
    return 0


if __name__ == "__main__":
    sys.exit(main())
