"""Replies by SMS: the exact Twilio API request, retries from the outbox, permanent failures visible,
and delivery-status callbacks updating the delivery."""

import base64
from typing import Any
from urllib.parse import parse_qs

from omniline.bootstrap import Container
from tests.channels.sms.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    PUBLIC_URL,
    TwilioChannel,
    make_twilio_channel,
    sms_config,
)
from tests.channels.sms.twilio_api import Reply, fixture, twilio_api
from tests.support import ApiWorld, drain_outbox

SID = "SMa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"  # in message_created.json and the status fixtures


def reply(sms: TwilioChannel, text: str, inbound: str = "inbound_sms_ru.json") -> dict[str, Any]:
    assert sms.post(fixture(inbound)).status_code == 200
    customer_id = sms.world.client.get(
        "/api/v1/customers", params={"identity": "phone:+79161234567"}, headers=sms.world.agent_headers
    ).json()["items"][0]["id"]
    timeline = sms.world.client.get(
        f"/api/v1/customers/{customer_id}/timeline", headers=sms.world.agent_headers
    ).json()["items"]
    conversation = timeline[0]["conversation_id"]
    response = sms.world.client.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": text}, headers=sms.world.agent_headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def delivery_row(container: Container, delivery_id: str) -> dict[str, Any]:
    """The outbox row of the test's one delivery (its id is checked by the API tests)."""
    with container.engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT status, attempts, last_error, provider_message_id, provider_status FROM deliveries"
        ).one()
    return dict(row._mapping)


def test_a_reply_is_sent_through_the_messages_api_exactly(world: ApiWorld, container: Container) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        text = "Заказ приедет завтра. 明天到。"

        sent = reply(sms, text)
        drain_outbox(container)

        (request,) = api.received
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode(), strict_parsing=True) == {
        "To": ["+79161234567"],
        "From": [OUR_NUMBER],
        "Body": [text],
        "StatusCallback": [f"{PUBLIC_URL}/hooks/{sms.id}/status"],
    }
    assert delivery_row(container, sent["delivery"]["id"]) == {
        "status": "sent",
        "attempts": 1,
        "last_error": None,
        "provider_message_id": SID,
        "provider_status": None,
    }


def test_a_long_unicode_reply_goes_whole(world: ApiWorld, container: Container) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        text = ("Ваш возврат оформлен, деньги придут в течение 3 дней. 退款已处理。 " * 9).strip()
        assert 500 < len(text) <= 1600

        reply(sms, text)
        drain_outbox(container)

        assert parse_qs(api.received[0].body.decode())["Body"] == [text]


def test_transient_failures_are_retried_from_the_outbox(world: ApiWorld, container: Container) -> None:
    replies = [
        Reply(503, {"code": 20500, "message": "Internal Server Error", "status": 503}),
        Reply(429, fixture("error_20429.json"), {"Retry-After": "0"}),
        Reply(201, fixture("message_created.json")),
    ]
    with twilio_api(replies) as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))

        sent = reply(sms, "Ответ 回答")
        drain_outbox(container)

        assert len(api.received) == 3
        assert len({item.body for item in api.received}) == 1
    row = delivery_row(container, sent["delivery"]["id"])
    assert (row["status"], row["attempts"], row["provider_message_id"]) == ("sent", 3, SID)


def test_a_permanent_failure_is_not_retried_and_is_visible(world: ApiWorld, container: Container) -> None:
    with twilio_api([Reply(400, fixture("error_21211.json"))]) as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))

        sent = reply(sms, "Ответ")
        drain_outbox(container)

        assert len(api.received) == 1
    delivery = world.client.get(
        f"/api/v1/deliveries/{sent['delivery']['id']}", headers=world.agent_headers
    ).json()
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 1
    assert delivery["last_error"] == (
        "HTTP 400: Twilio error 21211 (the number is not a valid phone number): "
        "The 'To' number +7916 is not a valid phone number."
    )
    failed = world.client.get("/api/v1/deliveries", params={"status": "failed"}, headers=world.agent_headers)
    assert [item["id"] for item in failed.json()["items"]] == [sent["delivery"]["id"]]


def test_the_provider_being_down_is_retried_until_attempts_run_out(
    world: ApiWorld, container: Container
) -> None:
    with twilio_api([Reply(503)]) as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        sent = reply(sms, "Ответ")
        drain_outbox(container)
        assert len(api.received) == container.settings.outbox_max_attempts
    row = delivery_row(container, sent["delivery"]["id"])
    assert (row["status"], row["attempts"]) == ("failed", container.settings.outbox_max_attempts)


def test_a_text_longer_than_an_sms_can_carry_fails_without_calling_the_provider(
    world: ApiWorld, container: Container
) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        sent = reply(sms, "я" * 1601)
        drain_outbox(container)
        assert api.received == []
    row = delivery_row(container, sent["delivery"]["id"])
    assert row["status"] == "failed"
    assert row["last_error"] == "the reply is 1601 characters long; an SMS can carry at most 1600"


def test_status_callbacks_update_the_delivery(world: ApiWorld, container: Container) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        sent = reply(sms, "Ответ")
        drain_outbox(container)

    # when Twilio reports it delivered
    response = sms.post(fixture("status_delivered.json"), "status")

    # then
    assert response.status_code == 200, response.text
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    row = delivery_row(container, sent["delivery"]["id"])
    assert (row["status"], row["provider_status"]) == ("sent", "delivered")


def test_an_undelivered_report_fails_the_delivery_on_the_timeline(
    world: ApiWorld, container: Container
) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        sent = reply(sms, "Ответ")
        drain_outbox(container)

    response = sms.post(fixture("status_undelivered.json"), "status")

    assert response.status_code == 200
    delivery = world.client.get(
        f"/api/v1/deliveries/{sent['delivery']['id']}", headers=world.agent_headers
    ).json()
    assert delivery["status"] == "failed"
    assert delivery["last_error"] == "Twilio reported undelivered (error 30003: the handset is unreachable)"
    timeline = world.client.get(
        f"/api/v1/customers/{sent['customer_id']}/timeline", headers=world.agent_headers
    ).json()["items"]
    assert timeline[0]["type"] == "message.delivery_failed"
    assert timeline[0]["message"]["id"] == sent["id"]


def test_a_status_callback_with_a_wrong_signature_changes_nothing(
    world: ApiWorld, container: Container
) -> None:
    with twilio_api() as api:
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        sent = reply(sms, "Ответ")
        drain_outbox(container)

    response = sms.post(fixture("status_undelivered.json"), "status", auth_token="someone-else")

    assert response.status_code == 401
    assert delivery_row(container, sent["delivery"]["id"])["status"] == "sent"


def test_a_status_callback_about_an_unknown_message_is_acknowledged(
    world: ApiWorld, container: Container
) -> None:
    sms = make_twilio_channel(world, "sms", sms_config("https://api.twilio.com"))
    response = sms.post(fixture("status_delivered.json") | {"MessageSid": "SMunknown"}, "status")
    assert response.status_code == 200
