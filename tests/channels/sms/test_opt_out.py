"""STOP/START: a number that texted STOP gets no replies (409 before anything is stored or sent)
until it texts START; the STOP itself is stored but opens no case."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omniline.bootstrap import Container
from tests.channels.sms.support import TwilioChannel, make_twilio_channel, sms_config
from tests.channels.sms.twilio_api import TwilioApi, fixture, twilio_api
from tests.support import ApiWorld, row_counts


@pytest.fixture
def api() -> Iterator[TwilioApi]:
    with twilio_api() as server:
        yield server


@pytest.fixture
def sms(world: ApiWorld, api: TwilioApi) -> TwilioChannel:
    return make_twilio_channel(world, "sms", sms_config(api.url))


def keyword(sms: TwilioChannel, text: str, sid: str) -> None:
    response = sms.post(fixture("inbound_stop.json") | {"Body": text, "MessageSid": sid, "SmsSid": sid})
    assert response.status_code == 200, response.text


def opt_outs(container: Container) -> list[tuple[Any, ...]]:
    with container.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.exec_driver_sql("SELECT channel_id, address FROM channel_opt_outs")
        ]


def conversation_of(sms: TwilioChannel) -> str:
    customer = sms.world.client.get(
        "/api/v1/customers", params={"identity": "phone:+79161234567"}, headers=sms.world.agent_headers
    ).json()["items"][0]
    timeline = sms.world.client.get(
        f"/api/v1/customers/{customer['id']}/timeline", headers=sms.world.agent_headers
    ).json()["items"]
    return str(next(item["conversation_id"] for item in timeline if item["channel_id"] == sms.id))


def try_reply(sms: TwilioChannel, conversation_id: str | None = None) -> Any:
    return sms.world.client.post(
        f"/api/v1/conversations/{conversation_id or conversation_of(sms)}/messages",
        json={"text": "Ответ"},
        headers=sms.world.agent_headers,
    )


def test_a_stop_from_a_new_number_is_stored_without_opening_a_case(
    sms: TwilioChannel, container: Container
) -> None:
    # when a number we never heard from texts STOP
    keyword(sms, " Stop ", "SM-stop-1")

    # then the message is on the timeline, marked, with no case, and the number is opted out
    customer = sms.world.client.get(
        "/api/v1/customers", params={"identity": "phone:+79161234567"}, headers=sms.world.agent_headers
    ).json()["items"][0]
    timeline = sms.world.client.get(
        f"/api/v1/customers/{customer['id']}/timeline", headers=sms.world.agent_headers
    ).json()["items"]
    assert [item["type"] for item in timeline] == ["message.received"]
    message = timeline[0]["message"]
    assert message["case_id"] is None
    assert message["meta"] == {"to": "+15005550006", "segments": 1, "opt_out": "stop", "auto_generated": True}
    assert row_counts(container)["cases"] == 0
    assert [address for _, address in opt_outs(container)] == ["+79161234567"]


def stored_files(container: Container) -> list[Path]:
    root = container.files.root
    return sorted(root.rglob("*")) if root.exists() else []


@pytest.mark.parametrize("with_file", [False, True])
def test_a_reply_to_an_opted_out_number_is_refused_and_nothing_is_stored_or_sent(
    sms: TwilioChannel, api: TwilioApi, container: Container, with_file: bool
) -> None:
    # given a customer who wrote, then texted STOP
    sms.post(fixture("inbound_sms_ru.json"))
    keyword(sms, "STOP", "SM-stop-1")
    conversation_id = conversation_of(sms)
    before, files_before = row_counts(container), stored_files(container)

    # when an agent replies (with a file: it must not be left in the file store either)
    if with_file:
        response = sms.world.client.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            data={"text": "Счёт во вложении / 附件是发票"},
            files=[
                ("files", ("счёт.pdf", b"%PDF-1.4 invoice " + conversation_id.encode(), "application/pdf"))
            ],
            headers=sms.world.agent_headers,
        )
    else:
        response = try_reply(sms, conversation_id)

    # then
    assert response.status_code == 409, response.text
    assert response.json()["error"] == {
        "code": "opted_out",
        "message": "the customer opted out of SMS on this channel (STOP)",
    }
    assert row_counts(container) == before
    assert stored_files(container) == files_before
    assert api.received == []


def test_start_opts_the_number_back_in(sms: TwilioChannel, container: Container) -> None:
    sms.post(fixture("inbound_sms_ru.json"))
    keyword(sms, "СТОП", "SM-stop-1")
    assert try_reply(sms).status_code == 409

    keyword(sms, "start", "SM-start-1")

    assert opt_outs(container) == []
    assert try_reply(sms).status_code == 201


def test_a_retried_old_stop_does_not_undo_a_later_start(sms: TwilioChannel, container: Container) -> None:
    keyword(sms, "STOP", "SM-stop-1")
    keyword(sms, "START", "SM-start-1")

    keyword(sms, "STOP", "SM-stop-1")  # Twilio retries the old STOP

    assert opt_outs(container) == []


def test_stop_twice_keeps_one_row(sms: TwilioChannel, container: Container) -> None:
    keyword(sms, "STOP", "SM-stop-1")
    keyword(sms, "unsubscribe", "SM-stop-2")

    assert len(opt_outs(container)) == 1


def test_an_opt_out_holds_for_its_own_channel_only(
    sms: TwilioChannel, world: ApiWorld, api: TwilioApi
) -> None:
    other = make_twilio_channel(world, "sms", sms_config(api.url))
    sms.post(fixture("inbound_sms_ru.json"))
    keyword(other, "STOP", "SM-stop-other")

    assert try_reply(sms).status_code == 201
