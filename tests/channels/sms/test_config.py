"""Creating an sms channel: the config is checked, the API base URL defaults to Twilio's."""

import uuid
from typing import Any

import pytest

from omniline.bootstrap import Container
from omniline.channels.models import Channel
from tests.channels.sms.support import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER
from tests.support import ApiWorld, row_counts

GOOD = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER}


def create(world: ApiWorld, config: dict[str, Any]) -> Any:
    return world.client.post(
        "/api/v1/channels", json={"kind": "sms", "name": "SMS", "config": config}, headers=world.admin_headers
    )


def test_a_channel_with_the_three_keys_gets_twilios_api(world: ApiWorld, container: Container) -> None:
    response = create(world, GOOD)

    assert response.status_code == 201, response.text
    # people see the credential masked; the channel keeps it to sign and call Twilio
    assert response.json()["config"] == GOOD | {
        "api_base_url": "https://api.twilio.com",
        "auth_token": "********",
    }
    with container.uow() as uow:
        stored = uow.session.get_one(Channel, uuid.UUID(response.json()["id"])).config
    assert stored == GOOD | {"api_base_url": "https://api.twilio.com"}


def test_the_api_base_url_is_a_setting(world: ApiWorld) -> None:
    response = create(world, GOOD | {"api_base_url": "http://127.0.0.1:9999/"})
    assert response.json()["config"]["api_base_url"] == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({k: v for k, v in GOOD.items() if k != "auth_token"}, "needs auth_token"),
        ({}, "needs account_sid, auth_token, from_number"),
        (GOOD | {"region": "US"}, "unknown config keys for an sms channel: region"),
        (GOOD | {"from_number": "8 916 123-45-67"}, "from_number must be an E.164 number"),
        (GOOD | {"account_sid": "AC/../x"}, "account_sid may hold only"),
        (GOOD | {"api_base_url": "ftp://api.twilio.com"}, "api_base_url must be an http"),
        (GOOD | {"from_number": 15005550006}, "needs from_number"),
    ],
)
def test_unusable_configs_are_refused_clearly(
    world: ApiWorld, container: Container, config: dict[str, Any], words: str
) -> None:
    before = row_counts(container)

    response = create(world, config)

    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]
    assert row_counts(container) == before
