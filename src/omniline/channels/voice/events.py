"""Call events as messages (pure): one conversation per call, one message per event.

The call id is the thread key, so every event of a call lands in one conversation; the external id
is "<call id>:<event>" (plus what tells two recordings apart), so a provider's retry is stored once.
The text is a line a person reads on the timeline; the details stay in `meta`.
"""

from datetime import datetime
from typing import Any

from omniline.channels.base import ChannelInfo
from omniline.customers.identities import IdentityClaim, normalise_phone
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import InboundMessage

# Twilio spells withheld caller ids on the keypad: ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE.
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
WITHHELD_WORDS = frozenset({"", "anonymous", "restricted", "blocked", "unknown", "unavailable", "private"})

MISSED_REASONS = {
    "no-answer": "no answer",
    "busy": "busy",
    "failed": "failed",
    "canceled": "caller hung up",
    "queue-full": "the queue was full",
}


def is_withheld(raw: str) -> bool:
    return raw.strip().lower() in WITHHELD_WORDS or raw.strip() in WITHHELD_NUMBERS


def caller_number(raw: str, *, region: str) -> str | None:
    """The caller's E.164 number, or None when it is withheld or not a phone number at all (a SIP
    address, a browser client): nobody to call back."""
    if is_withheld(raw):
        return None
    try:
        return normalise_phone(raw, region=region)
    except InvalidInput:
        return None


def call_event(
    channel: ChannelInfo,
    *,
    call_id: str,
    event: str,
    caller: str,
    at: datetime,
    meta: dict[str, Any],
    external_suffix: str = "",
) -> InboundMessage:
    return InboundMessage(
        channel_id=channel.id,
        external_id=f"{call_id}:{event}{external_suffix}",
        # Caller ids can be spoofed: the number finds the customer but vouches for nothing more.
        identities=(IdentityClaim("phone", caller, verified=False),),
        text=describe(event, meta),
        sent_at=at,
        thread_key=call_id,
        event=event,
        meta=meta,
    )


def ivr_meta(digits: str | None, topics: dict[str, str]) -> dict[str, str]:
    if not digits:
        return {}
    return {"ivr_digits": digits} | ({"topic_code": topics[digits]} if digits in topics else {})


def describe(event: str, meta: dict[str, Any]) -> str:
    """A timeline line: "Incoming call", "Call ended after 2:05", "Missed call (busy)", …"""
    duration = f" ({format_duration(meta['duration'])})" if meta.get("duration") is not None else ""
    queue = f" in queue {meta['queue']}" if meta.get("queue") else ""
    if event == "call.started":
        return "Incoming call" if meta.get("direction", "inbound") == "inbound" else "Outgoing call"
    if event == "call.ringing":
        return "Ringing"
    if event == "call.queued":
        return f"Waiting{queue}" if queue else "Waiting in the queue"
    if event == "call.ivr":
        topic = f" ({meta['topic_code']})" if meta.get("topic_code") else ""
        return f"Caller pressed {meta.get('ivr_digits', '')}{topic}"
    if event == "call.answered":
        return f"Answered by {meta['agent_email']}" if meta.get("agent_email") else "Call answered"
    if event == "call.ended":
        return f"Call ended after {format_duration(meta['duration'])}" if duration else "Call ended"
    if event == "call.missed":
        return f"Missed call ({MISSED_REASONS.get(str(meta.get('call_status')), 'not answered')})"
    if event == "call.abandoned":
        return f"Caller hung up while waiting{queue}"
    if event == "voicemail":
        return f"Voicemail{duration}"
    if event == "recording":
        return f"Call recording{duration}"
    return event


def format_duration(seconds: int) -> str:
    """2:05, or 1:02:05 past an hour."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
