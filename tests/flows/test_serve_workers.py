"""`omniline serve --workers N`: N app processes on one port under uvicorn's supervisor, as an operator
runs it on a machine with more cores than one process can use."""

import json
import signal
import smtplib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from omniline.channels.signing import sign_body
from tests.flows.real_server import free_port, next_of_type, run_cli, set_up_shop
from tests.redis_server import wait_for_listeners
from tests.support import app_message
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.server


def _worker_pids(supervisor: int) -> set[int]:
    """The supervisor's app processes (multiprocessing's spawned children; not its resource tracker)."""
    pids = set()
    for task in Path(f"/proc/{supervisor}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                pids.add(int(child))
    return pids


def _listens_on(pid: int, port: int) -> bool:
    """Whether process `pid` holds a listening TCP socket on `port` (/proc/net/tcp: state 0A)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(f"socket:[{fields[9]}]")
    descriptors = Path(f"/proc/{pid}/fd")
    return any(str(link.readlink()) in inodes for link in descriptors.iterdir() if link.is_symlink())


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(
    ("database_url", "redis_url", "refusal"),
    [
        ("sqlite:///{tmp}/one.db", "redis://127.0.0.1:6379/0", "needs PostgreSQL"),
        ("postgresql://postgres@127.0.0.1:5432/omniline", "", "needs OMNILINE_REDIS_URL"),
    ],
)
def test_several_workers_without_what_they_share_are_refused(
    tmp_path: Path, database_url: str, redis_url: str, refusal: str
) -> None:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "OMNILINE_DATABASE_URL": database_url.format(tmp=tmp_path),
        "OMNILINE_REDIS_URL": redis_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "omniline", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"OMNILINE_WORKERS above 1 {refusal}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not _port_is_open(port)
    assert list(tmp_path.iterdir()) == []  # not even the SQLite file was created


def test_worker_processes_share_the_port_outlive_a_crash_and_stop_together(
    server_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    if server_env["OMNILINE_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("several workers need PostgreSQL (refused on SQLite, tested above)")
    channel_name = f"omniline:test:{uuid.uuid4().hex}"
    smtp_port = free_port()
    env = server_env | {
        "OMNILINE_REDIS_URL": redis_url,
        "OMNILINE_REDIS_CHANNEL": channel_name,
        "OMNILINE_SMTP_PORT": str(smtp_port),
    }
    base = f"http://127.0.0.1:{env['OMNILINE_PORT']}"
    with webhook_receiver([200]) as receiver:
        token, channel = set_up_shop(env, receiver.url)
        run_cli(env, "channel", "add", "--kind", "email", "--name", "Почта", "--config",
                 json.dumps({"address": "help@shop.test"}))  # fmt: skip
        log = (tmp_path / "workers.log").open("wb")
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "omniline", "serve", "--workers", "2"], env=env, stdout=log, stderr=log
        )
        try:
            # given two app processes up (each listens on the bus as it starts)
            wait_for_listeners(redis_url, channel_name, 2)
            _wait_for(lambda: len(_worker_pids(supervisor.pid)) == 2, "two worker processes")
            first = _worker_pids(supervisor.pid)

            # when one of them dies, the supervisor starts another in its place
            crashed = min(first)
            subprocess.run(["kill", "-KILL", str(crashed)], check=True)
            _wait_for(
                lambda: len(pids := _worker_pids(supervisor.pid)) == 2 and crashed not in pids,
                "a worker started in place of the one that died",
            )
            wait_for_listeners(redis_url, channel_name, 2)
            # each takes SMTP connections on the one port, the new one too
            _wait_for(
                lambda: all(_listens_on(pid, smtp_port) for pid in _worker_pids(supervisor.pid)),
                "every worker listening on the SMTP port",
            )

            # then hooks and mail are served on the shared ports, and the agent hears of both
            with connect(
                f"ws://127.0.0.1:{env['OMNILINE_PORT']}/ws?access_token={token}", open_timeout=10
            ) as ws:
                assert json.loads(ws.recv(timeout=10))["type"] == "hello"
                received = set()
                for number in range(6):  # new connections: the kernel hands them to either process
                    body = json.dumps(
                        app_message(f"m-{number}", [f"app:{number}"], f"Заказ {number} 订单")
                    ).encode()
                    posted = httpx.post(
                        f"{base}/hooks/{channel['id']}",
                        content=body,
                        headers={"X-Omniline-Signature": sign_body(channel["secret"], body)},
                    )
                    assert posted.status_code == 202
                    received.add(posted.json()["message_id"])
                mail = EmailMessage()
                mail["From"] = "Пётр <petr@example.ru>"
                mail["To"] = "help@shop.test"
                mail["Subject"] = "Возврат 退款"
                mail.set_content("Верните деньги, пожалуйста. 请退款。")
                with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
                    assert smtp.send_message(mail) == {}
                heard = {}
                while len(heard) < 7:
                    event = next_of_type(ws, "message.received")
                    message = event["data"]["message"]
                    heard[message["id"]] = message["text"]
                assert received < heard.keys()
                assert "Верните деньги, пожалуйста. 请退款。" in {text.strip() for text in heard.values()}
        finally:
            # when the supervisor is stopped, so is every worker
            workers = _worker_pids(supervisor.pid)
            supervisor.send_signal(signal.SIGTERM)
            assert supervisor.wait(timeout=30) == 0
            log.close()
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or b"zombie" in Path(f"/proc/{pid}/status").read_bytes()
