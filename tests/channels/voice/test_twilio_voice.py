"""Twilio voice webhooks: each call is one conversation of call events; the incoming call is answered
with TwiML; a missed or abandoned call becomes a callback task."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from omniline.bootstrap import Container
from omniline.channels.base import AdapterContext, ChannelInfo, HookRequest
from omniline.channels.sms.signature import compute_twilio_signature
from omniline.channels.voice.adapter import VoiceChannelAdapter
from omniline.customers.identities import IdentityClaim
from omniline.messages.normalized import InboundMessage
from tests.channels.sms.support import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, TwilioChannel, make_twilio_channel
from tests.channels.voice.support import fixture, messages_of, tasks_of
from tests.support import ApiWorld, row_counts

CALL_SID = "CA5f3b8c1e9d2a4b6c8e0f1a3b5c7d9e1f"
CONFIG = {"provider": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def voice(world: ApiWorld) -> TwilioChannel:
    return make_twilio_channel(world, "voice", CONFIG)


def twiml(inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'


def test_an_incoming_call_is_greeted_and_queued(voice: TwilioChannel, container: Container) -> None:
    # when
    response = voice.post(fixture("twilio_incoming_call.json"))

    # then
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == twiml(
        "<Say>Thank you for calling. Please hold, an agent will answer shortly.</Say>"
        f'<Enqueue method="POST" action="{voice.hook_url("queue")}">support</Enqueue>'
    )
    (message,) = messages_of(container)
    assert message == {
        "text": "Incoming call",
        "event": "call.started",
        "external_id": f"{CALL_SID}:call.started",
        "sender_identity": "phone:+79161234567",
        "meta": {"direction": "inbound", "from": "+79161234567", "to": "+15005550006"},
    }


def test_the_exact_normalised_call_event(container: Container) -> None:
    adapter = VoiceChannelAdapter()
    channel = ChannelInfo(
        id=uuid.UUID("0190f0e0-0000-7000-8000-0000000000aa"),
        tenant_id=uuid.uuid4(),
        kind="voice",
        name="Phone",
        config=adapter.validate_config(CONFIG | {"ivr_topics": {"1": "delivery"}}),
        secret="unused",
    )
    params = fixture("twilio_gather_digits.json")
    url = f"{PUBLIC_URL}/hooks/{channel.id}"
    request = HookRequest(
        "POST",
        "",
        url,
        {"x-twilio-signature": compute_twilio_signature(AUTH_TOKEN, url, params.items())},
        {},
        urlencode(params).encode(),
    )
    context = AdapterContext(container.http, container.files, container.settings, lambda: NOW)

    batch = adapter.parse_hook(channel, request, context)

    assert batch.messages == [
        InboundMessage(
            channel_id=channel.id,
            external_id=f"{CALL_SID}:call.ivr:1",
            identities=(IdentityClaim("phone", "+79161234567", verified=False),),
            text="Caller pressed 1 (delivery)",
            sent_at=NOW,
            thread_key=CALL_SID,
            event="call.ivr",
            meta={"ivr_digits": "1", "topic_code": "delivery"},
        )
    ]
    assert batch.response is not None
    assert batch.response.body.decode() == twiml(
        f'<Enqueue method="POST" action="{url}/queue">support</Enqueue>'
    )


def test_with_ivr_topics_the_greeting_is_a_one_key_menu(world: ApiWorld, container: Container) -> None:
    voice = make_twilio_channel(
        world,
        "voice",
        CONFIG
        | {
            "ivr_topics": {"1": "delivery", "2": "refund"},
            "greeting": "Здравствуйте! Доставка — 1, возврат — 2.",
            "language": "ru-RU",
            "queue": "ru-support",
        },
    )

    response = voice.post(fixture("twilio_incoming_call.json"))

    assert response.text == twiml(
        f'<Gather numDigits="1" timeout="5" method="POST" action="{voice.hook_url()}">'
        '<Say language="ru-RU">Здравствуйте! Доставка — 1, возврат — 2.</Say></Gather>'
        f'<Enqueue method="POST" action="{voice.hook_url("queue")}">ru-support</Enqueue>'
    )
    choice = voice.post(fixture("twilio_gather_digits.json") | {"Digits": "2"})
    assert choice.text == twiml(
        f'<Enqueue method="POST" action="{voice.hook_url("queue")}">ru-support</Enqueue>'
    )
    assert [item["meta"] for item in messages_of(container)][-1] == {
        "ivr_digits": "2",
        "topic_code": "refund",
    }


def test_a_whole_call_is_one_conversation_and_one_case(voice: TwilioChannel, container: Container) -> None:
    # when the call rings, is answered by TwiML, ends, and its recording arrives
    voice.post(fixture("twilio_incoming_call.json"))
    voice.post(fixture("twilio_status_completed.json") | {"CallStatus": "in-progress"}, "status")
    voice.post(fixture("twilio_status_completed.json"), "status")
    recording = voice.post(fixture("twilio_recording.json"), "recording", query="From=%2B79161234567")

    # then
    assert recording.status_code == 200, recording.text
    messages = messages_of(container)
    assert [(item["event"], item["text"]) for item in messages] == [
        ("call.started", "Incoming call"),
        ("call.answered", "Call answered"),
        ("call.ended", "Call ended after 2:05"),
        ("recording", "Call recording (0:42)"),
    ]
    assert messages[2]["meta"] == {"call_status": "completed", "duration": 125}
    assert messages[3]["meta"] == {
        "url": "https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Recordings/"
        "RE6a4c2e0f8d6b4a2c0e8f6d4b2a0c8e6f",
        "recording_sid": "RE6a4c2e0f8d6b4a2c0e8f6d4b2a0c8e6f",
        "duration": 42,
    }
    assert messages[3]["external_id"] == f"{CALL_SID}:recording:RE6a4c2e0f8d6b4a2c0e8f6d4b2a0c8e6f"
    counts = row_counts(container)
    assert (counts["conversations"], counts["cases"], counts["tasks"]) == (1, 1, 0)
    with container.engine.connect() as connection:
        thread, sent_at = connection.exec_driver_sql(
            "SELECT c.thread_key, m.sent_at FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.event = 'call.ended'"
        ).one()
    assert thread == CALL_SID
    assert _aware(sent_at) == datetime(2026, 11, 23, 10, 2, 5, tzinfo=UTC)  # Twilio's Timestamp


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "reason"),
    [("no-answer", "no answer"), ("busy", "busy"), ("failed", "failed"), ("canceled", "caller hung up")],
)
def test_a_missed_call_becomes_a_callback_task(
    voice: TwilioChannel, container: Container, status: str, reason: str
) -> None:
    voice.post(fixture("twilio_incoming_call.json"))

    response = voice.post(fixture("twilio_status_no_answer.json") | {"CallStatus": status}, "status")

    assert response.status_code == 200, response.text
    missed = messages_of(container)[-1]
    assert (missed["event"], missed["text"]) == ("call.missed", f"Missed call ({reason})")
    (task,) = tasks_of(container)
    assert task["reason"] == "call.missed"
    assert task["queue"] == "callbacks"
    assert task["case_id"] is not None and task["case_id"] == task["message_case_id"]
    assert _aware(task["due_at"]) - _aware(task["created_at"]) == timedelta(minutes=15)


def test_hanging_up_in_the_queue_is_an_abandoned_call_with_a_callback(
    voice: TwilioChannel, container: Container
) -> None:
    voice.post(fixture("twilio_incoming_call.json"))

    response = voice.post(fixture("twilio_enqueue_action_hangup.json"), "queue")

    assert response.status_code == 200
    assert response.text == twiml("")
    abandoned = messages_of(container)[-1]
    assert abandoned["event"] == "call.abandoned"
    assert abandoned["text"] == "Caller hung up while waiting in queue support"
    assert abandoned["meta"] == {"queue": "support", "queue_result": "hangup", "wait_seconds": 95}
    assert [task["reason"] for task in tasks_of(container)] == ["call.abandoned"]


def test_a_call_an_agent_took_from_the_queue_stores_nothing_more(
    voice: TwilioChannel, container: Container
) -> None:
    voice.post(fixture("twilio_incoming_call.json"))
    before = row_counts(container)

    response = voice.post(fixture("twilio_enqueue_action_hangup.json") | {"QueueResult": "bridged"}, "queue")

    assert response.status_code == 200
    assert row_counts(container) == before


def test_provider_retries_are_stored_once(voice: TwilioChannel, container: Container) -> None:
    voice.post(fixture("twilio_incoming_call.json"))
    voice.post(fixture("twilio_status_no_answer.json"), "status")
    after_first = row_counts(container)

    again = voice.post(fixture("twilio_incoming_call.json"))
    voice.post(fixture("twilio_status_no_answer.json"), "status")

    assert again.status_code == 200 and "<Enqueue" in again.text  # the caller still hears the greeting
    assert row_counts(container) == after_first
    assert after_first["tasks"] == 1


@pytest.mark.parametrize("subpath", ["", "status", "recording", "queue"])
def test_a_wrong_signature_is_a_401_and_stores_nothing(
    voice: TwilioChannel, container: Container, subpath: str
) -> None:
    before = row_counts(container)

    response = voice.post(fixture("twilio_incoming_call.json"), subpath, auth_token="not-the-auth-token")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert row_counts(container) == before


def test_a_signed_body_that_is_not_a_form_is_a_400(voice: TwilioChannel, container: Container) -> None:
    before = row_counts(container)
    body = b"CallSid=CA1&From=%2B7916%FF"
    signature = compute_twilio_signature(
        AUTH_TOKEN, voice.hook_url(), [("CallSid", "CA1"), ("From", "+7916\N{REPLACEMENT CHARACTER}")]
    )

    response = voice.world.client.post(
        f"/hooks/{voice.id}", content=body, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 400, response.text
    assert row_counts(container) == before


@pytest.mark.parametrize(
    ("subpath", "params", "words"),
    [
        ("", {"CallSid": ""}, "CallSid"),
        ("status", {"CallStatus": "exploded"}, "CallStatus"),
        ("status", {"CallDuration": "long"}, "CallDuration"),
        ("", {"Digits": "1; DROP"}, "Digits"),
        ("", {"AccountSid": "ACsomeoneelse"}, "AccountSid"),
        ("recording", {}, "From"),
    ],
)
def test_signed_but_invalid_requests_are_a_422(
    voice: TwilioChannel, container: Container, subpath: str, params: dict[str, str], words: str
) -> None:
    before = row_counts(container)
    base = fixture("twilio_recording.json" if subpath == "recording" else "twilio_status_completed.json")

    response = voice.post(base | params, subpath)

    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]
    assert row_counts(container) == before


@pytest.mark.parametrize("caller", ["+266696687", "anonymous", ""])
def test_a_withheld_caller_id_is_answered_but_not_stored(
    voice: TwilioChannel, container: Container, caller: str
) -> None:
    before = row_counts(container)

    response = voice.post(fixture("twilio_incoming_call.json") | {"From": caller, "Caller": caller})
    status = voice.post(fixture("twilio_status_no_answer.json") | {"From": caller}, "status")

    assert response.status_code == 200 and "<Enqueue" in response.text
    assert status.status_code == 200
    assert row_counts(container) == before


def test_on_an_outbound_call_the_customer_is_the_called_number(
    voice: TwilioChannel, container: Container
) -> None:
    params = fixture("twilio_incoming_call.json") | {
        "Direction": "outbound-api",
        "From": "+15005550006",
        "To": "+79031234567",
    }

    voice.post(params)

    (message,) = messages_of(container)
    assert message["sender_identity"] == "phone:+79031234567"
    assert message["text"] == "Outgoing call"
