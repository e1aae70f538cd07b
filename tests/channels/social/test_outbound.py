"""Replies to social posts go back through the integration's webhook, signed; retried while it
fails transiently, failed and visible when it refuses."""

import json
from typing import Any

import pytest

from omniline.bootstrap import Container
from omniline.channels.signing import sign_body
from tests.channels.social.conftest import SocialWorld, add_social_channel, fixture
from tests.support import ApiWorld, drain_outbox, row_counts
from tests.webhook_receiver import webhook_receiver


def social_world(world: ApiWorld, webhook_url: str | None) -> SocialWorld:
    response = add_social_channel(world, {"webhook_url": webhook_url} if webhook_url else {})
    assert response.status_code == 201, response.text
    return SocialWorld(world, response.json())


def reply_to_comment(social: SocialWorld, text: str) -> dict[str, Any]:
    social.post_event(fixture("weibo_public_post.json"))
    ids = social.post_event(fixture("weibo_comment.json")).json()
    response = social.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": text},
        headers=social.api.agent_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def delivery(social: SocialWorld, sent: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = social.client.get(
        f"/api/v1/deliveries/{sent['delivery']['id']}", headers=social.api.agent_headers
    ).json()
    return body


def test_a_reply_goes_to_the_integration_signed(world: ApiWorld, container: Container) -> None:
    with webhook_receiver([200]) as receiver:
        social = social_world(world, receiver.url)

        sent = reply_to_comment(social, "您好，非常抱歉！我们已经联系快递，明天送到。")
        drain_outbox(container)

        (request,) = receiver.received
    assert request.path == "/omniline/replies"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["x-omniline-signature"] == sign_body(social.channel["secret"], request.body)
    assert request.headers["x-omniline-delivery"] == sent["id"]
    assert json.loads(request.body) == {
        "network": "weibo",
        "in_reply_to": "N8xAbCdEf",
        "recipient": "xiaowang_shopping",
        "text": "您好，非常抱歉！我们已经联系快递，明天送到。",
        "message_id": sent["id"],
        "channel_id": social.channel["id"],
    }
    assert delivery(social, sent)["status"] == "sent"


def test_a_reply_is_retried_while_the_integration_is_down(world: ApiWorld, container: Container) -> None:
    with webhook_receiver([503, 429, 200]) as receiver:
        social = social_world(world, receiver.url)

        sent = reply_to_comment(social, "Ответ")
        drain_outbox(container)

        assert len(receiver.received) == 3
        assert len({request.body for request in receiver.received}) == 1
    state = delivery(social, sent)
    assert (state["status"], state["attempts"]) == ("sent", 3)


def test_a_refused_reply_fails_at_once_and_visibly(world: ApiWorld, container: Container) -> None:
    with webhook_receiver([400]) as receiver:
        social = social_world(world, receiver.url)

        sent = reply_to_comment(social, "Ответ")
        drain_outbox(container)

        assert len(receiver.received) == 1
    state = delivery(social, sent)
    assert (state["status"], state["attempts"]) == ("failed", 1)
    assert state["last_error"].startswith("HTTP 400")
    timeline = social.client.get(
        f"/api/v1/customers/{sent['customer_id']}/timeline", headers=social.api.agent_headers
    ).json()["items"]
    assert (timeline[0]["type"], timeline[0]["message"]["id"]) == ("message.delivery_failed", sent["id"])


def test_without_a_webhook_url_replies_fail_visibly(world: ApiWorld, container: Container) -> None:
    social = social_world(world, None)

    sent = reply_to_comment(social, "Ответ")
    drain_outbox(container)

    state = delivery(social, sent)
    assert (state["status"], state["last_error"]) == (
        "failed",
        "the channel has no webhook_url to deliver replies to",
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"webhook_url": "ftp://x"}, "webhook_url must be an http:// or https:// URL"),
        ({"webhook_url": "https://x.test", "token": "t"}, "unknown config keys for a social channel: token"),
    ],
)
def test_an_unusable_config_is_refused(
    world: ApiWorld, container: Container, config: dict[str, Any], message: str
) -> None:
    before = row_counts(container)

    response = add_social_channel(world, config)

    assert (response.status_code, response.json()["error"]["message"]) == (422, message)
    assert row_counts(container) == before
