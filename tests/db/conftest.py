"""What the tests of the database layer share."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container
from omniline.settings import Settings


@pytest.fixture
def tenant_id(container: Container) -> uuid.UUID:
    """A tenant for the rows the tests write directly."""
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="db", name="Database / База / 数据库")
        uow.commit()
        return tenant.id


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, on the backend the tests run on."""
    url = make_url(Settings(database_url=database_url, environment="development").sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path}/migration.db"
        return
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
