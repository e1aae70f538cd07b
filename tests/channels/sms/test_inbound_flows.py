"""Inbound SMS over HTTP: stored on the right customer's timeline, refused requests store nothing,
a provider retry is stored once, MMS pictures land in the file store."""

import base64
from urllib.parse import parse_qsl

import pytest

from omniline.bootstrap import Container
from omniline.channels.sms.signature import compute_twilio_signature
from tests.channels.sms.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    TwilioChannel,
    make_twilio_channel,
    sms_config,
)
from tests.channels.sms.twilio_api import PNG, fixture, twilio_api
from tests.support import ApiWorld, row_counts

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@pytest.fixture
def sms(world: ApiWorld) -> TwilioChannel:
    return make_twilio_channel(world, "sms", sms_config("https://api.twilio.com"))


def test_an_incoming_sms_lands_on_the_senders_timeline(sms: TwilioChannel) -> None:
    # when Twilio posts the incoming Russian SMS
    response = sms.post(fixture("inbound_sms_ru.json"))

    # then it answers with empty TwiML (no auto-reply) and the message is on the customer's timeline
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == EMPTY_TWIML
    client, headers = sms.world.client, sms.world.agent_headers
    found = client.get("/api/v1/customers", params={"identity": "phone:+79161234567"}, headers=headers)
    assert found.status_code == 200, found.text
    (customer,) = found.json()["items"]
    customer_id = customer["id"]
    timeline = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=headers).json()["items"]
    received = [item for item in timeline if item["type"] == "message.received"]
    assert len(received) == 1
    message = received[0]["message"]
    assert message["text"] == "Здравствуйте! Где мой заказ №45821? Курьер не приехал."
    assert message["sender"] == {"identity": "phone:+79161234567", "name": None}
    assert message["channel_kind"] == "sms"
    assert message["channel_id"] == sms.id
    assert message["external_id"] == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message["event"] is None
    assert message["meta"] == {"to": "+15005550006", "segments": 1}
    assert message["case_id"] is not None
    assert [item["type"] for item in timeline] == ["case.routed", "message.received", "case.opened"]


def test_a_chinese_sms_is_stored_as_sent(sms: TwilioChannel, container: Container) -> None:
    response = sms.post(fixture("inbound_sms_zh.json"))

    assert response.status_code == 200
    with container.engine.connect() as connection:
        text, identity = connection.exec_driver_sql("SELECT text, sender_identity FROM messages").one()
    assert text == "你好，我的退款什么时候到账？订单号 88231。"
    assert identity == "phone:+8613800138000"


def test_a_provider_retry_is_stored_once(sms: TwilioChannel, container: Container) -> None:
    first = sms.post(fixture("inbound_sms_ru.json"))
    after_first = row_counts(container)

    again = sms.post(fixture("inbound_sms_ru.json"))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.text == EMPTY_TWIML
    assert row_counts(container) == after_first
    assert after_first["messages"] == 1


@pytest.mark.parametrize(
    "how",
    [
        "no header",
        "another auth token",
        "the channel secret",
        "http instead of https",
        "another channel",
        "body changed",
    ],
)
def test_a_wrong_signature_is_a_401_and_stores_nothing(
    sms: TwilioChannel, container: Container, world: ApiWorld, how: str
) -> None:
    # given
    params = fixture("inbound_sms_ru.json")
    before = row_counts(container)
    other = make_twilio_channel(world, "sms", sms_config("https://api.twilio.com"))
    signatures = {
        "no header": "",
        "another auth token": compute_twilio_signature("not-the-token", sms.hook_url(), params.items()),
        "the channel secret": compute_twilio_signature(sms.channel["secret"], sms.hook_url(), params.items()),
        "http instead of https": compute_twilio_signature(
            AUTH_TOKEN, sms.hook_url().replace("https:", "http:"), params.items()
        ),
        "another channel": compute_twilio_signature(AUTH_TOKEN, other.hook_url(), params.items()),
        "body changed": compute_twilio_signature(
            AUTH_TOKEN, sms.hook_url(), (params | {"Body": "Другое"}).items()
        ),
    }
    before = row_counts(container)

    # when
    response = sms.post(params, signature=signatures[how])

    # then
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "bad_signature"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "body",
    [
        b"From=%2B79161234567&Body=%D0%9F%D1",
        b'{"From": "+79161234567", "Body": "hi"}',
        b"MessageSid=SM1&&From",
    ],
    ids=["broken utf-8", "json", "field without value"],
)
def test_a_signed_body_that_is_not_a_form_is_a_400(
    sms: TwilioChannel, container: Container, body: bytes
) -> None:
    # given a body signed the way a sender of it would have to sign it
    before = row_counts(container)
    params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    signature = compute_twilio_signature(AUTH_TOKEN, sms.hook_url(), params)

    # when
    response = sms.world.client.post(
        f"/hooks/{sms.id}",
        content=body,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )

    # then
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_form"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "change",
    [{"MessageSid": ""}, {"From": "not a number"}, {"AccountSid": "ACother"}, {"NumMedia": "-1"}],
    ids=["no MessageSid", "From not a phone", "other account", "bad NumMedia"],
)
def test_a_signed_but_invalid_request_is_a_422(
    sms: TwilioChannel, container: Container, change: dict[str, str]
) -> None:
    before = row_counts(container)

    response = sms.post(fixture("inbound_sms_ru.json") | change)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert row_counts(container) == before


def test_a_get_is_refused(sms: TwilioChannel, container: Container) -> None:
    before = row_counts(container)
    response = sms.world.client.get(f"/hooks/{sms.id}", params=fixture("inbound_sms_ru.json"))
    assert response.status_code == 422
    assert row_counts(container) == before


def test_an_mms_picture_is_fetched_with_the_account_credentials(
    world: ApiWorld, container: Container
) -> None:
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    with twilio_api(media_auth=f"Basic {credentials}") as api:
        # given an sms channel whose API is the local stand-in, and an MMS whose picture is there
        sms = make_twilio_channel(world, "sms", sms_config(api.url))
        params = fixture("inbound_mms.json")
        params["MediaUrl0"] = params["MediaUrl0"].replace("https://api.twilio.com", api.url)

        # when
        response = sms.post(params)

        # then the picture was fetched once, with basic auth, and is an attachment of the message
        assert response.status_code == 200, response.text
        assert [(item.method, item.path) for item in api.received] == [
            ("GET", params["MediaUrl0"].removeprefix(api.url))
        ]
    messages = world.client.get(
        f"/api/v1/conversations/{_conversation_id(container)}/messages", headers=world.agent_headers
    ).json()["items"]
    (message,) = messages
    assert message["text"] == "Вот фото повреждённой коробки"
    assert message["attachments"] == [
        {
            "filename": "MM3c5d7e9f1a2b3c4d5e6f7a8b9c0d1e2f-0.png",
            "content_type": "image/png",
            "size": len(PNG),
        }
    ]
    assert message["meta"] == {
        "to": "+15005550006",
        "segments": 1,
        "media": [{"url": params["MediaUrl0"], "content_type": "image/png"}],
    }


def test_media_off_the_providers_host_is_not_fetched_but_kept(
    sms: TwilioChannel, container: Container
) -> None:
    # given an MMS whose media URL is not on the channel's API host (credentials must not go there)
    params = fixture("inbound_mms.json") | {"MediaUrl0": "https://elsewhere.example/p.png"}

    # when
    response = sms.post(params)

    # then the message is stored, the URL kept with the reason it was not fetched
    assert response.status_code == 200
    with container.engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM messages").scalar_one()
    assert count == 1
    conversation_id = _conversation_id(container)
    (message,) = sms.world.client.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=sms.world.agent_headers
    ).json()["items"]
    assert message["attachments"] == []
    assert message["meta"]["media"] == [
        {
            "url": "https://elsewhere.example/p.png",
            "content_type": "image/png",
            "error": "not fetched: the URL is not on the provider's API host",
        }
    ]


def _conversation_id(container: Container) -> str:
    with container.engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT conversation_id FROM messages").scalar_one())


def test_the_public_url_is_what_is_signed(sms: TwilioChannel) -> None:
    assert sms.hook_url().startswith(PUBLIC_URL + "/hooks/")
    assert (
        sms.world.client.get("/api/v1/channels", headers=sms.world.admin_headers)
        .json()["items"][-1]["webhook_url"]
        .startswith(PUBLIC_URL)
    )
