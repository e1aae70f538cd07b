"""The generic CTI event API: a PBX posts signed JSON call events; each call is one conversation,
an abandoned call or a voicemail is a callback task, call.answered reaches the agents' feed."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from omniline.bootstrap import Container
from omniline.channels.base import AdapterContext, ChannelInfo, HookRequest
from omniline.channels.signing import sign_body
from omniline.channels.voice.adapter import NO_TEXT_REPLIES, VoiceChannelAdapter
from omniline.customers.identities import IdentityClaim
from omniline.messages.normalized import InboundMessage, OutboundMessage
from tests.channels.voice.support import fixture, messages_of, raw_fixture, tasks_of
from tests.support import ApiWorld, row_counts

CALL = "1763892000.42"


@pytest.fixture
def cti(world: ApiWorld) -> dict[str, Any]:
    response = world.client.post(
        "/api/v1/channels",
        json={
            "kind": "voice",
            "name": "АТС / PBX",
            "config": {"provider": "cti", "ivr_topics": {"1": "delivery"}},
        },
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    channel: dict[str, Any] = response.json()
    return channel


def post(client: TestClient, channel: dict[str, Any], raw: bytes, *, secret: str | None = None) -> Response:
    return client.post(
        f"/hooks/{channel['id']}",
        content=raw,
        headers={
            "X-Omniline-Signature": sign_body(secret or channel["secret"], raw),
            "Content-Type": "application/json",
        },
    )


def post_event(client: TestClient, channel: dict[str, Any], name: str, **changes: Any) -> Response:
    raw = json.dumps(fixture(name) | changes, ensure_ascii=False).encode() if changes else raw_fixture(name)
    return post(client, channel, raw)


ADAPTER = VoiceChannelAdapter()
CHANNEL = ChannelInfo(
    id=uuid.UUID("0190f0e0-0000-7000-8000-0000000000cc"),
    tenant_id=uuid.uuid4(),
    kind="voice",
    name="PBX",
    config=ADAPTER.validate_config({"provider": "cti", "ivr_topics": {"1": "delivery"}}),
    secret="pbx-secret",
)


def parse(container: Container, name: str) -> InboundMessage:
    raw = raw_fixture(name)
    request = HookRequest(
        "POST", "", "http://x/hooks/x", {"x-omniline-signature": sign_body("pbx-secret", raw)}, {}, raw
    )
    context = AdapterContext(container.http, container.files, container.settings, container.clock)
    (message,) = ADAPTER.parse_hook(CHANNEL, request, context).messages
    return message


MSK = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


@pytest.mark.parametrize(
    ("name", "external_id", "text", "meta"),
    [
        (
            "cti_call_started.json",
            f"{CALL}:call.started",
            "Incoming call",
            {"to": "+74950000000", "ivr_digits": "1", "topic_code": "delivery"},
        ),
        (
            "cti_call_queued.json",
            f"{CALL}:call.queued",
            "Waiting in queue support",
            {"to": "+74950000000", "queue": "support"},
        ),
        (
            "cti_call_answered.json",
            f"{CALL}:call.answered",
            "Answered by agent@demo.example",
            {"to": "+74950000000", "queue": "support", "agent_email": "agent@demo.example"},
        ),
        (
            "cti_call_ended.json",
            f"{CALL}:call.ended",
            "Call ended after 4:05",
            {"to": "+74950000000", "duration": 245},
        ),
        (
            "cti_recording.json",
            f"{CALL}:recording:43837b2f6052dcfc",
            "Call recording (4:05)",
            {
                "to": "+74950000000",
                "duration": 245,
                "url": "https://pbx.example.ru/monitor/2026/11/23/1763892000.42.wav",
            },
        ),
    ],
)
def test_each_event_normalised_exactly(
    container: Container, name: str, external_id: str, text: str, meta: dict[str, Any]
) -> None:
    message = parse(container, name)
    body = fixture(name)

    assert message == InboundMessage(
        channel_id=CHANNEL.id,
        external_id=external_id,
        identities=(IdentityClaim("phone", "+79161234567", verified=False),),  # normalised
        text=text,
        sent_at=datetime.fromisoformat(body["at"]),
        thread_key=CALL,
        event=body["event"],
        meta=meta,
    )


def test_a_whole_call_is_one_conversation_on_the_callers_customer(
    world: ApiWorld, cti: dict[str, Any], container: Container
) -> None:
    # given Anna is known from the app by her phone
    world.post_app_message(
        {
            "external_id": "app-1",
            "sender": {"identities": ["app:42", "phone:+79161234567"], "name": "Анна"},
            "text": "Где мой заказ?",
            "sent_at": "2026-11-23T06:00:00+00:00",
        }
    )

    # when she calls, waits, is answered, hangs up, and the recording arrives
    for name in (
        "cti_call_started.json",
        "cti_call_queued.json",
        "cti_call_answered.json",
        "cti_call_ended.json",
        "cti_recording.json",
    ):
        response = post_event(world.client, cti, name)
        assert response.status_code == 202, response.text

    # then the call is one conversation on her customer, in her open case
    ids = response.json()
    customer = world.client.get(
        "/api/v1/customers", params={"identity": "app:42"}, headers=world.agent_headers
    )
    assert ids["customer_id"] == customer.json()["items"][0]["id"]
    messages = world.client.get(
        f"/api/v1/conversations/{ids['conversation_id']}/messages", headers=world.agent_headers
    ).json()["items"]
    assert [item["event"] for item in messages] == [
        "call.started",
        "call.queued",
        "call.answered",
        "call.ended",
        "recording",
    ]
    assert {item["channel_kind"] for item in messages} == {"voice"}
    assert {item["sender"]["identity"] for item in messages} == {"phone:+79161234567"}
    counts = row_counts(container)
    assert (counts["conversations"], counts["cases"], counts["tasks"]) == (2, 1, 1)
    # the one task is the work her app message opened the case with; the answered call adds none
    (task,) = tasks_of(container)
    # (no topics in this tenant, an async channel: no rule of the default policy decides)
    assert (task["reason"], task["queue"], task["status"]) == ("routed:default", "general", "open")
    assert str(task["case_id"]).replace("-", "") == ids["case_id"].replace("-", "")
    assert task["message_case_id"] == task["case_id"]


@pytest.mark.parametrize(
    ("name", "reason"), [("cti_call_abandoned.json", "call.abandoned"), ("cti_voicemail.json", "voicemail")]
)
def test_an_abandoned_call_or_a_voicemail_becomes_a_callback_task(
    world: ApiWorld, cti: dict[str, Any], container: Container, name: str, reason: str
) -> None:
    response = post_event(world.client, cti, name)

    assert response.status_code == 202, response.text
    ids = response.json()
    (task,) = tasks_of(container)
    assert (task["reason"], task["queue"], task["status"]) == (reason, "callbacks", "open")
    assert str(task["case_id"]).replace("-", "") == ids["case_id"].replace("-", "")
    listed = world.client.get("/api/v1/tasks", params={"status": "open"}, headers=world.agent_headers).json()[
        "items"
    ]
    assert [
        (item["reason"], item["customer_id"], item["case_id"], item["conversation_id"]) for item in listed
    ] == [(reason, ids["customer_id"], ids["case_id"], ids["conversation_id"])]
    sent_at = datetime.fromisoformat(fixture(name)["at"])
    assert datetime.fromisoformat(listed[0]["due_at"]) > sent_at
    timeline = world.client.get(
        f"/api/v1/customers/{ids['customer_id']}/timeline", headers=world.agent_headers
    )
    assert "callback.scheduled" in [item["type"] for item in timeline.json()["items"]]


def test_the_voicemail_keeps_its_recording(
    world: ApiWorld, cti: dict[str, Any], container: Container
) -> None:
    post_event(world.client, cti, "cti_voicemail.json")

    (message,) = messages_of(container)
    assert message == {
        "text": "Voicemail (0:31)",
        "event": "voicemail",
        "external_id": "1763899200.9:voicemail",
        "sender_identity": "phone:+79031234567",
        "meta": {
            "to": "+74950000000",
            "duration": 31,
            "url": "https://pbx.example.ru/monitor/voicemail/1763899200.9.wav",
        },
    }


def test_call_answered_reaches_the_agents_feed(
    world: ApiWorld, cti: dict[str, Any], client: TestClient
) -> None:
    token = world.agent_headers["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/ws?access_token={token}") as ws:
        assert ws.receive_json()["type"] == "hello"

        response = post_event(world.client, cti, "cti_call_answered.json")

        event = ws.receive_json()
        while event["type"] != "message.received":
            event = ws.receive_json()
    assert response.status_code == 202
    message = event["data"]["message"]
    assert message["event"] == "call.answered"
    assert message["meta"]["agent_email"] == "agent@demo.example"
    assert message["customer_id"] == response.json()["customer_id"]  # the desktop opens this timeline


def test_a_retry_is_stored_once(world: ApiWorld, cti: dict[str, Any], container: Container) -> None:
    first = post_event(world.client, cti, "cti_call_abandoned.json")
    after_first = row_counts(container)

    again = post_event(world.client, cti, "cti_call_abandoned.json")

    assert again.status_code == 202
    assert again.json() == first.json()
    assert row_counts(container) == after_first
    assert after_first["tasks"] == 1


def test_two_recordings_of_one_call_are_two_messages(
    world: ApiWorld, cti: dict[str, Any], container: Container
) -> None:
    post_event(world.client, cti, "cti_recording.json")
    post_event(
        world.client, cti, "cti_recording.json", recording_url="https://pbx.example.ru/monitor/part2.wav"
    )

    assert len(messages_of(container)) == 2


@pytest.mark.parametrize("secret", ["not-the-secret", None])
def test_a_wrong_signature_is_a_401(
    world: ApiWorld, cti: dict[str, Any], container: Container, secret: str | None
) -> None:
    before = row_counts(container)
    raw = raw_fixture("cti_call_abandoned.json")

    headers = {"X-Omniline-Signature": sign_body(secret, raw)} if secret else {}
    response = world.client.post(f"/hooks/{cti['id']}", content=raw, headers=headers)

    assert response.status_code == 401
    assert row_counts(container) == before


def test_malformed_json_is_a_400(world: ApiWorld, cti: dict[str, Any], container: Container) -> None:
    before = row_counts(container)

    response = post(world.client, cti, raw_fixture("cti_call_abandoned.json")[:-10])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"event": "call.exploded"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"at": "2026-11-23T10:00:00"}, "at"),
        ({"from": "не номер"}, "phone number"),
        ({"duration": -1}, "duration"),
        ({"ivr_digits": "1 OR 1=1"}, "ivr_digits"),
        ({"recording_url": "file:///etc/passwd"}, "recording_url"),
        ({"event": "recording"}, "recording_url"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_invalid_events_are_a_422(
    world: ApiWorld, cti: dict[str, Any], container: Container, changes: dict[str, Any], words: str
) -> None:
    before = row_counts(container)

    response = post_event(world.client, cti, "cti_call_abandoned.json", **changes)

    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]
    assert row_counts(container) == before


def test_a_withheld_caller_is_acknowledged_and_not_stored(
    world: ApiWorld, cti: dict[str, Any], container: Container
) -> None:
    before = row_counts(container)

    response = post_event(world.client, cti, "cti_call_abandoned.json", **{"from": "Anonymous"})

    assert response.status_code == 202
    assert response.json() == {"items": [], "ignored": "the caller id is withheld"}
    assert row_counts(container) == before


def test_a_text_reply_on_a_call_is_refused_and_nothing_is_stored(
    world: ApiWorld, cti: dict[str, Any], container: Container
) -> None:
    ids = post_event(world.client, cti, "cti_call_ended.json").json()
    before = row_counts(container)

    response = world.client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": "Перезвоним"},
        headers=world.agent_headers,
    )

    assert response.status_code == 409
    assert response.json()["error"] == {"code": "no_text_replies", "message": NO_TEXT_REPLIES}
    assert row_counts(container) == before


def test_send_fails_for_good_if_a_reply_reaches_the_adapter(container: Container) -> None:
    outbound = OutboundMessage(
        uuid.uuid4(), uuid.uuid4(), CHANNEL.id, "phone:+79161234567", "Перезвоним", MSK
    )
    result = ADAPTER.send(CHANNEL, outbound, container.adapter_context)

    assert (result.ok, result.retryable, result.error) == (
        False,
        False,
        "voice has no text replies; use a callback task or another channel",
    )
