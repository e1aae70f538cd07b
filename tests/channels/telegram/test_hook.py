"""POST /hooks/{channel_id} of a telegram channel: refusals store nothing, retries do not duplicate,
accepted updates land on the right customer's timeline."""

import json

import pytest

from omniline.bootstrap import Container
from tests.channels.telegram.bot_api import fixture
from tests.channels.telegram.conftest import TelegramWorld
from tests.support import row_counts


def test_an_update_lands_on_the_senders_timeline(telegram: TelegramWorld) -> None:
    # when Telegram delivers a text message
    response = telegram.post_update(fixture("message_text.json"))

    # then it gets an empty 200, and the message is on telegram:1111111's timeline
    assert (response.status_code, response.content) == (200, b"")
    customer = telegram.customer("telegram:1111111")
    assert customer is not None
    assert customer["name"] == "Анна Иванова"
    entries = telegram.timeline(customer["id"])
    assert [item["type"] for item in entries] == ["case.routed", "message.received", "case.opened"]
    message = next(item["message"] for item in entries if item["type"] == "message.received")
    assert message["channel_kind"] == "telegram"
    assert message["sender"] == {"identity": "telegram:1111111", "name": "Анна Иванова"}
    assert message["text"] == "Здравствуйте! Когда доставят заказ №45821?"
    assert message["external_id"] == "10000"
    assert message["sent_at"].startswith("2015-09-07T17:05:32")
    assert message["meta"] == {"message_id": 1365}


def test_a_redelivered_update_is_stored_once(telegram: TelegramWorld, container: Container) -> None:
    # given the update was received
    assert telegram.post_update(fixture("message_text.json")).status_code == 200
    before = row_counts(container)

    # when Telegram delivers it again (it did not see our answer)
    response = telegram.post_update(fixture("message_text.json"))

    # then it is acknowledged and nothing new is stored
    assert (response.status_code, response.content) == (200, b"")
    assert row_counts(container) == before


def test_each_edit_is_a_new_entry_next_to_the_original(telegram: TelegramWorld) -> None:
    telegram.post_update(fixture("message_text.json"))
    telegram.post_update(fixture("edited_message.json"))
    telegram.post_update(fixture("edited_message.json"))  # a redelivered edit

    customer = telegram.customer("telegram:1111111")
    assert customer is not None
    entries = telegram.timeline(customer["id"])
    # the edit joins the open case whose work already waits: it is not routed again
    assert [item["type"] for item in entries] == [
        "message.received",
        "case.routed",
        "message.received",
        "case.opened",
    ]
    # a case.routed entry points at the message it routed too; the edits are about the messages
    messages = [item["message"] for item in entries if item["type"] == "message.received"]
    assert [(item["text"], item["meta"]) for item in messages] == [
        ("Здравствуйте! Когда доставят заказ №45822?", {"edited": True, "original_message_id": 1365}),
        ("Здравствуйте! Когда доставят заказ №45821?", {"message_id": 1365}),
    ]
    assert messages[0]["conversation_id"] == messages[1]["conversation_id"]


def test_a_photo_is_shown_with_its_attachment(telegram: TelegramWorld) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 101
    telegram.bot_api.files["AgACAgIAAxkBAAIBZ2Photo800"] = ("photos/file_17.jpg", jpeg)

    assert telegram.post_update(fixture("message_photo.json")).status_code == 200

    customer = telegram.customer("telegram:2222222")
    assert customer is not None
    message = next(item["message"] for item in telegram.timeline(customer["id"]) if item["message"])
    assert message["attachments"] == [
        {"filename": "photo-1366.jpg", "content_type": "image/jpeg", "size": 112}
    ]


def test_a_shared_own_contact_joins_the_customer_known_by_that_phone(telegram: TelegramWorld) -> None:
    # given Anna is known from the app by her phone
    known = telegram.api.post_app_message(
        {
            "external_id": "app-1",
            "sender": {"identities": ["app:42", "phone:8 916 123-45-67"], "name": "Анна"},
            "text": "Где мой заказ?",
            "sent_at": "2015-09-07T10:00:00+00:00",
        }
    ).json()

    # when she writes to the bot, then shares her own contact
    telegram.post_update(fixture("message_text.json"))
    telegram.post_update(fixture("message_contact_own.json"))

    # then her Telegram account is on the same customer, with one case
    customer = telegram.customer("telegram:1111111")
    assert customer is not None and customer["id"] == known["customer_id"]
    cases = {item["case_id"] for item in telegram.timeline(customer["id"]) if item.get("message")}
    assert len(cases) == 2  # the app case, and the Telegram conversation's own case before the merge


def test_someone_elses_contact_links_nothing(telegram: TelegramWorld) -> None:
    telegram.api.post_app_message(
        {
            "external_id": "app-2",
            "sender": {"identities": ["phone:+79035551234"], "name": "Ольга"},
            "text": "Не могу войти.",
            "sent_at": "2015-09-07T10:00:00+00:00",
        }
    )

    telegram.post_update(fixture("message_contact_other.json"))

    anna, olga = telegram.customer("telegram:1111111"), telegram.customer("phone:+79035551234")
    assert anna is not None and olga is not None
    assert anna["id"] != olga["id"]


@pytest.mark.parametrize("name", ["my_chat_member.json", "group_message.json"])
def test_other_updates_are_acknowledged_and_store_nothing(
    telegram: TelegramWorld, container: Container, name: str
) -> None:
    before = row_counts(container)

    response = telegram.post_update(fixture(name))

    assert (response.status_code, response.content) == (200, b"")
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "secret",
    [None, "", "tg-secret-token-for-tests-0002", "tg-secret-token-for-tests-000", "секрет".encode()],
    ids=["missing", "empty", "other", "prefix", "not ascii"],
)
def test_a_wrong_or_missing_secret_token_is_a_401_and_stores_nothing(
    telegram: TelegramWorld, container: Container, secret: str | bytes | None
) -> None:
    before = row_counts(container)

    response = telegram.post_raw(json.dumps(fixture("message_text.json")).encode(), secret=secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert row_counts(container) == before
    assert telegram.bot_api.calls == []


@pytest.mark.parametrize(
    "raw",
    [b'{"update_id": 10000, "message": {"text": "\xd0\x9f\xd1', b"not json", b""],
    ids=["truncated", "not json", "empty"],
)
def test_a_malformed_body_is_a_400_and_stores_nothing(
    telegram: TelegramWorld, container: Container, raw: bytes
) -> None:
    before = row_counts(container)

    response = telegram.post_raw(raw)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "update",
    [{"message": {"message_id": 1}}, {"update_id": "x"}, {"update_id": 1, "message": {"text": "Привет"}}],
    ids=["no update_id", "update_id not a number", "message without chat"],
)
def test_json_that_is_no_update_is_a_422_and_stores_nothing(
    telegram: TelegramWorld, container: Container, update: dict[str, object]
) -> None:
    before = row_counts(container)

    response = telegram.post_update(update)

    assert response.status_code == 422
    assert row_counts(container) == before
