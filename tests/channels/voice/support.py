"""Helpers for the voice tests: fixtures and what the database holds."""

import json
from pathlib import Path
from typing import Any

from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from tests.support import ApiWorld

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def raw_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def post_abandoned_call(world: ApiWorld, channel_name: str = "PBX") -> dict[str, Any]:
    """A CTI voice channel and an abandoned call on it: the ids the hook answered with."""
    channel = world.client.post(
        "/api/v1/channels",
        json={"kind": "voice", "name": channel_name, "config": {"provider": "cti"}},
        headers=world.admin_headers,
    ).json()
    raw = raw_fixture("cti_call_abandoned.json")
    response = world.client.post(
        f"/hooks/{channel['id']}",
        content=raw,
        headers={"X-Omniline-Signature": sign_body(channel["secret"], raw)},
    )
    assert response.status_code == 202, response.text
    ids: dict[str, Any] = response.json()
    return ids


def messages_of(container: Container) -> list[dict[str, Any]]:
    """Every stored message, in the order stored (ids are time-ordered)."""
    with container.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT text, event, external_id, sender_identity, meta FROM messages ORDER BY id"
        ).all()
    return [
        {
            "text": row.text,
            "event": row.event,
            "external_id": row.external_id,
            "sender_identity": row.sender_identity,
            "meta": json.loads(row.meta) if isinstance(row.meta, str) else row.meta,
        }
        for row in rows
    ]


def tasks_of(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT t.reason, t.queue, t.status, t.case_id, t.due_at, t.created_at, "
            "m.case_id AS message_case_id FROM tasks t JOIN messages m ON m.id = t.message_id ORDER BY t.id"
        ).all()
    return [dict(row._mapping) for row in rows]
