"""A private `redis-server` for tests: started on a free loopback port, stopped and started again at
will (an outage), removed at the end."""

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make system-deps installs it)")
        self._command = [binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self._folder / "redis.log").open("ab")
        self._process = subprocess.Popen(
            [*self._command, "--port", str(self.port), "--dir", str(self._folder)], stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + 10
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self._process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError((self._folder / "redis.log").read_text()) from None
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def wait_for_listeners(url: str, channel: str, count: int) -> None:
    """Until `count` clients are subscribed to `channel` (buses subscribe as their process starts,
    and again after an outage)."""
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 15
        while dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) < count:
            assert time.monotonic() < deadline, f"fewer than {count} listeners on {channel}"
            time.sleep(0.05)
    finally:
        client.close()
