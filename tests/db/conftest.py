"""What the tests of the database layer share."""

import uuid

import pytest

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container


@pytest.fixture
def tenant_id(container: Container) -> uuid.UUID:
    """A tenant for the rows the tests write directly."""
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="db", name="Database / База / 数据库")
        uow.commit()
        return tenant.id
