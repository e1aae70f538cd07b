"""Every documented message type and event → the exact InboundMessage, and hostile XML refused."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from omniline.channels.base import AdapterContext, ChannelInfo, HookRequest, HookResponse, InboundBatch
from omniline.channels.wechat.adapter import WeChatChannelAdapter
from omniline.channels.wechat.signature import wechat_signature
from omniline.customers.identities import IdentityClaim
from omniline.files.store import FileStore
from omniline.kernel.clock import utcnow
from omniline.kernel.errors import InvalidInput, MalformedInput, Unauthenticated
from omniline.messages.normalized import InboundMessage
from omniline.settings import Settings
from tests.channels.wechat.support import (
    ENCODING_AES_KEY,
    NONCE,
    TIMESTAMP,
    TOKEN,
    encrypted_envelope,
    fixture,
    plain_config,
    safe_query,
    signed_query,
)

CHANNEL_ID = uuid.UUID("01900000-0000-7000-8000-000000000001")
SUCCESS = HookResponse(200, b"success")


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AdapterContext]:
    with httpx.Client() as http:
        yield AdapterContext(http=http, files=FileStore(tmp_path), settings=Settings(), clock=utcnow)


def channel(**config: str) -> ChannelInfo:
    adapter = WeChatChannelAdapter()
    return ChannelInfo(
        id=CHANNEL_ID,
        tenant_id=uuid.uuid4(),
        kind="wechat",
        name="公众号",
        config=adapter.validate_config(plain_config(**config)),
        secret="unused",
    )


def post(body: bytes, query: dict[str, str] | None = None, method: str = "POST") -> HookRequest:
    return HookRequest(
        method, "", "http://testserver/hooks/x", {}, signed_query() if query is None else query, body
    )


def parse(request: HookRequest, context: AdapterContext, **config: str) -> InboundBatch:
    return WeChatChannelAdapter().parse_hook(channel(**config), request, context)


def wechat(openid: str) -> tuple[IdentityClaim, ...]:
    return (IdentityClaim("wechat", openid, verified=True),)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def message(
    openid: str, external_id: str, text: str, sent: int, meta: dict[str, Any], **extra: Any
) -> InboundMessage:
    return InboundMessage(CHANNEL_ID, external_id, wechat(openid), text, at(sent), meta=meta, **extra)


EXPECTED = {
    "text.xml": message("fromUser", "1234567890123456", "this is a test", 1348831860, {"msg_type": "text"}),
    "image.xml": message(
        "fromUser",
        "1234567890123456",
        "[image]",
        1348831860,
        {"msg_type": "image", "pic_url": "this is a url", "media_id": "media_id"},
    ),
    "voice.xml": message(
        "fromUser",
        "1234567890123456",
        "[voice]",
        1357290913,
        {"msg_type": "voice", "media_id": "media_id", "format": "Format"},
    ),
    "voice_recognition.xml": message(
        "fromUser",
        "1234567890123456",
        "[voice] 腾讯微信团队",
        1357290913,
        {"msg_type": "voice", "media_id": "media_id", "format": "Format", "recognition": "腾讯微信团队"},
    ),
    "video.xml": message(
        "fromUser",
        "1234567890123456",
        "[video]",
        1357290913,
        {"msg_type": "video", "media_id": "media_id", "thumb_media_id": "thumb_media_id"},
    ),
    "shortvideo.xml": message(
        "fromUser",
        "1234567890123456",
        "[video]",
        1357290913,
        {"msg_type": "shortvideo", "media_id": "media_id", "thumb_media_id": "thumb_media_id"},
    ),
    "location.xml": message(
        "fromUser",
        "1234567890123456",
        "[location] 位置信息",
        1351776360,
        {
            "msg_type": "location",
            "latitude": 23.134521,
            "longitude": 113.358803,
            "scale": 20,
            "label": "位置信息",
        },
    ),
    "link.xml": message(
        "fromUser",
        "1234567890123456",
        "[link] 公众平台官网链接\nurl",
        1351776360,
        {"msg_type": "link", "title": "公众平台官网链接", "description": "公众平台官网链接", "url": "url"},
    ),
    "event_subscribe.xml": message(
        "FromUser",
        "FromUser-123456789-subscribe",
        "[subscribe]",
        123456789,
        {"msg_type": "event", "event": "subscribe"},
        event="wechat.subscribe",
        auto_generated=True,
    ),
    "event_subscribe_qrscene.xml": message(
        "FromUser",
        "FromUser-123456789-subscribe",
        "[subscribe]",
        123456789,
        {"msg_type": "event", "event": "subscribe", "event_key": "qrscene_123123", "ticket": "TICKET"},
        event="wechat.subscribe",
        auto_generated=True,
    ),
    "event_unsubscribe.xml": message(
        "FromUser",
        "FromUser-123456789-unsubscribe",
        "[unsubscribe]",
        123456789,
        {"msg_type": "event", "event": "unsubscribe"},
        event="wechat.unsubscribe",
        auto_generated=True,
    ),
    "event_click.xml": message(
        "FromUser",
        "FromUser-123456789-CLICK",
        "[menu click] EVENTKEY",
        123456789,
        {"msg_type": "event", "event": "click", "event_key": "EVENTKEY"},
        event="wechat.click",
        auto_generated=True,
    ),
    "event_view.xml": message(
        "FromUser",
        "FromUser-123456789-VIEW",
        "[menu link] www.qq.com",
        123456789,
        {"msg_type": "event", "event": "view", "event_key": "www.qq.com", "menu_id": "MENUID"},
        event="wechat.view",
        auto_generated=True,
    ),
    "text_chinese.xml": message(
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "24321754987012345",
        "你好，我的订单 88417 付款成功了，但一直显示“待付款”，请帮我查一下。",
        1763892000,
        {"msg_type": "text"},
    ),
    "text_russian.xml": message(
        "oUpF8uKkR2vYxw7sM1n0QaZbTt3E",
        "24321754987054321",
        "Здравствуйте! Заказ №45821 оплачен, но статус «ожидает оплаты». Помогите, пожалуйста.",
        1763895600,
        {"msg_type": "text"},
    ),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_documented_sample_becomes_the_exact_message(name: str, context: AdapterContext) -> None:
    # when WeChat posts the documented sample, correctly signed
    batch = parse(post(fixture(name)), context)

    # then it becomes exactly this message and the hook answers "success" at once
    assert batch == InboundBatch([EXPECTED[name]], response=SUCCESS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_same_sample_in_safe_mode_becomes_the_same_message(name: str, context: AdapterContext) -> None:
    body, encrypted = encrypted_envelope(fixture(name))
    query = safe_query(encrypted)

    batch = parse(post(body, query), context, encoding_aes_key=ENCODING_AES_KEY)

    assert batch == InboundBatch([EXPECTED[name]], response=SUCCESS)


def test_events_we_do_not_keep_are_acknowledged_and_dropped(context: AdapterContext) -> None:
    assert parse(post(fixture("event_location.xml")), context) == InboundBatch([], response=SUCCESS)


def test_a_message_kind_we_do_not_know_is_kept_by_name_with_its_fields(context: AdapterContext) -> None:
    body = fixture("text.xml").replace(b"[text]", b"[miniprogrampage]").replace(b"Content>", b"Title>")

    batch = parse(post(body), context)

    assert batch == InboundBatch(
        [
            message(
                "fromUser",
                "1234567890123456",
                "[miniprogrampage]",
                1348831860,
                {"msg_type": "miniprogrampage", "fields": {"Title": "this is a test"}},
            )
        ],
        response=SUCCESS,
    )


def test_url_verification_echoes_echostr(context: AdapterContext) -> None:
    batch = parse(post(b"", signed_query(echostr="4953427468165513829"), method="GET"), context)

    assert batch == InboundBatch(response=HookResponse(200, b"4953427468165513829"))


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entities_are_refused_as_malformed(name: str, context: AdapterContext) -> None:
    with pytest.raises(MalformedInput):
        parse(post(fixture(name)), context)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", MalformedInput),
        (b"<xml><Content>unterminated", MalformedInput),
        (b"<message><MsgType>text</MsgType></message>", MalformedInput),
        (fixture("text.xml").replace(b"<MsgId>1234567890123456</MsgId>", b""), InvalidInput),
        (fixture("text.xml").replace(b"1348831860", b"yesterday"), InvalidInput),
        (fixture("text.xml").replace(b"[fromUser]", b"[]"), InvalidInput),
        (fixture("location.xml").replace(b"23.134521", b"north"), InvalidInput),
    ],
    ids=["empty", "unterminated", "wrong root", "no MsgId", "bad CreateTime", "no sender", "bad location"],
)
def test_bad_bodies_are_refused(body: bytes, error: type[Exception], context: AdapterContext) -> None:
    with pytest.raises(error) as refusal:
        parse(post(body), context)
    assert type(refusal.value) is error


@pytest.mark.parametrize(
    "query",
    [
        {},
        signed_query(signature="0" * 40),
        signed_query(token="anotherToken"),
        signed_query() | {"nonce": "changed"},
    ],
    ids=["unsigned", "zeros", "other token", "nonce changed"],
)
def test_wrong_signature_is_refused_before_parsing(query: dict[str, str], context: AdapterContext) -> None:
    with pytest.raises(Unauthenticated):
        parse(post(fixture("billion_laughs.xml"), query), context)
    with pytest.raises(Unauthenticated):
        parse(post(b"", query | {"echostr": "x"}, method="GET"), context)


def test_safe_mode_refuses_plain_requests_and_wrong_msg_signatures(context: AdapterContext) -> None:
    body, encrypted = encrypted_envelope(fixture("text.xml"))
    safe = {"encoding_aes_key": ENCODING_AES_KEY}
    with pytest.raises(Unauthenticated, match="safe mode"):
        parse(post(fixture("text.xml")), context, **safe)
    with pytest.raises(Unauthenticated, match="msg_signature"):
        parse(post(body, signed_query(encrypt_type="aes", msg_signature="0" * 40)), context, **safe)
    with pytest.raises(Unauthenticated, match="msg_signature"):
        parse(post(body, signed_query(encrypt_type="aes")), context, **safe)
    # the plain signature alone does not cover the body: a tampered Encrypt fails msg_signature
    signature = wechat_signature(TOKEN, TIMESTAMP, NONCE, encrypted)
    tampered = body.replace(encrypted[:8].encode(), b"AAAAAAAA")
    with pytest.raises(Unauthenticated):
        parse(post(tampered, signed_query(encrypt_type="aes", msg_signature=signature)), context, **safe)


def test_an_encrypted_message_on_a_plain_channel_is_invalid(context: AdapterContext) -> None:
    body, encrypted = encrypted_envelope(fixture("text.xml"))
    query = safe_query(encrypted)

    with pytest.raises(InvalidInput, match="no encoding_aes_key"):
        parse(post(body, query), context)


def test_safe_mode_message_for_another_app_id_is_refused(context: AdapterContext) -> None:
    body, encrypted = encrypted_envelope(fixture("text.xml"), app_id="wx0000000000000000")
    query = safe_query(encrypted)

    with pytest.raises(Unauthenticated, match="another app id"):
        parse(post(body, query), context, encoding_aes_key=ENCODING_AES_KEY)


def test_safe_mode_entities_inside_the_ciphertext_are_refused(context: AdapterContext) -> None:
    body, encrypted = encrypted_envelope(fixture("billion_laughs.xml"))
    query = safe_query(encrypted)

    with pytest.raises(MalformedInput):
        parse(post(body, query), context, encoding_aes_key=ENCODING_AES_KEY)


def test_url_verification_is_the_same_in_safe_mode(context: AdapterContext) -> None:
    batch = parse(
        post(b"", signed_query(echostr="echo-回声"), method="GET"), context, encoding_aes_key=ENCODING_AES_KEY
    )

    assert batch.response == HookResponse(200, "echo-回声".encode())
