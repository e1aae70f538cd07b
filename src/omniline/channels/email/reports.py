"""Delivery status notifications (RFC 3464 bounces): what failed and which mail it was about."""

import email
import email.policy
from dataclasses import dataclass, field

from omniline.channels.email.charsets import decode_bytes, decode_raw_header
from omniline.channels.email.headers import addresses, message_ids


@dataclass(slots=True)
class DeliveryReport:
    action: str = ""  # "failed", "delayed", "delivered", "relayed", "expanded" (of the first recipient)
    status: str = ""  # "5.1.1"
    diagnostic: str = ""
    recipients: list[str] = field(default_factory=list)
    original_message_ids: list[str] = field(default_factory=list)  # from the returned original's headers

    @property
    def failed(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


@dataclass(frozen=True, slots=True)
class OriginalHeaders:
    message_ids: list[str]
    sender: str
    subject: str


def read_delivery_status(data: bytes, report: DeliveryReport | None) -> DeliveryReport:
    """Fold the per-recipient fields of a message/delivery-status body into `report`."""
    report = report or DeliveryReport()
    for block in decode_bytes(data).replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.replace("\n ", " ").replace("\n\t", " ").split("\n"):
            name, separator, value = line.partition(":")
            if separator:
                fields.setdefault(name.strip().lower(), value.strip())
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if recipient:
            report.recipients.append(recipient.partition(";")[2].strip() or recipient)
        if "action" in fields and not report.action:
            report.action = fields["action"].lower()
            report.status = fields.get("status", "")
            report.diagnostic = fields.get("diagnostic-code", "")
    return report


def read_original_headers(data: bytes) -> OriginalHeaders:
    """Message-IDs, sender and subject of a returned or forwarded message (its headers are enough)."""
    try:
        original = email.message_from_bytes(data, policy=email.policy.default)
        items = {key.lower(): str(value) for key, value in reversed(list(original.raw_items()))}
    except Exception:
        return OriginalHeaders([], "", "")
    senders = addresses(items.get("from"))
    sender = senders[0][1] if senders else ""
    return OriginalHeaders(
        message_ids(items.get("message-id")), sender, decode_raw_header(items.get("subject", ""))
    )
