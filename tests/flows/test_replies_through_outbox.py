"""Agent replies leave through the outbox: delivered signed to the app's webhook, retried while the
webhook fails transiently, and visible as failed when it never succeeds."""

import json

from fastapi.testclient import TestClient

from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from tests.support import ApiWorld, app_message, drain_outbox, make_world
from tests.webhook_receiver import webhook_receiver


def _reply(world: ApiWorld, text: str) -> dict[str, object]:
    ids = world.post_app_message(app_message("m-1", ["app:42"], "Где мой заказ?")).json()
    response = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": text},
        headers=world.agent_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_reply_is_retried_until_the_webhook_accepts_it(container: Container, client: TestClient) -> None:
    with webhook_receiver([503, 503, 200]) as receiver:
        # given an app channel whose webhook is down for two attempts
        world = make_world(container, client, slug="acme", webhook_url=receiver.url)

        # when the agent replies and the outbox runs
        reply = _reply(world, "Заказ приедет завтра. 明天到。")
        assert reply["delivery"]["status"] == "pending"  # type: ignore[index]
        drain_outbox(container)

        # then the webhook got the same signed reply three times, and the last one was accepted
        assert len(receiver.received) == 3
        first = receiver.received[0]
        assert first.headers["x-omniline-signature"] == sign_body(world.channel["secret"], first.body)
        assert first.headers["x-omniline-delivery"] == reply["id"]
        payload = json.loads(first.body)
        assert payload["text"] == "Заказ приедет завтра. 明天到。"
        assert payload["recipient"] == {"identity": "app:42"}
        assert payload["message_id"] == reply["id"]
        assert {request.body for request in receiver.received} == {first.body}
    delivery_id = reply["delivery"]["id"]  # type: ignore[index]
    delivery = client.get(f"/api/v1/deliveries/{delivery_id}", headers=world.agent_headers).json()
    assert delivery["status"] == "sent"
    assert delivery["attempts"] == 3
    assert delivery["last_error"] is None


def test_reply_that_never_gets_through_is_failed_and_visible(
    container: Container, client: TestClient
) -> None:
    with webhook_receiver([503]) as receiver:
        world = make_world(container, client, slug="acme", webhook_url=receiver.url)
        reply = _reply(world, "Ответ")
        drain_outbox(container)
        assert len(receiver.received) == container.settings.outbox_max_attempts

    failed = client.get("/api/v1/deliveries", params={"status": "failed"}, headers=world.agent_headers).json()
    assert [item["message_id"] for item in failed["items"]] == [reply["id"]]
    assert failed["items"][0]["attempts"] == container.settings.outbox_max_attempts
    assert failed["items"][0]["last_error"].startswith("HTTP 503")
    customer_id = reply["customer_id"]
    timeline = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=world.agent_headers).json()
    assert timeline["items"][0]["type"] == "message.delivery_failed"
    assert timeline["items"][0]["message"]["id"] == reply["id"]


def test_a_client_error_from_the_webhook_is_not_retried(container: Container, client: TestClient) -> None:
    with webhook_receiver([400]) as receiver:
        world = make_world(container, client, slug="acme", webhook_url=receiver.url)
        reply = _reply(world, "Ответ")
        drain_outbox(container)
        assert len(receiver.received) == 1

    delivery = client.get(f"/api/v1/deliveries/{reply['delivery']['id']}", headers=world.agent_headers).json()  # type: ignore[index]
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 1


def test_a_failed_delivery_can_be_retried_by_hand(container: Container, client: TestClient) -> None:
    with webhook_receiver([400, 200]) as receiver:
        world = make_world(container, client, slug="acme", webhook_url=receiver.url)
        reply = _reply(world, "Ответ")
        drain_outbox(container)
        delivery_id = reply["delivery"]["id"]  # type: ignore[index]

        response = client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=world.agent_headers)
        assert response.status_code == 200
        drain_outbox(container)

        assert len(receiver.received) == 2
    delivery = client.get(f"/api/v1/deliveries/{delivery_id}", headers=world.agent_headers).json()
    assert delivery["status"] == "sent"
    again = client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=world.agent_headers)
    assert again.status_code == 409


def test_reply_on_a_channel_without_webhook_fails_visibly(world: ApiWorld, container: Container) -> None:
    reply = _reply(world, "Ответ")
    drain_outbox(container)
    delivery = world.client.get(
        f"/api/v1/deliveries/{reply['delivery']['id']}", headers=world.agent_headers
    ).json()  # type: ignore[index]
    assert delivery["status"] == "failed"
    assert "webhook_url" in delivery["last_error"]
