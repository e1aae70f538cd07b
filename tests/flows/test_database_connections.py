"""Pooled PostgreSQL connections are checked only after they waited (db/engine.py): a connection the
server dropped meanwhile (a restart, a killed backend) is replaced before a request uses it."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from omniline.bootstrap import Container
from omniline.db import engine as engine_module


def backend_pid(container: Container) -> int:
    with container.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    # given a pooled connection whose backend the server has since ended
    dropped = backend_pid(container)
    killer = create_engine(container.engine.url, poolclass=NullPool)
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    killer.dispose()
    # …and that has waited longer than the check's threshold
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING_SECONDS", 0.0)

    # when the next request takes a connection, it works, on another backend
    assert backend_pid(container) != dropped


def test_only_a_connection_that_waited_is_checked(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("the check is PostgreSQL's")
    checked: list[object] = []
    real_ping = engine_module.ping

    def counting_ping(dbapi_connection: object) -> None:
        checked.append(dbapi_connection)
        real_ping(dbapi_connection)

    monkeypatch.setattr(engine_module, "ping", counting_ping)
    backend_pid(container)  # a connection is in the pool

    # a connection taken again at once is not checked: no round trip spent on it
    backend_pid(container)
    assert checked == []

    # one that waited longer than the threshold is
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING_SECONDS", 0.0)
    backend_pid(container)
    assert len(checked) == 1
