"""Twilio voice webhooks (signed forms, like SMS) → call events and the TwiML to answer with.

    /hooks/{id}            the incoming call (call.started; answered: greeting, IVR menu, queue), and
                           the IVR menu choice posted back by <Gather> (call.ivr, with Digits)
    /hooks/{id}/status     status callbacks: ringing, in-progress, completed, no-answer, busy, …
    /hooks/{id}/recording  recording callbacks (RecordingSid, RecordingUrl, RecordingDuration)
    /hooks/{id}/queue      <Enqueue>'s action: how the wait ended (a hang-up is an abandoned call)

A withheld caller id is answered like any call but stores nothing: there is nobody to call back.
"""

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from omniline.channels.base import AdapterContext, ChannelInfo, HookRequest, HookResponse, InboundBatch
from omniline.channels.sms.form import required, verified_form
from omniline.channels.sms.parsing import check_account
from omniline.channels.voice import twiml
from omniline.channels.voice.config import IVR_DIGITS
from omniline.channels.voice.events import call_event, caller_number, ivr_meta
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import InboundMessage

SUBPATHS = ("", "status", "recording", "queue")
# CallStatus → event; None: nothing a person needs to see (the call is being set up).
STATUS_EVENTS = {
    "queued": None,
    "initiated": None,
    "ringing": "call.ringing",
    "in-progress": "call.answered",
    "completed": "call.ended",
    "no-answer": "call.missed",
    "busy": "call.missed",
    "failed": "call.missed",
    "canceled": "call.missed",
}
# QueueResult of <Enqueue>'s action → event; the others mean an agent took the call or TwiML moved on.
QUEUE_EVENTS = {
    "hangup": "call.abandoned",
    "queue-full": "call.missed",
    "error": "call.missed",
    "system-error": "call.missed",
}


def parse_twilio_voice(channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
    if request.subpath not in SUBPATHS:
        raise InvalidInput("a twilio voice channel takes /hooks/{channel_id}[/status|/recording|/queue]")
    form = verified_form(request, channel.config["auth_token"])
    check_account(channel, form)
    (call_sid,) = required(form, "CallSid")
    hook_url = f"{context.settings.base_url}/hooks/{channel.id}"
    outbound = form.get("Direction", "inbound").startswith("outbound")
    # Recording callbacks carry no From; such a callback URL names the caller in its query string.
    raw_caller = form.get("To" if outbound else "From", request.query.get("From"))
    if raw_caller is None:
        raise InvalidInput("the Twilio request lacks From (add ?From=… to a recording callback URL)")
    caller = caller_number(raw_caller, region=channel.phone_region)
    at = _timestamp(form.get("Timestamp")) or context.clock()

    call = _Call(channel, call_sid, caller, at)
    message: InboundMessage | None = None
    response: HookResponse = twiml.EMPTY
    if request.subpath == "" and "Digits" in form:
        digits = form["Digits"].strip()
        if not IVR_DIGITS.match(digits):
            raise InvalidInput(f"Digits must be keypad digits, not {digits!r}")
        message = call.event("call.ivr", ivr_meta(digits, channel.config["ivr_topics"]), f":{digits}")
        response = twiml.answer_menu_choice(channel.config, hook_url)
    elif request.subpath == "":
        direction = "outbound" if outbound else "inbound"
        message = call.event(
            "call.started", {"direction": direction, "from": form.get("From", ""), "to": form.get("To", "")}
        )
        response = twiml.answer_incoming_call(channel.config, hook_url)
    elif request.subpath == "status":
        message = _status_event(form, call)
    elif request.subpath == "recording":
        message = _recording_event(form, call)
    else:
        message = _queue_event(form, call, channel.config["queue"])
    return InboundBatch([message] if message is not None else [], response=response)


@dataclass(frozen=True, slots=True)
class _Call:
    channel: ChannelInfo
    call_sid: str
    caller: str | None  # None: withheld, nothing is stored
    at: datetime

    def event(self, name: str, meta: dict[str, Any], suffix: str = "") -> InboundMessage | None:
        if self.caller is None:
            return None
        return call_event(
            self.channel,
            call_id=self.call_sid,
            event=name,
            caller=self.caller,
            at=self.at,
            meta=meta,
            external_suffix=suffix,
        )


def _status_event(form: dict[str, str], call: _Call) -> InboundMessage | None:
    (status,) = required(form, "CallStatus")
    if status not in STATUS_EVENTS:
        raise InvalidInput(f"unknown CallStatus {status!r}")
    name = STATUS_EVENTS[status]
    if name is None:
        return None
    meta: dict[str, Any] = {"call_status": status}
    if name == "call.ended" and form.get("CallDuration"):
        meta["duration"] = _seconds(form, "CallDuration")
    return call.event(name, meta)


def _recording_event(form: dict[str, str], call: _Call) -> InboundMessage | None:
    if form.get("RecordingStatus", "completed") != "completed":
        return None  # in-progress, absent or failed: no recording to listen to
    recording_sid, url = required(form, "RecordingSid", "RecordingUrl")
    meta: dict[str, Any] = {"url": url, "recording_sid": recording_sid}
    if form.get("RecordingDuration"):
        meta["duration"] = _seconds(form, "RecordingDuration")
    return call.event("recording", meta, f":{recording_sid}")


def _queue_event(form: dict[str, str], call: _Call, queue: str) -> InboundMessage | None:
    (outcome,) = required(form, "QueueResult")
    name = QUEUE_EVENTS.get(outcome)
    if name is None:
        return None
    meta: dict[str, Any] = {"queue": queue, "queue_result": outcome}
    if form.get("QueueTime"):
        meta["wait_seconds"] = _seconds(form, "QueueTime")
    if name == "call.missed":
        meta["call_status"] = outcome
    return call.event(name, meta)


def _seconds(form: dict[str, str], name: str) -> int:
    value = form[name].strip()
    if not value.isdigit():
        raise InvalidInput(f"{name} must be a whole number of seconds, not {value!r}")
    return int(value)


def _timestamp(value: str | None) -> datetime | None:
    """Twilio's `Timestamp` (RFC 2822) on status callbacks; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None
