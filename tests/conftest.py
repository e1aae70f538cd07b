"""Shared fixtures: a real database built by the migrations, a container and an HTTP client per test.

The database is SQLite in a temporary file, or PostgreSQL when OMNILINE_TEST_DATABASE_URL is set
(`.ci/run` sets it to a throwaway database). The schema is migrated once per run; every test starts
from empty tables and really commits, so tests see exactly what the application stores.
"""

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from omniline.accounts import passwords
from omniline.app import create_app
from omniline.bootstrap import Container, bootstrap
from omniline.db.base import Base
from omniline.db.migrate import upgrade_database
from omniline.settings import Settings
from tests.redis_server import RedisServer
from tests.support import ApiWorld, make_world

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at production cost takes ~0.3 s per hash here; tests hash hundreds of passwords.
    Hashes carry their own parameters, so verification follows whatever cost made them."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("OMNILINE_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'omniline-test.db'}"
    upgrade_database(Settings(database_url=url, environment="development").sqlalchemy_url)
    return url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Redis for the shared event bus: OMNILINE_TEST_REDIS_URL when set (`.ci/run` points it at the
    local server), else a private `redis-server` started for this run."""
    url = os.environ.get("OMNILINE_TEST_REDIS_URL")
    if url:
        yield url
        return
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "outbox_base_delay_seconds": 0.01,
        "outbox_max_delay_seconds": 0.05,
        "outbox_max_attempts": 4,
        "outbound_timeout_seconds": 2.0,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    container = bootstrap(settings)
    try:
        yield container
    finally:
        try:
            empty_all_tables(container)
        finally:
            container.close()


def empty_all_tables(container: Container) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    for attempt in range(5):
        try:
            with container.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
                    # Case numbers come from a sequence there (migration 0003): each test starts at C-1.
                    connection.execute(text("ALTER SEQUENCE case_number_seq RESTART WITH 1"))
                else:
                    for name in tables:
                        connection.execute(text(f"DELETE FROM {name}"))
            return
        except OperationalError as error:
            # A server process of the browser tests shares the database, and its background jobs keep
            # running transactions: TRUNCATE, which locks table after table, can deadlock with one of
            # them, and PostgreSQL then breaks the deadlock by failing one side.
            if "deadlock" not in str(error.orig).lower() or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container, run_workers=False), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(container: Container, client: TestClient) -> ApiWorld:
    """A tenant with an admin and an agent (tokens ready) and an `api` channel."""
    return make_world(container, client, slug=f"t{uuid.uuid4().hex[:8]}")


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
