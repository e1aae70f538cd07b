"""What the benchmarks share: the command line, a throwaway database, a tenant with one channel,
the timing loops (per item, a webhook through `process_hook`, the adapter's parsing alone),
percentiles, the JSON result lines.

Run the benchmarks as scripts (`.venv/bin/python bench/ingest.py`): this module is imported from the
script's own directory.
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container, bootstrap
from omniline.channels.base import ChannelInfo, HookRequest, InboundBatch
from omniline.channels.hooks import process_hook
from omniline.channels.service import channel_info, create_channel
from omniline.db.migrate import upgrade_database
from omniline.pipeline.ingest import IngestResult
from omniline.settings import Settings

T = TypeVar("T")
R = TypeVar("R")
HookOutcome = tuple[InboundBatch, list[IngestResult]]  # what `process_hook` returns
HookCheck = Callable[[HookRequest, HookOutcome], object]  # raises (SystemExit) if the outcome is wrong


def bench_args(
    doc: str | None,
    argv: list[str] | None,
    *,
    default_n: int,
    quick_n: int,
    n_help: str | None = None,
    add: Callable[[argparse.ArgumentParser], object] | None = None,
) -> argparse.Namespace:
    """The command line every benchmark takes: --database-url, --n and --quick (which sets `n` to
    `quick_n`), plus whatever `add` adds. The module docstring is the help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--n", type=int, default=default_n, help=n_help)
    parser.add_argument("--quick", action="store_true", help=f"a smoke run with n={quick_n}")
    if add is not None:
        add(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.n = quick_n
    return args


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith(("postgresql", "postgres:")) else "sqlite"


def sqlalchemy_url(url: str) -> str:
    """`postgresql://…` with the psycopg 3 driver filled in, as the application does."""
    return Settings(database_url=url).sqlalchemy_url


@contextlib.contextmanager
def throwaway_database(url: str | None, *, label: str) -> Iterator[str]:
    """A fresh, empty database for one run (its plain URL), removed afterwards.

    None → an SQLite file in a new temporary directory. A postgresql:// URL names the server: a
    database `omniline_bench_<pid>_<label>` is created there (through the `postgres` database, in
    AUTOCOMMIT) and dropped at the end, whatever happens.
    """
    if url is None or backend_of(url) == "sqlite":
        if url is not None:  # an explicit SQLite URL is used as given (and kept)
            yield url
            return
        directory = tempfile.mkdtemp(prefix="omniline-bench-")
        try:
            yield f"sqlite:///{directory}/{label}.db"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    name = f"omniline_bench_{os.getpid()}_{label}"
    server = make_url(sqlalchemy_url(url))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def latency_summary(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "per_s": round(len(ordered) / wall_seconds, 1) if wall_seconds > 0 else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
    }


def emit(result: dict[str, Any]) -> None:
    """One JSON object per line on stdout (DESIGN §4)."""
    print(json.dumps(result, ensure_ascii=False), flush=True)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_each(
    items: Sequence[T],
    call: Callable[[T], R],
    *,
    check: Callable[[T, R], object] | None = None,
    cpu: bool = False,
) -> dict[str, float]:
    """Call `call` on every item, timing each call; the latency summary of the whole run.

    `check(item, result)`, if given, runs after each call, outside its timing. `cpu` adds `cpu_ms`:
    this process's CPU time per item, what the code costs whatever else shares the machine's cores.
    """
    clock = time.perf_counter
    latencies: list[float] = []
    started, cpu_started = clock(), time.process_time()
    for item in items:
        began = clock()
        result = call(item)
        latencies.append(clock() - began)
        if check is not None:
            check(item, result)
    wall, cpu_seconds = clock() - started, time.process_time() - cpu_started
    summary = latency_summary(latencies, wall)
    if cpu:
        summary["cpu_ms"] = round(cpu_seconds * 1000 / len(items), 3) if items else 0.0
    return summary


def warmup_count(n: int) -> int:
    """How many requests run, not measured, before N measured ones: min(200, max(10, N/20))."""
    return min(200, max(10, n // 20))


def bench_channel(
    url: str,
    kind: str,
    config: dict[str, Any],
    *,
    name: str = "Bench",
    public_url: str | None = None,
) -> tuple[Container, ChannelInfo]:
    """Migrate the database with `upgrade_database`; a tenant "bench" and one channel of `kind`,
    created through the services (`create_tenant`, `create_channel`). The container's settings have
    a random secret key (and `public_url`, where the provider signs over it)."""
    upgrade_database(sqlalchemy_url(url))
    secret_key = secrets.token_urlsafe(32)
    settings = (
        Settings(database_url=url, secret_key=secret_key)
        if public_url is None  # not passed at all, so OMNILINE_PUBLIC_URL still applies, as before
        else Settings(database_url=url, secret_key=secret_key, public_url=public_url)
    )
    container = bootstrap(settings)
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="bench", name="Bench / Бенч / 基准")
        uow.session.flush()
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant.id,
            kind=kind,
            name=name,
            config=config,
            actor="bench",
        )
        uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return container, info


def time_hooks(
    container: Container,
    channel: ChannelInfo,
    requests: Sequence[HookRequest],
    *,
    warm: int,
    check: HookCheck | None = None,
    cpu: bool = False,
) -> dict[str, float]:
    """Each request through `process_hook` (channels/hooks.py), as the web route does: the first
    `warm` not measured, then the rest timed one by one (`time_each`). `check` looks at every
    answer, the warm-up's too."""

    def hook(request: HookRequest) -> HookOutcome:
        return process_hook(container, channel.id, request)

    for request in requests[:warm]:
        outcome = hook(request)
        if check is not None:
            check(request, outcome)
    return time_each(requests[warm:], hook, check=check, cpu=cpu)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    process: "subprocess.Popen[bytes]"
    log: IO[bytes]

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]


@contextlib.contextmanager
def running_server(
    database_url: str, port: int, *, secret_key: str, workers: int = 1
) -> Iterator[ServerProcess]:
    """`python -m omniline serve` as its own process with production settings (`workers` app
    processes), once /healthz answers; stopped afterwards. If it dies or never answers, its log ends
    the benchmark."""
    env = os.environ | {
        "OMNILINE_DATABASE_URL": database_url,
        "OMNILINE_ENVIRONMENT": "production",
        "OMNILINE_SECRET_KEY": secret_key,
        "OMNILINE_LOG_LEVEL": "warning",
        "OMNILINE_HOST": "127.0.0.1",
        "OMNILINE_PORT": str(port),
    }
    command = [sys.executable, "-m", "omniline", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(server, port, log)
            yield ServerProcess(server, log)
        except BaseException:
            progress(ServerProcess(server, log).log_tail())
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_healthy(server: "subprocess.Popen[bytes]", port: int, log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited early")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become healthy within 60 s")


def time_parse(
    container: Container, channel: ChannelInfo, requests: Sequence[HookRequest]
) -> dict[str, float]:
    """The adapter alone (signature check and parsing), no database."""
    adapter = container.channels.get(channel.kind)
    context = container.adapter_context
    return time_each(requests, lambda request: adapter.parse_hook(channel, request, context))
