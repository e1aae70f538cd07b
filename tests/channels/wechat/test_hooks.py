"""WeChat callbacks over HTTP at /hooks/{channel_id}: the URL check, messages in plain and safe mode,
retries, events that must not open cases, and refusals that store nothing."""

from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.channels.wechat.support import (
    ENCODING_AES_KEY,
    create_wechat_channel,
    fixture,
    plain_config,
    post_encrypted,
    post_plain,
    signed_query,
)
from tests.support import ApiWorld, row_counts

CHINESE_OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture
def channel(world: ApiWorld) -> dict[str, Any]:
    return create_wechat_channel(world, plain_config())


@pytest.fixture
def safe_channel(world: ApiWorld) -> dict[str, Any]:
    return create_wechat_channel(world, plain_config(encoding_aes_key=ENCODING_AES_KEY))


def customer_of(world: ApiWorld, openid: str) -> dict[str, Any]:
    response = world.client.get(
        "/api/v1/customers", params={"identity": f"wechat:{openid}"}, headers=world.agent_headers
    )
    assert response.status_code == 200, response.text
    (customer,) = response.json()["items"]
    return dict(customer)


def timeline(world: ApiWorld, customer_id: str) -> list[dict[str, Any]]:
    response = world.client.get(f"/api/v1/customers/{customer_id}/timeline", headers=world.agent_headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def assert_success(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.text == "success"
    assert response.headers["content-type"].startswith("text/plain")


def test_url_verification_echoes_echostr(
    world: ApiWorld, channel: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)

    response = world.client.get(f"/hooks/{channel['id']}", params=signed_query(echostr="4953427468165513829"))

    assert response.status_code == 200
    assert response.text == "4953427468165513829"
    assert row_counts(container) == before


def test_url_verification_with_a_wrong_signature_is_401(
    world: ApiWorld, safe_channel: dict[str, Any], container: Container
) -> None:
    query = signed_query(token="someoneElse", echostr="4953427468165513829")

    response = world.client.get(f"/hooks/{safe_channel['id']}", params=query)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert "4953427468165513829" not in response.text


def test_a_chinese_text_message_lands_on_the_customers_timeline(
    world: ApiWorld, channel: dict[str, Any]
) -> None:
    # when WeChat posts a follower's text message
    response = post_plain(world.client, channel["id"], fixture("text_chinese.xml"))

    # then WeChat gets its "success" and the message is on the follower's timeline, with a case
    assert_success(response)
    customer = customer_of(world, CHINESE_OPENID)
    entries = timeline(world, customer["id"])
    assert [entry["type"] for entry in entries] == ["case.routed", "message.received", "case.opened"]
    message = entries[1]["message"]
    assert message["case_id"] is not None
    assert (entries[0]["case_id"], entries[0]["message"]["id"]) == (message["case_id"], message["id"])
    assert {key: message[key] for key in ("channel_kind", "direction", "sender", "text", "external_id")} == {
        "channel_kind": "wechat",
        "direction": "in",
        "sender": {"identity": f"wechat:{CHINESE_OPENID}", "name": None},
        "text": "你好，我的订单 88417 付款成功了，但一直显示“待付款”，请帮我查一下。",
        "external_id": "24321754987012345",
    }
    assert message["sent_at"] == "2025-11-23T10:00:00+00:00"
    assert message["meta"] == {"msg_type": "text"}
    assert message["event"] is None


def test_a_safe_mode_message_is_decrypted_and_stored(world: ApiWorld, safe_channel: dict[str, Any]) -> None:
    response = post_encrypted(world.client, safe_channel["id"], fixture("text_russian.xml"))

    assert_success(response)
    entries = timeline(world, customer_of(world, "oUpF8uKkR2vYxw7sM1n0QaZbTt3E")["id"])
    assert entries[0]["message"]["text"] == (
        "Здравствуйте! Заказ №45821 оплачен, но статус «ожидает оплаты». Помогите, пожалуйста."
    )
    assert entries[0]["message"]["external_id"] == "24321754987054321"


def test_the_official_sdk_sample_is_accepted_on_a_channel_with_its_settings(world: ApiWorld) -> None:
    # given a channel configured like the SDK sample's account
    sample = create_wechat_channel(
        world,
        {
            "app_id": "wx2c2769f8efd9abc2",
            "app_secret": "unused",
            "token": "spamtest",
            "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        },
    )
    query = {
        "timestamp": "1409735669",
        "nonce": "1320562132",
        "encrypt_type": "aes",
        "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    }

    response = post_plain(world.client, sample["id"], fixture("safe_mode_sdk_sample.xml"), query)

    assert_success(response)
    entries = timeline(world, customer_of(world, "oyORnuP8q7ou2gfYjqLzSIWZf0rs")["id"])
    assert entries[0]["message"]["text"] == "abcdteT"
    assert entries[0]["message"]["external_id"] == "6054768590064713728"


def test_a_provider_retry_stores_nothing_new(
    world: ApiWorld, channel: dict[str, Any], container: Container
) -> None:
    # given WeChat delivered a message once
    assert_success(post_plain(world.client, channel["id"], fixture("text_chinese.xml")))
    after_first = row_counts(container)

    # when it retries the same message (as it does when the first answer was slow), twice
    for _ in range(2):
        assert_success(post_plain(world.client, channel["id"], fixture("text_chinese.xml")))

    # then nothing new is stored
    assert row_counts(container) == after_first


@pytest.mark.parametrize(
    "name", ["event_subscribe.xml", "event_unsubscribe.xml", "event_click.xml", "event_view.xml"]
)
def test_events_are_stored_but_open_no_case(world: ApiWorld, channel: dict[str, Any], name: str) -> None:
    response = post_plain(world.client, channel["id"], fixture(name))

    assert_success(response)
    entries = timeline(world, customer_of(world, "FromUser")["id"])
    assert [entry["type"] for entry in entries] == ["message.received"]
    message = entries[0]["message"]
    assert message["case_id"] is None
    assert message["event"].startswith("wechat.")
    assert message["meta"]["auto_generated"] is True


def test_a_subscribe_then_a_question_opens_one_case_for_the_question(
    world: ApiWorld, channel: dict[str, Any]
) -> None:
    subscribe = fixture("event_subscribe.xml").replace(b"[FromUser]", f"[{CHINESE_OPENID}]".encode())
    assert_success(post_plain(world.client, channel["id"], subscribe))
    assert_success(post_plain(world.client, channel["id"], fixture("text_chinese.xml")))

    entries = timeline(world, customer_of(world, CHINESE_OPENID)["id"])

    # the question opens the case and is routed; the subscribe event opened no case and was not routed
    assert [entry["type"] for entry in entries] == [
        "case.routed",
        "message.received",
        "case.opened",
        "message.received",
    ]
    assert entries[3]["message"]["event"] == "wechat.subscribe"
    assert entries[3]["message"]["case_id"] is None
    assert entries[1]["message"]["case_id"] == entries[2]["case_id"] == entries[0]["case_id"]


def test_an_ignored_event_is_acknowledged_and_stores_nothing(
    world: ApiWorld, channel: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)

    assert_success(post_plain(world.client, channel["id"], fixture("event_location.xml")))

    assert row_counts(container) == before


REFUSALS = {
    "wrong signature": (lambda: signed_query(token="someoneElse"), "text_chinese.xml", 401),
    "no signature": (lambda: {}, "text_chinese.xml", 401),
    "billion laughs": (signed_query, "billion_laughs.xml", 400),
    "external entity": (signed_query, "xxe.xml", 400),
    "not xml": (signed_query, None, 400),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_requests_store_nothing(
    world: ApiWorld, channel: dict[str, Any], container: Container, case: str
) -> None:
    query, name, status = REFUSALS[case]
    body = fixture(name) if name else "你好 <xml".encode()
    before = row_counts(container)

    response = post_plain(world.client, channel["id"], body, query())

    assert response.status_code == status, response.text
    assert row_counts(container) == before


def test_safe_mode_refusals_store_nothing(
    world: ApiWorld, safe_channel: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)

    plain = post_plain(world.client, safe_channel["id"], fixture("text_chinese.xml"))
    wrong_token = post_encrypted(world.client, safe_channel["id"], fixture("text_chinese.xml"), token="other")
    hostile = post_encrypted(world.client, safe_channel["id"], fixture("billion_laughs.xml"))

    assert (plain.status_code, wrong_token.status_code, hostile.status_code) == (401, 401, 400)
    assert row_counts(container) == before


def test_a_well_formed_but_incomplete_message_is_422(
    world: ApiWorld, channel: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)
    body = fixture("text_chinese.xml").replace(b"<MsgId>24321754987012345</MsgId>", b"")

    response = post_plain(world.client, channel["id"], body)

    assert response.status_code == 422
    assert "MsgId" in response.json()["error"]["message"]
    assert row_counts(container) == before


def test_a_wechat_channel_with_bad_config_is_refused(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)

    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "wechat", "name": "公众号", "config": plain_config(encoding_aes_key="tooShort")},
        headers=world.admin_headers,
    )

    assert response.status_code == 422
    assert "encoding_aes_key" in response.json()["error"]["message"]
    assert row_counts(container) == before
