"""Test helpers: build a tenant with people and a channel, sign and post app messages, count rows."""

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from omniline.accounts.models import User
from omniline.accounts.service import create_tenant, create_user
from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from omniline.channels.tasks import send_due_deliveries
from omniline.db.base import Base

PASSWORD = "correct-horse-battery"


@dataclass
class ApiWorld:
    tenant_id: uuid.UUID
    admin_headers: dict[str, str]
    agent_headers: dict[str, str]
    channel: dict[str, Any]
    client: TestClient

    def post_app_message(
        self, body: dict[str, Any], *, secret: str | None = None, channel_id: str | None = None
    ) -> Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        return self.post_raw(raw, secret=secret, channel_id=channel_id)

    def post_raw(self, raw: bytes, *, secret: str | None = None, channel_id: str | None = None) -> Response:
        signature = sign_body(secret or self.channel["secret"], raw)
        return self.client.post(
            f"/hooks/{channel_id or self.channel['id']}",
            content=raw,
            headers={"X-Omniline-Signature": signature, "Content-Type": "application/json"},
        )


def app_message(
    external_id: str, identities: list[str], text: str = "Где мой заказ?", **extra: Any
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "sender": {"identities": identities, "name": extra.pop("name", "Анна")},
        "text": text,
        "sent_at": "2026-11-23T10:00:00+00:00",
        **extra,
    }


def agent_email(container: Container, world: ApiWorld) -> str:
    """The e-mail of the world's agent."""
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == "agent")
        )
    assert email is not None
    return email


class HandClock:
    """A container's clock moved by hand: `container.clock = HandClock(start)`, then `clock.now += …`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def login(client: TestClient, email: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def make_world(
    container: Container, client: TestClient, *, slug: str, webhook_url: str | None = None
) -> ApiWorld:
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug=slug, name=f"Tenant {slug}")
        uow.session.flush()
        create_user(
            uow.session, tenant_id=tenant.id, email=f"admin@{slug}.test", password=PASSWORD, role="admin"
        )
        create_user(
            uow.session, tenant_id=tenant.id, email=f"agent@{slug}.test", password=PASSWORD, role="agent"
        )
        uow.commit()
        tenant_id = tenant.id
    admin = login(client, f"admin@{slug}.test")
    config = {"webhook_url": webhook_url} if webhook_url else {}
    response = client.post(
        "/api/v1/channels", json={"kind": "api", "name": "App", "config": config}, headers=admin
    )
    assert response.status_code == 201, response.text
    return ApiWorld(tenant_id, admin, login(client, f"agent@{slug}.test"), response.json(), client)


def row_counts(container: Container) -> dict[str, int]:
    """How many rows each table holds: compare before and after to prove nothing was stored."""
    with container.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def drain_outbox(container: Container, *, until: float = 5.0) -> None:
    """Run the outbox until nothing is pending (retry delays in tests are milliseconds)."""
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        send_due_deliveries(container)
        with container.engine.connect() as connection:
            pending = connection.exec_driver_sql(
                "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')"
            ).scalar_one()
        if not pending:
            return
        time.sleep(0.02)
    raise AssertionError("the outbox did not settle")
