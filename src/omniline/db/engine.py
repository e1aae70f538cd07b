"""Engine creation with the per-backend settings that make SQLite a fair embedded default."""

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from omniline.db import write_behind
from omniline.db.checkpoints import FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer


def build_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and write-intent transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    return _postgresql_engine(url, echo=echo)


def build_ingest_engine(url: str, *, connections: int, echo: bool = False) -> Engine | None:
    """The engine of the hooks' writer threads (pipeline/group_commit.py) on PostgreSQL: a pool of its
    own, `connections` strong, whose sessions plan each statement once. None on SQLite (one writer: the
    shared engine serves).

    The writers send the same dozen statements thousands of times. psycopg prepares a statement on a
    connection after its fifth run there, but with `plan_cache_mode` left at auto the server still
    planned most of them anew on every call: for `= ANY(:array)` and the writes from JSON record sets
    its estimate for a generic plan came out dearer than a custom one, and planning took about a
    quarter of the statements' time (`pg_stat_statements` with `track_planning`, over HTTP). The
    writers' statements are lookups and writes by key, whose plans do not depend on the values (no
    partial indexes), so their generic plans are the same plans. Their own small pool also keeps the
    prepared statements on the few connections they use, where the shared pool spread them over many."""
    if make_url(url).get_backend_name() == "sqlite":
        return None
    return _postgresql_engine(
        url,
        echo=echo,
        pool_size=connections,
        max_overflow=connections,
        options="-c plan_cache_mode=force_generic_plan",
    )


# A connection that waited in the pool longer than this is tested before use (a database restart or a
# dropped link is found there, not in the request); one in steady use is not, which spares a round
# trip per transaction under load.
IDLE_BEFORE_PING_SECONDS = 2.0


def _postgresql_engine(
    url: str, *, echo: bool, pool_size: int = 10, max_overflow: int = 20, options: str | None = None
) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # The connection used last is handed out first: the busy few stay warm (their prepared
        # statements), and the rest idle until a burst needs them.
        pool_use_lifo=True,
        connect_args={} if options is None else {"options": options},
    )
    write_behind.watch(engine)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS:
            return
        ping(dbapi_connection)

    return engine


def start_checkpoints(url: str) -> WalCheckpointer | None:
    """The background WAL checkpoints of an SQLite database file (None for PostgreSQL or :memory:)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return WalCheckpointer(parsed.database).start()


def ping(dbapi_connection: Any) -> None:
    """One round trip; DisconnectionError (the pool then takes another connection) if it fails."""
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(f"a pooled connection failed its check: {error}") from error


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        from pathlib import Path

        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; the WAL survives crashes
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages per connection: fewer reads
        cursor.execute("PRAGMA mmap_size=268435456")  # read through a memory map, not read() calls
        # Checkpoints are WalCheckpointer's (db/checkpoints.py); a commit checkpoints only if it lags.
        cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes can fail at once with "database is locked"
        # when another writer got in between; taking the write lock up front makes writers queue instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
