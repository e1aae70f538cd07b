"""Fixtures for the tests that run the real server process (tests/flows/real_server.py)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniline.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.flows.real_server import free_port, serving


@pytest.fixture
def server_env(settings: Settings, container: object) -> dict[str, str]:
    # `container` empties the tables afterwards; the server shares the test database.
    port = free_port()
    return os.environ | {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "production",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
        "OMNILINE_PORT": str(port),
        "OMNILINE_OUTBOX_BASE_DELAY_SECONDS": "0.05",
        "OMNILINE_OUTBOX_POLL_SECONDS": "0.05",
        "OMNILINE_LOG_LEVEL": "warning",
    }


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with serving(server_env, tmp_path / "server.log") as base:
        yield base
