"""Mail that must never open a case or be answered automatically: auto-replies, bounces, our own.

`classify_mail` is pure. "own" is mail we sent coming back (our X-Omniline-Channel header, or a
Message-ID we generated on the channel's domain): dropped. "bounce" is a delivery report: it only
updates the delivery it refers to. "auto_reply" is stored with auto_generated=True.
"""

from typing import Literal

from omniline.channels.email.mail_threading import OWN_HEADER, is_our_message_id
from omniline.channels.email.parsing import ParsedMail

MailKind = Literal["message", "auto_reply", "bounce", "own"]

_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress-marker")


def classify_mail(mail: ParsedMail, *, channel_address: str) -> MailKind:
    headers = mail.headers
    if OWN_HEADER.lower() in headers or (
        mail.message_id is not None and is_our_message_id(mail.message_id, channel_address)
    ):
        return "own"
    if mail.report is not None:
        return "bounce"
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto_reply"
    if headers.get("precedence", "").strip().lower() in _AUTO_PRECEDENCE:
        return "auto_reply"
    if any(name in headers for name in _AUTO_HEADERS[:2]):
        return "auto_reply"
    return "message"
