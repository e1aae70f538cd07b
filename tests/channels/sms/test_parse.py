"""The sms adapter alone: Twilio's documented requests → the exact normalised message or report."""

import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import pytest

from omniline.bootstrap import Container
from omniline.channels.base import AdapterContext, ChannelInfo, DeliveryUpdate, HookRequest, InboundBatch
from omniline.channels.sms.adapter import EMPTY_TWIML, SmsChannelAdapter
from omniline.channels.sms.signature import compute_twilio_signature
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import InvalidInput, MalformedInput, Unauthenticated
from omniline.messages.normalized import InboundMessage
from tests.channels.sms.support import AUTH_TOKEN, PUBLIC_URL, sms_config
from tests.channels.sms.twilio_api import fixture

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ADAPTER = SmsChannelAdapter()
CHANNEL = ChannelInfo(
    id=uuid.UUID("0190f0e0-0000-7000-8000-000000000001"),
    tenant_id=uuid.uuid4(),
    kind="sms",
    name="SMS",
    config=ADAPTER.validate_config(sms_config("https://api.twilio.com")),
    secret="unused",
)
HOOK = f"{PUBLIC_URL}/hooks/{CHANNEL.id}"


@pytest.fixture
def context(container: Container) -> AdapterContext:
    return AdapterContext(
        http=container.http, files=container.files, settings=container.settings, clock=lambda: NOW
    )


def request(params: dict[str, str], subpath: str = "", *, signature: str | None = None) -> HookRequest:
    url = HOOK + (f"/{subpath}" if subpath else "")
    return HookRequest(
        method="POST",
        subpath=subpath,
        url=url,
        headers={
            "x-twilio-signature": signature or compute_twilio_signature(AUTH_TOKEN, url, params.items()),
            "content-type": "application/x-www-form-urlencoded",
        },
        query={},
        body=urlencode(params).encode(),
    )


def parse(params: dict[str, str], context: AdapterContext, subpath: str = "") -> InboundBatch:
    return ADAPTER.parse_hook(CHANNEL, request(params, subpath), context)


def test_an_incoming_russian_sms(context: AdapterContext) -> None:
    batch = parse(fixture("inbound_sms_ru.json"), context)

    assert batch.messages == [
        InboundMessage(
            channel_id=CHANNEL.id,
            external_id="SM1f0e8ae6ade43cb3c0ce4525424e404f",
            identities=(IdentityClaim("phone", "+79161234567", verified=False),),
            text="Здравствуйте! Где мой заказ №45821? Курьер не приехал.",
            sent_at=NOW,
            meta={"to": "+15005550006", "segments": 1},
        )
    ]
    assert batch.delivery_updates == []
    assert batch.response == EMPTY_TWIML
    assert EMPTY_TWIML.body == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    assert (EMPTY_TWIML.status, EMPTY_TWIML.content_type) == (200, "text/xml")


def test_an_incoming_chinese_sms(context: AdapterContext) -> None:
    (message,) = parse(fixture("inbound_sms_zh.json"), context).messages

    assert message.text == "你好，我的退款什么时候到账？订单号 88231。"
    assert message.identities == (IdentityClaim("phone", "+8613800138000", verified=False),)
    assert message.external_id == "SM2a7b4c09d7e1f2a3b4c5d6e7f8091a2b"
    assert message.event is None
    assert message.auto_generated is False


def test_stop_is_marked_and_auto_generated(context: AdapterContext) -> None:
    (message,) = parse(fixture("inbound_stop.json"), context).messages

    assert message.text == " Stop "
    assert message.meta == {"to": "+15005550006", "segments": 1, "opt_out": "stop"}
    assert message.auto_generated is True


def test_start_is_marked_but_is_an_ordinary_message(context: AdapterContext) -> None:
    params = fixture("inbound_stop.json") | {"Body": "START", "MessageSid": "SM-start"}
    (message,) = parse(params, context).messages

    assert message.meta["opt_out"] == "start"
    assert message.auto_generated is False  # "Yes" may well answer an agent's question


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("delivered", DeliveryUpdate("SMa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "delivered", "delivered")),
        ("sent", DeliveryUpdate("SMa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "sent", "sent")),
        (
            "undelivered",
            DeliveryUpdate(
                "SMa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                "failed",
                "undelivered",
                "Twilio reported undelivered (error 30003: the handset is unreachable)",
            ),
        ),
        (
            "failed",
            DeliveryUpdate(
                "SMa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                "failed",
                "failed",
                "Twilio reported failed (error 30003: the handset is unreachable)",
            ),
        ),
    ],
)
def test_status_callbacks(context: AdapterContext, status: str, expected: DeliveryUpdate) -> None:
    params = fixture("status_undelivered.json") | {"MessageStatus": status, "SmsStatus": status}
    if status in ("delivered", "sent"):
        params.pop("ErrorCode")
    batch = parse(params, context, "status")

    assert batch.messages == []
    assert batch.delivery_updates == [expected]
    assert batch.response == EMPTY_TWIML


@pytest.mark.parametrize("status", ["queued", "accepted", "sending"])
def test_status_callbacks_that_tell_nothing_new_update_nothing(context: AdapterContext, status: str) -> None:
    params = fixture("status_delivered.json") | {"MessageStatus": status}
    assert parse(params, context, "status").delivery_updates == []


def test_an_unknown_error_code_is_still_named(context: AdapterContext) -> None:
    params = fixture("status_undelivered.json") | {"ErrorCode": "30010"}
    (update,) = parse(params, context, "status").delivery_updates
    assert update.error == "Twilio reported undelivered (error 30010)"


def test_the_signature_is_checked_before_the_body_is_read(context: AdapterContext) -> None:
    bad = request({"not": "checked"}, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    broken = HookRequest("POST", "", HOOK, {}, {}, b"\xff\xfe")
    with pytest.raises(Unauthenticated):
        ADAPTER.parse_hook(CHANNEL, bad, context)
    with pytest.raises(Unauthenticated):
        ADAPTER.parse_hook(CHANNEL, broken, context)


def test_a_signed_body_that_is_not_a_form_is_malformed(context: AdapterContext) -> None:
    body = b'{"From": "+79161234567"}'
    # signed over what a form parser makes of it, as a sender of such a body would have to
    signature = compute_twilio_signature(AUTH_TOKEN, HOOK, parse_qsl(body.decode(), keep_blank_values=True))
    with pytest.raises(MalformedInput):
        ADAPTER.parse_hook(
            CHANNEL, HookRequest("POST", "", HOOK, {"x-twilio-signature": signature}, {}, body), context
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MessageSid": ""}, "MessageSid"),
        ({"From": ""}, "From"),
        ({"AccountSid": "ACother"}, "AccountSid"),
        ({"NumMedia": "many"}, "NumMedia"),
        ({"NumMedia": "1"}, "MediaUrl0"),
    ],
)
def test_well_formed_but_invalid_requests(
    context: AdapterContext, change: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(fixture("inbound_sms_ru.json") | change, context)
    assert message in refused.value.message
    assert not isinstance(refused.value, MalformedInput)


def test_other_subpaths_and_methods_are_refused(context: AdapterContext) -> None:
    with pytest.raises(InvalidInput):
        parse(fixture("inbound_sms_ru.json"), context, "voice")
    get = HookRequest("GET", "", HOOK, {}, {}, b"")
    with pytest.raises(InvalidInput):
        ADAPTER.parse_hook(CHANNEL, get, context)
