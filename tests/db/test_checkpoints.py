"""SQLite's write-ahead log is checkpointed by a background thread (db/checkpoints.py), not by the
commits of the group-commit writer; closing the container empties the log."""

import os
import time

import pytest
from sqlalchemy import text

from omniline.bootstrap import Container, bootstrap
from omniline.db.checkpoints import FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer
from omniline.settings import Settings
from tests.support import ApiWorld, app_message


def test_commits_leave_checkpoints_to_the_background_thread(container: Container, world: ApiWorld) -> None:
    if container.engine.dialect.name != "sqlite":
        assert container.checkpoints is None  # PostgreSQL has its own checkpointer
        return
    checkpoints = container.checkpoints
    assert isinstance(checkpoints, WalCheckpointer) and checkpoints.running
    with container.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert (
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == FALLBACK_AUTOCHECKPOINT_PAGES
        )
    before = checkpoints.checkpoints
    response = world.post_app_message(app_message("wal-1", ["email:anna@пример.рф"], "我的订单在哪里？"))
    assert response.status_code == 202
    deadline = time.monotonic() + 5
    while checkpoints.checkpoints == before:
        assert time.monotonic() < deadline, "no checkpoint after a write"
        time.sleep(0.05)


def test_closing_stops_the_thread_and_empties_the_log(settings: Settings) -> None:
    if not settings.sqlalchemy_url.startswith("sqlite"):
        pytest.skip("the write-ahead log here is SQLite's")
    container = bootstrap(settings)
    with container.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS wal_probe (note TEXT)"))
        connection.execute(text("INSERT INTO wal_probe VALUES ('проверка 检查')"))
    checkpoints = container.checkpoints
    assert checkpoints is not None
    log_file = checkpoints.path + "-wal"
    container.close()
    assert not checkpoints.running
    assert not os.path.exists(log_file) or os.path.getsize(log_file) == 0
    reopened = bootstrap(settings)
    try:
        with reopened.engine.begin() as connection:
            assert connection.execute(text("SELECT note FROM wal_probe")).scalar() == "проверка 检查"
            connection.execute(text("DROP TABLE wal_probe"))
    finally:
        reopened.close()
