"""The real `omniline serve` as a process, for tests that talk HTTP, WebSocket and SMTP to it."""

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "omniline", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextlib.contextmanager
def serving(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`omniline serve` with `env`, once /healthz answers; its base URL. Stopped afterwards."""
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "omniline", "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{env['OMNILINE_PORT']}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).json() == {"status": "ok"}:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def set_up_shop(env: dict[str, str], webhook_url: str) -> tuple[str, dict[str, str]]:
    """A tenant, an agent and an app channel, set up with the CLI: the agent's token and the channel."""
    run_cli(env, "tenant", "create", "--slug", "shop", "--name", "Магазин", "--region", "RU")
    run_cli(
        env, "user", "create", "--email", "agent@shop.test", "--password", "agent-pass-1", "--role", "agent"
    )
    token = run_cli(env, "token", "create", "--email", "agent@shop.test").strip()
    config = json.dumps({"webhook_url": webhook_url})
    channel = json.loads(run_cli(env, "channel", "add", "--kind", "api", "--name", "App", "--config", config))
    return token, channel


def next_of_type(ws: ClientConnection, kind: str) -> dict[str, Any]:
    event = json.loads(ws.recv(timeout=10))
    while event["type"] != kind:
        event = json.loads(ws.recv(timeout=10))
    return dict(event)
