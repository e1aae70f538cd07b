"""An admin's test send through a channel: one real delivery in the outbox to the typed address, which
reaches the receiver (or fails with its error); refused for other roles, other tenants, disabled and
inbound-only channels. And enabling or disabling a channel."""

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.models import Delivery
from omniline.security.models import AuditEntry
from tests.support import PASSWORD, ApiWorld, drain_outbox, login, make_world, row_counts
from tests.webhook_receiver import webhook_receiver


def _channel(
    world: ApiWorld, kind: str, config: dict[str, Any], name: str = "Test channel"
) -> dict[str, Any]:
    response = world.client.post(
        "/api/v1/channels", json={"kind": kind, "name": name, "config": config}, headers=world.admin_headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _deliveries(container: Container) -> list[dict[str, Any]]:
    with container.uow() as uow:
        return [
            {
                "id": str(row.id),
                "status": row.status,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "recipient": row.payload["recipient"],
            }
            for row in uow.session.scalars(select(Delivery))
        ]


def test_a_test_send_reaches_the_apps_receiver_through_the_outbox(
    container: Container, world: ApiWorld
) -> None:
    with webhook_receiver([200]) as receiver:
        channel = _channel(world, "api", {"webhook_url": receiver.url})

        response = world.client.post(
            f"/api/v1/channels/{channel['id']}/test",
            json={"to": "app:42", "text": "Проверка 测试 <b>1</b>"},
            headers=world.admin_headers,
        )

        assert response.status_code == 201, response.text
        queued = response.json()
        assert (queued["status"], queued["attempts"], queued["message_id"]) == ("pending", 0, None)
        drain_outbox(container)
    [delivery] = _deliveries(container)
    assert (delivery["id"], delivery["status"], delivery["attempts"]) == (queued["id"], "sent", 1)
    assert delivery["recipient"] == "app:42"
    [request] = receiver.received
    body = json.loads(request.body)
    assert (body["recipient"], body["text"]) == ({"identity": "app:42"}, "Проверка 测试 <b>1</b>")
    assert request.headers["x-omniline-signature"].startswith("sha256=")
    seen = world.client.get(f"/api/v1/deliveries/{queued['id']}", headers=world.admin_headers).json()
    assert seen["status"] == "sent"
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "channel.test_sent")).one()
        assert audit.data == {"delivery_id": queued["id"], "recipient": "app:42"}


def test_a_refused_test_send_fails_with_the_receivers_answer(container: Container, world: ApiWorld) -> None:
    with webhook_receiver([400]) as receiver:
        channel = _channel(world, "api", {"webhook_url": receiver.url})
        response = world.client.post(
            f"/api/v1/channels/{channel['id']}/test",
            json={"to": "app:7", "text": "hi"},
            headers=world.admin_headers,
        )
        assert response.status_code == 201
        drain_outbox(container)
    [delivery] = _deliveries(container)
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("failed", 1, "HTTP 400: ")


def test_an_sms_test_goes_to_the_number_written_in_e164(container: Container, world: ApiWorld) -> None:
    channel = _channel(world, "sms", {"account_sid": "AC1", "auth_token": "t", "from_number": "+15005550006"})

    response = world.client.post(
        f"/api/v1/channels/{channel['id']}/test",
        json={"to": "8 (916) 123-45-67", "text": "test"},
        headers=world.admin_headers,
    )

    assert response.status_code == 201, response.text
    [delivery] = _deliveries(container)
    assert delivery["recipient"] == "phone:+79161234567"


@pytest.mark.parametrize(
    ("kind", "config", "to", "status", "code"),
    [
        ("walkin", {"address": "Main St 1"}, "app:1", 409, "cannot_send"),
        ("voice", {"provider": "cti"}, "+79161234567", 409, "cannot_send"),
        ("webchat", {"allowed_origins": ["*"]}, "visitor:1", 409, "cannot_send"),
        (
            "sms",
            {"account_sid": "AC1", "auth_token": "t", "from_number": "+15005550006"},
            "no phone",
            422,
            None,
        ),
        ("api", {}, "42", 422, None),
    ],
)
def test_a_channel_that_cannot_send_or_a_bad_address_is_refused_and_stores_nothing(
    container: Container,
    world: ApiWorld,
    kind: str,
    config: dict[str, Any],
    to: str,
    status: int,
    code: str | None,
) -> None:
    channel = _channel(world, kind, config)
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/channels/{channel['id']}/test",
        json={"to": to, "text": "hello"},
        headers=world.admin_headers,
    )

    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code
    assert row_counts(container) == before


def test_a_disabled_channel_sends_no_test_until_enabled_again(container: Container, world: ApiWorld) -> None:
    channel_id = world.channel["id"]

    disabled = world.client.patch(
        f"/api/v1/channels/{channel_id}", json={"is_active": False}, headers=world.admin_headers
    )
    refused = world.client.post(
        f"/api/v1/channels/{channel_id}/test", json={"to": "app:1", "text": "hi"}, headers=world.admin_headers
    )
    enabled = world.client.patch(
        f"/api/v1/channels/{channel_id}", json={"is_active": True}, headers=world.admin_headers
    )

    assert (disabled.status_code, disabled.json()["is_active"]) == (200, False)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "channel_disabled")
    assert (enabled.status_code, enabled.json()["is_active"]) == (200, True)
    assert "secret" not in enabled.json()
    assert _deliveries(container) == []
    with container.uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_id == uuid.UUID(channel_id))
            .order_by(AuditEntry.at)
        ).all()
    assert list(actions) == ["channel.created", "channel.disabled", "channel.enabled"]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_send_tests_or_switch_channels(container: Container, world: ApiWorld, who: str) -> None:
    if who == "agent":
        headers = world.agent_headers
    else:
        world.client.post(
            "/api/v1/users",
            json={"email": "sup@example.com", "name": "Sup", "role": "supervisor", "password": PASSWORD},
            headers=world.admin_headers,
        )
        headers = login(world.client, "sup@example.com")
    before = row_counts(container)

    answers = [
        world.client.post(
            f"/api/v1/channels/{world.channel['id']}/test", json={"to": "app:1", "text": "x"}, headers=headers
        ),
        world.client.patch(
            f"/api/v1/channels/{world.channel['id']}", json={"is_active": False}, headers=headers
        ),
    ]

    assert [answer.status_code for answer in answers] == [403, 403]
    assert row_counts(container) == before


def test_another_tenants_channel_is_not_found(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    before = row_counts(container)

    answers = [
        world.client.post(
            f"/api/v1/channels/{other.channel['id']}/test",
            json={"to": "app:1", "text": "x"},
            headers=world.admin_headers,
        ),
        world.client.patch(
            f"/api/v1/channels/{other.channel['id']}", json={"is_active": False}, headers=world.admin_headers
        ),
    ]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert row_counts(container) == before
