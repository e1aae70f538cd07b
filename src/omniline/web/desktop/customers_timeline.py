"""A customer's timeline as the panel shows it: messages of every channel in full, every other event as
one line in the page's language.

Entries come from timeline/repository.read_timeline (plain dicts, newest first). Customer text stays
plain text here; the templates escape it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MESSAGE_TYPES = frozenset({"message.received", "message.sent"})
CLAMP_CHARACTERS = 280  # longer texts start shortened, with a "show all" toggle
CLAMP_LINES = 5


def N_(message: str) -> str:
    """Marks a text for the catalogs; translated when shown."""
    return message


# One line per kind of event. Parameters: case (C-12), topic, target, rule, identity, fields, reason.
EVENT_LINES = {
    "case.opened": N_("Case %(case)s opened"),
    "case.reopened": N_("Case %(case)s reopened"),
    "case.resolved": N_("Case %(case)s resolved"),
    "case.pending": N_("Case %(case)s is waiting for the customer"),
    "case.resumed": N_("Case %(case)s resumed"),
    "case.classified": N_("Topic recognised: %(topic)s"),
    "case.topic_confirmed": N_("Topic confirmed: %(topic)s"),
    "case.wrapped_up": N_("Work on the case wrapped up"),
    "case.routed": N_("Routed to %(target)s (rule %(rule)s)"),
    "case.assigned": N_("Assigned to an agent"),
    "case.transferred": N_("Transferred"),
    "case.escalated": N_("Escalated: the SLA was breached"),
    "sla.warning": N_("SLA warning"),
    "sla.breached": N_("SLA breached"),
    "task.offered": N_("Offered to an agent"),
    "task.assigned": N_("Assigned to an agent"),
    "task.overflowed": N_("Moved to another queue"),
    "callback.scheduled": N_("Callback scheduled"),
    "callback.completed": N_("Callback done"),
    "conversation.completed": N_("Conversation work finished"),
    "message.delivery_failed": N_("A reply could not be delivered"),
    "customer.merged": N_("Another customer's record was merged in: %(reason)s"),
    "customer.unmerged": N_("A merge was undone: %(reason)s"),
    "customer.updated": N_("Profile edited: %(fields)s"),
    "customer.identity_added": N_("Address added: %(identity)s"),
}
FIELD_NAMES = {"name": N_("name"), "tier": N_("tier"), "value": N_("value"), "notes": N_("notes")}
# What a message was, when it was not plain text: calls, voicemail, office visits.
MESSAGE_EVENTS = {
    "visit": N_("Office visit"),
    "voicemail": N_("Voicemail"),
    "recording": N_("Call recording"),
    "call.started": N_("Call started"),
    "call.ringing": N_("Call ringing"),
    "call.queued": N_("Call queued"),
    "call.ivr": N_("Call in the voice menu"),
    "call.answered": N_("Call answered"),
    "call.ended": N_("Call ended"),
    "call.missed": N_("Missed call"),
    "call.abandoned": N_("Abandoned call"),
    "webchat.offline_email": N_("Left a message while the chat was offline"),
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    id: str
    at: datetime
    type: str
    channel_kind: str | None
    line: str = ""  # a non-message event, already in the page language
    direction: str | None = None  # a message: "in" from the customer, "out" to them
    sender: str | None = None
    label: str | None = None  # what kind of message (a call, a visit), in the page language
    subject: str | None = None
    text: str = ""
    long: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # e.g. the office and the outcome of a visit

    @property
    def is_message(self) -> bool:
        return self.direction is not None


def present_timeline(
    entries: list[dict[str, Any]], gettext: Callable[[str], str], topic_names: Mapping[str, str]
) -> list[TimelineItem]:
    return [present_entry(entry, gettext, topic_names) for entry in entries]


def present_entry(
    entry: dict[str, Any], gettext: Callable[[str], str], topic_names: Mapping[str, str]
) -> TimelineItem:
    message = entry.get("message")
    at = datetime.fromisoformat(entry["at"])
    if entry["type"] in MESSAGE_TYPES and message is not None:
        return _message_item(entry, message, gettext)
    data: dict[str, Any] = entry.get("data") or {}
    template = EVENT_LINES.get(entry["type"])
    # A kind of event this page does not know yet shows its name, untranslated.
    line = entry["type"] if template is None else gettext(template) % _parameters(data, gettext, topic_names)
    return TimelineItem(entry["id"], at, entry["type"], entry.get("channel_kind"), line=line)


def _message_item(
    entry: dict[str, Any], message: dict[str, Any], gettext: Callable[[str], str]
) -> TimelineItem:
    text = message.get("text") or ""
    event = message.get("event")
    meta: dict[str, Any] = message.get("meta") or {}
    details = []
    if event == "visit":
        details = [str(meta[key]) for key in ("branch", "recorded_by_name") if meta.get(key)]
        if meta.get("outcome") == "resolved":
            details.append(gettext("resolved on the spot"))
    label = gettext(MESSAGE_EVENTS[event]) if event in MESSAGE_EVENTS else event
    return TimelineItem(
        entry["id"],
        datetime.fromisoformat(message["sent_at"]),
        entry["type"],
        message.get("channel_kind"),
        direction=message.get("direction"),
        sender=(message.get("sender") or {}).get("name") or (message.get("sender") or {}).get("identity"),
        label=label,
        subject=message.get("subject"),
        text=text,
        long=len(text) > CLAMP_CHARACTERS or text.count("\n") >= CLAMP_LINES,
        attachments=list(message.get("attachments") or []),
        details=details,
    )


def _parameters(
    data: dict[str, Any], gettext: Callable[[str], str], topic_names: Mapping[str, str]
) -> dict[str, str]:
    changes: dict[str, Any] = data.get("changes") or {}
    topic = str(data.get("topic") or "")
    return {
        "case": f"C-{data['number']}" if data.get("number") is not None else "",
        "topic": topic_names.get(topic, topic),
        "target": str(data.get("target") or data.get("destination") or ""),
        "rule": str(data.get("rule") or ""),
        "identity": str(data.get("identity") or ""),
        "fields": ", ".join(gettext(FIELD_NAMES.get(name, name)) for name in changes),
        "reason": str(data.get("reason") or ""),
    }
