"""`/start <token>` deep links: a genuine token ties the Telegram user to the named customer; anything
else links nothing. The token format itself is checked without a database."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.telegram.deep_links import make_deep_link_token, verify_deep_link_token
from omniline.customers.models import CustomerMerge
from tests.channels.telegram.bot_api import fixture
from tests.channels.telegram.conftest import TelegramWorld
from tests.support import make_world, row_counts

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CUSTOMER = uuid.UUID("01900000-0000-7000-8000-00000000abcd")


def test_a_token_fits_telegrams_start_parameter_and_names_its_customer() -> None:
    token = make_deep_link_token("channel-secret", CUSTOMER, now=NOW)

    assert len(token) <= 64
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert verify_deep_link_token("channel-secret", token, now=NOW + timedelta(days=6)) == CUSTOMER


def test_a_token_for_another_secret_or_after_expiry_names_no_one() -> None:
    token = make_deep_link_token("channel-secret", CUSTOMER, now=NOW, valid_for=timedelta(days=1))

    assert verify_deep_link_token("another-secret", token, now=NOW) is None
    assert verify_deep_link_token("channel-secret", token, now=NOW + timedelta(days=1, seconds=1)) is None


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("index", [0, 1, 16, 17, 20, 21, 36])
def test_any_changed_byte_voids_the_token(index: int) -> None:
    token = make_deep_link_token("channel-secret", CUSTOMER, now=NOW)

    assert verify_deep_link_token("channel-secret", _flip(token, index), now=NOW) is None


@pytest.mark.parametrize(
    "token", ["", "x", "!" * 50, "A" * 65, "AAAA", "start", "Привет", "AA==", None], ids=repr
)
def test_garbage_is_no_token(token: str | None) -> None:
    genuine = make_deep_link_token("channel-secret", CUSTOMER, now=NOW)
    candidates = (
        [token] if token is not None else [genuine[:-1], genuine + "A", genuine[:25] + "+" + genuine[26:]]
    )
    for candidate in candidates:
        assert verify_deep_link_token("channel-secret", candidate, now=NOW) is None


def start_update(token: str, update_id: int = 10006) -> dict[str, Any]:
    update = fixture("message_start.json")
    update["update_id"] = update_id
    update["message"]["text"] = f"/start {token}"
    return update


def known_customer(telegram: TelegramWorld) -> str:
    ids = telegram.api.post_app_message(
        {
            "external_id": "app-1",
            "sender": {"identities": ["app:77", "email:john@example.com"], "name": "John Smith"},
            "text": "The app charged me twice.",
            "sent_at": "2015-09-07T10:00:00+00:00",
        }
    ).json()
    return str(ids["customer_id"])


def merges(container: Container) -> list[tuple[str, str, str, str]]:
    """(survivor, merged, actor, reason) of every merge."""
    with container.uow() as uow:
        return [
            (str(row.survivor_id), str(row.merged_id), row.actor, row.reason)
            for row in uow.session.scalars(select(CustomerMerge))
        ]


def test_a_genuine_start_link_ties_the_telegram_user_to_the_customer(
    telegram: TelegramWorld, container: Container
) -> None:
    # given a customer known from the app, and a deep link made for them
    customer_id = known_customer(telegram)
    token = make_deep_link_token(telegram.channel["secret"], uuid.UUID(customer_id))

    # when they open it in Telegram
    response = telegram.post_update(start_update(token))

    # then their Telegram account belongs to that customer, by an audited system merge
    assert (response.status_code, response.content) == (200, b"")
    found = telegram.customer("telegram:4444444")
    assert found is not None and found["id"] == customer_id
    ((survivor, _, actor, reason),) = merges(container)
    assert (survivor, actor) == (customer_id, "system:telegram")
    assert reason == "the Telegram user opened a signed /start link issued for this customer"
    # and the /start shows on the timeline without the token, without opening a case
    start = next(
        item["message"]
        for item in telegram.timeline(customer_id)
        if (item.get("message") or {}).get("channel_kind") == "telegram"
    )
    assert start["text"] == "/start"
    assert start["meta"] == {
        "message_id": 1370,
        "command": "start",
        "deep_link": "verified",
        "auto_generated": True,
    }
    assert start["case_id"] is None
    assert token not in json.dumps(telegram.timeline(customer_id))


def test_a_telegram_user_with_a_history_of_their_own_is_merged_into_the_customer(
    telegram: TelegramWorld, container: Container
) -> None:
    # given the Telegram user wrote before the link was made
    hello = fixture("message_text.json")
    hello["message"]["from"]["id"] = hello["message"]["chat"]["id"] = 4444444
    telegram.post_update(hello)
    own = telegram.customer("telegram:4444444")
    customer_id = known_customer(telegram)

    # when they open the link
    token = make_deep_link_token(telegram.channel["secret"], uuid.UUID(customer_id))
    telegram.post_update(start_update(token))

    # then their earlier message is on the customer's timeline too
    assert own is not None and own["id"] != customer_id
    texts = [item["message"]["text"] for item in telegram.timeline(customer_id) if item.get("message")]
    assert "Здравствуйте! Когда доставят заказ №45821?" in texts
    assert telegram.customer("telegram:4444444") == telegram.customer("app:77")


def test_a_redelivered_start_links_once(telegram: TelegramWorld, container: Container) -> None:
    customer_id = known_customer(telegram)
    update = start_update(make_deep_link_token(telegram.channel["secret"], uuid.UUID(customer_id)))
    telegram.post_update(update)
    before = row_counts(container)

    telegram.post_update(update)

    assert row_counts(container) == before
    assert len(merges(container)) == 1


@pytest.mark.parametrize("how", ["tampered", "other channel's secret", "expired", "not a token"])
def test_a_start_link_that_is_not_genuine_links_nothing(
    telegram: TelegramWorld, container: Container, how: str
) -> None:
    customer_id = uuid.UUID(known_customer(telegram))
    token = {
        "tampered": _flip(make_deep_link_token(telegram.channel["secret"], customer_id), 5),
        "other channel's secret": make_deep_link_token(telegram.api.channel["secret"], customer_id),
        "expired": make_deep_link_token(
            telegram.channel["secret"], customer_id, now=datetime.now(UTC) - timedelta(days=8)
        ),
        "not a token": "promo_black_friday",
    }[how]

    response = telegram.post_update(start_update(token))

    # then the /start is stored on a customer of its own, marked rejected, and nothing merged
    assert response.status_code == 200
    found = telegram.customer("telegram:4444444")
    assert found is not None and found["id"] != str(customer_id)
    start = telegram.timeline(found["id"])[0]["message"]
    assert (start["text"], start["meta"]["deep_link"], start["case_id"]) == ("/start", "rejected", None)
    assert merges(container) == []


def test_a_token_naming_another_tenants_customer_links_nothing(
    telegram: TelegramWorld, container: Container
) -> None:
    # given a customer of another tenant, and a token signed with this channel's secret naming them
    other = make_world(container, telegram.client, slug="other")
    stranger = other.post_app_message(
        {
            "external_id": "o-1",
            "sender": {"identities": ["app:1"], "name": "Чужой"},
            "text": "Привет",
            "sent_at": "2015-09-07T10:00:00+00:00",
        }
    ).json()["customer_id"]
    token = make_deep_link_token(telegram.channel["secret"], uuid.UUID(stranger))

    assert telegram.post_update(start_update(token)).status_code == 200

    found = telegram.customer("telegram:4444444")
    assert found is not None and found["id"] != stranger
    assert merges(container) == []
