"""Twilio's SMS webhooks (verified forms) → InboundMessage / DeliveryUpdate (pure).

Inbound (`/hooks/{id}`): `MessageSid`, `AccountSid`, `From`, `To`, `Body`, `NumMedia`, `MediaUrlN`,
`MediaContentTypeN`, `NumSegments`, … Status callbacks (`/hooks/{id}/status`): `MessageSid`,
`MessageStatus`, `ErrorCode`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from omniline.channels.base import ChannelInfo, DeliveryUpdate
from omniline.channels.sms.form import required
from omniline.channels.sms.keywords import opt_out_change
from omniline.customers.identities import IdentityClaim
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import InboundMessage

MAX_MEDIA = 10  # Twilio's own limit per MMS

# MessageStatus → what it means for our delivery; None: nothing new (we know it is on its way).
STATUS_OUTCOMES: dict[str, Literal["sent", "delivered", "failed"] | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "partially_delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
    "receiving": None,
    "received": None,
}
# The error codes an agent meets most, in words (Twilio's error dictionary has the rest).
ERROR_CODES = {
    "21610": "the recipient has unsubscribed (texted STOP)",
    "21211": "the number is not a valid phone number",
    "21614": "the number cannot receive SMS",
    "30003": "the handset is unreachable",
    "30004": "the message was blocked",
    "30005": "the number is unknown or no longer in service",
    "30006": "a landline or an unreachable carrier",
    "30007": "the carrier filtered the message",
    "30008": "unknown error",
}


@dataclass(frozen=True, slots=True)
class MediaItem:
    url: str
    content_type: str


def check_account(channel: ChannelInfo, form: dict[str, str]) -> None:
    """A request signed with our token but for another account means a misrouted webhook."""
    account = form.get("AccountSid")
    if account is not None and account != channel.config["account_sid"]:
        raise InvalidInput(f"AccountSid {account!r} is not this channel's account")


def media_items(form: dict[str, str]) -> list[MediaItem]:
    raw = form.get("NumMedia", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_MEDIA:
        raise InvalidInput(f"NumMedia must be a number from 0 to {MAX_MEDIA}, not {raw!r}")
    items = []
    for index in range(int(raw)):
        (url,) = required(form, f"MediaUrl{index}")
        items.append(MediaItem(url, form.get(f"MediaContentType{index}", "application/octet-stream")))
    return items


def inbound_sms(channel: ChannelInfo, form: dict[str, str], *, now: datetime) -> InboundMessage:
    """The message a customer texted. A STOP/START keyword is marked in meta["opt_out"]; a STOP is
    stored as auto-generated, so it never opens a case."""
    message_sid, sender = required(form, "MessageSid", "From")
    text = form.get("Body", "")
    meta: dict[str, Any] = {"to": form.get("To", "")}
    if form.get("NumSegments", "").isdigit():
        meta["segments"] = int(form["NumSegments"])
    change = opt_out_change(text)
    if change is not None:
        meta["opt_out"] = change
    return InboundMessage(
        channel_id=channel.id,
        external_id=message_sid,
        # Caller ids can be spoofed: the number finds the customer but vouches for nothing more.
        identities=(IdentityClaim("phone", sender, verified=False),),
        text=text,
        sent_at=now,  # Twilio's inbound webhook carries no timestamp: it is sent as the SMS arrives
        meta=meta,
        auto_generated=change == "stop",
    )


def delivery_update(form: dict[str, str]) -> DeliveryUpdate | None:
    """The status callback's news about one of our sends, or None when it tells nothing new."""
    message_sid, status = required(form, "MessageSid", "MessageStatus")
    status = status.lower()
    if status not in STATUS_OUTCOMES:
        raise InvalidInput(f"unknown MessageStatus {status!r}")
    outcome = STATUS_OUTCOMES[status]
    if outcome is None:
        return None
    error = None
    if outcome == "failed":
        code = form.get("ErrorCode", "").strip()
        error = f"Twilio reported {status}" + (
            f" (error {code}: {ERROR_CODES[code]})"
            if code in ERROR_CODES
            else f" (error {code})"
            if code
            else ""
        )
    return DeliveryUpdate(
        provider_message_id=message_sid, outcome=outcome, provider_status=status, error=error
    )
