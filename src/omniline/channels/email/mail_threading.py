"""Message-IDs and case tokens (pure): how our mail is recognised when it comes back.

Outbound Message-IDs are `<{message uuid}@{domain of the channel address}>`, so a reply's
In-Reply-To names the exact message we sent. Subjects carry the case token `[#C-1234]`.
"""

import re
import uuid

OWN_HEADER = "X-Omniline-Channel"
_CASE_TOKEN = re.compile(r"\[#C-(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg|ответ|回复|答复)\s*(\[\d+\])?\s*[:：]\s*)+", re.I)


def address_domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def outbound_message_id(message_id: uuid.UUID, channel_address: str) -> str:
    return f"<{message_id}@{address_domain(channel_address)}>"


def our_message_uuid(message_id: str, channel_address: str) -> uuid.UUID | None:
    """The uuid of the message we sent under this Message-ID, or None when it is not one of ours."""
    local, _, domain = message_id.strip().strip("<>").partition("@")
    if domain.lower() != address_domain(channel_address):
        return None
    try:
        return uuid.UUID(local)
    except ValueError:
        return None


def is_our_message_id(message_id: str, channel_address: str) -> bool:
    return our_message_uuid(message_id, channel_address) is not None


def case_number_in(subject: str) -> int | None:
    found = _CASE_TOKEN.search(subject)
    return int(found.group(1)) if found else None


def reply_subject(subject: str | None, case_number: int | None, *, answering: bool = True) -> str:
    """ "Re: <subject> [#C-n]" without stacking "Re:" prefixes or tokens. A mail that answers
    nothing (the first of a thread we start, e.g. an agent writing to a chat customer's address)
    gets no "Re:", only the case token."""
    base = _CASE_TOKEN.sub("", _REPLY_PREFIX.sub("", subject or "")).strip()
    token = f" [#C-{case_number}]" if case_number is not None else ""
    if not answering:
        return f"{base}{token}".strip()
    return f"Re: {base}{token}".strip() if base else f"Re:{token}".strip()
