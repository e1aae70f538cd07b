"""parse_hook on Telegram's documented updates: the exact InboundMessage each becomes."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from omniline.bootstrap import Container
from omniline.channels.base import HookRequest, HookResponse, InboundBatch
from omniline.channels.telegram.adapter import TelegramChannelAdapter
from omniline.customers.identities import IdentityClaim
from omniline.messages.normalized import Attachment, InboundMessage
from tests.channels.telegram.bot_api import SECRET_TOKEN, fixture
from tests.channels.telegram.conftest import TelegramWorld

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ACK = HookResponse(200, b"")


def parse(telegram: TelegramWorld, container: Container, update: dict[str, Any]) -> InboundBatch:
    request = HookRequest(
        method="POST",
        subpath="",
        url=f"https://cc.example.com/hooks/{telegram.channel['id']}",
        headers={"x-telegram-bot-api-secret-token": SECRET_TOKEN, "content-type": "application/json"},
        query={},
        body=json.dumps(update, ensure_ascii=False).encode(),
    )
    return TelegramChannelAdapter().parse_hook(telegram.info, request, container.adapter_context)


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def test_a_text_message(telegram: TelegramWorld, container: Container) -> None:
    batch = parse(telegram, container, fixture("message_text.json"))

    assert batch.response == ACK
    assert batch.messages == [
        InboundMessage(
            channel_id=telegram.info.id,
            external_id="10000",
            identities=(IdentityClaim("telegram", "1111111", verified=True),),
            text="Здравствуйте! Когда доставят заказ №45821?",
            sent_at=at(1441645532),
            sender_name="Анна Иванова",
            thread_key="1111111",
            meta={"message_id": 1365},
        )
    ]


def test_an_edited_message_is_a_new_entry_that_names_the_original(
    telegram: TelegramWorld, container: Container
) -> None:
    batch = parse(telegram, container, fixture("edited_message.json"))

    assert batch.messages == [
        InboundMessage(
            channel_id=telegram.info.id,
            external_id="edit-1111111-1365-1441645600",
            identities=(IdentityClaim("telegram", "1111111", verified=True),),
            text="Здравствуйте! Когда доставят заказ №45822?",
            sent_at=at(1441645600),
            sender_name="Анна Иванова",
            thread_key="1111111",
            meta={"edited": True, "original_message_id": 1365},
        )
    ]


def test_a_photo_is_fetched_in_its_largest_size_into_the_file_store(
    telegram: TelegramWorld, container: Container
) -> None:
    # given Telegram holds the 800×600 photo
    telegram.bot_api.files["AgACAgIAAxkBAAIBZ2Photo800"] = ("photos/file_17.jpg", JPEG)

    batch = parse(telegram, container, fixture("message_photo.json"))

    # then getFile was asked for the largest size only, and the bytes were downloaded
    assert [(call.method, call.body) for call in telegram.bot_api.calls] == [
        ("getFile", {"file_id": "AgACAgIAAxkBAAIBZ2Photo800"}),
        ("file:photos/file_17.jpg", None),
    ]
    digest = hashlib.sha256(JPEG).hexdigest()
    assert batch.messages == [
        InboundMessage(
            channel_id=telegram.info.id,
            external_id="10002",
            identities=(IdentityClaim("telegram", "2222222", verified=True),),
            text="包裹到了，但是盒子破了，请看照片。",
            sent_at=at(1441645700),
            sender_name="芳 王",
            thread_key="2222222",
            attachments=(
                Attachment("photo-1366.jpg", "image/jpeg", len(JPEG), f"{digest[:2]}/{digest[2:4]}/{digest}"),
            ),
            meta={"message_id": 1366},
        )
    ]
    assert container.files.open(batch.messages[0].attachments[0].storage_key or "") == JPEG


def test_a_document_keeps_its_name(telegram: TelegramWorld, container: Container) -> None:
    telegram.bot_api.files["BQACAgIAAxkBAAIBaGDocument01"] = ("documents/file_3.pdf", PDF)

    batch = parse(telegram, container, fixture("message_document.json"))

    (message,) = batch.messages
    digest = hashlib.sha256(PDF).hexdigest()
    assert message.text == "Чек об оплате"
    assert message.attachments == (
        Attachment("Чек-45821.pdf", "application/pdf", len(PDF), f"{digest[:2]}/{digest[2:4]}/{digest}"),
    )
    assert message.meta == {"message_id": 1367}


def test_a_file_telegram_will_not_hand_over_stays_listed_without_bytes(
    telegram: TelegramWorld, container: Container
) -> None:
    # given getFile refuses (over the 20 MB bot limit)
    telegram.bot_api.answer("getFile", (400, fixture("file_too_big.json")))

    batch = parse(telegram, container, fixture("message_document.json"))

    # then the message is kept, the file is listed without bytes, and the reason is on the message
    (message,) = batch.messages
    assert message.attachments == (Attachment("Чек-45821.pdf", "application/pdf", 536, None),)
    assert message.meta == {
        "message_id": 1367,
        "attachments_missing": ["Чек-45821.pdf: getFile: HTTP 400: Bad Request: file is too big"],
    }


def test_a_contact_shared_from_the_users_own_account_is_a_verified_phone(
    telegram: TelegramWorld, container: Container
) -> None:
    batch = parse(telegram, container, fixture("message_contact_own.json"))

    assert batch.messages == [
        InboundMessage(
            channel_id=telegram.info.id,
            external_id="10004",
            identities=(
                IdentityClaim("telegram", "1111111", verified=True),
                IdentityClaim("phone", "+79161234567", verified=True),
            ),
            text="Анна Иванова +79161234567",
            sent_at=at(1441645900),
            sender_name="Анна Иванова",
            thread_key="1111111",
            meta={
                "message_id": 1368,
                "contact": {"phone_number": "+79161234567", "name": "Анна Иванова", "own": True},
            },
        )
    ]


def test_someone_elses_contact_is_no_identity_of_the_sender(
    telegram: TelegramWorld, container: Container
) -> None:
    batch = parse(telegram, container, fixture("message_contact_other.json"))

    (message,) = batch.messages
    assert message.identities == (IdentityClaim("telegram", "1111111", verified=True),)
    assert message.text == "Ольга +79035551234"
    assert message.meta["contact"] == {"phone_number": "+79035551234", "name": "Ольга", "own": False}


@pytest.mark.parametrize("name", ["my_chat_member.json", "group_message.json"])
def test_updates_that_are_not_private_messages_are_acknowledged_and_carry_nothing(
    telegram: TelegramWorld, container: Container, name: str
) -> None:
    batch = parse(telegram, container, fixture(name))

    assert batch.messages == []
    assert batch.response == ACK


def test_content_the_adapter_does_not_render_is_kept_and_marked(
    telegram: TelegramWorld, container: Container
) -> None:
    (message,) = parse(telegram, container, fixture("message_dice.json")).messages

    assert (message.external_id, message.text) == ("10009", "")
    assert message.meta == {"message_id": 1371, "unsupported": True}
