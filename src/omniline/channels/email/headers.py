"""Header reading that survives real mail: raw 8-bit bytes, RFC 2047 words, broken address lists.

Headers are read from the parser's raw values (`Message.raw_items`) and decoded here, so one
malformed header can never make the stdlib's structured header classes raise on us.
"""

import email.utils
import re
from datetime import UTC, datetime
from email.message import Message

from omniline.channels.email.charsets import decode_raw_header

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def raw_header(message: Message, name: str) -> str | None:
    """The first raw value of header `name` (case-insensitive), or None."""
    lowered = name.lower()
    for key, value in message.raw_items():
        if key.lower() == lowered:
            return str(value)
    return None


def header_text(message: Message, name: str, fallback_charset: str | None = None) -> str:
    """The decoded value of header `name`, "" when absent."""
    value = raw_header(message, name)
    return "" if value is None else decode_raw_header(value, fallback_charset)


# Where the sender may be found, in order: mail without a usable From still names someone to answer.
SENDER_HEADERS = ("from", "reply-to", "sender", "return-path")
_VALID_ADDRESS = re.compile(r"^[^\s@<>\"]+@[^\s@<>\"]+$")
_COMMENT = re.compile(r"\s*\([^()]*\)")
_SPECIAL_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*[,;<>@\"][^?]*\?=")


def sender(message: Message, fallback_charset: str | None = None) -> tuple[str, str]:
    """(display name, address) of who wrote the mail, read like widespread helpdesks do: the first
    of From, Reply-To, Sender, Return-Path holding something@something; an unparseable value is kept
    whole as address and name (so nothing is invented), quotes removed from the name."""
    values = [
        decode_raw_header(value, fallback_charset) if "=?" not in value else value
        for name in SENDER_HEADERS
        for value in all_raw_headers(message, name)
    ]
    values = [value.replace("<>", "").strip() for value in values]
    values = [value for value in values if value]
    if not values:
        return "", ""
    chosen = next((value for value in values if re.search(r".+@.+", value)), values[0])
    pairs = addresses(chosen, fallback_charset)
    usable = [pair for pair in pairs if _VALID_ADDRESS.match(pair[1])] or [
        pair for pair in pairs if pair[1] and not re.search(r"[\s\"]", pair[1])
    ]
    if usable:
        name, address = usable[0]
    else:
        bracketed = re.match(r"^(.+?)<((.+?)@(.+?))>", chosen)
        if bracketed is not None:
            name, address = decode_raw_header(bracketed.group(1)), bracketed.group(2)
        else:
            name = address = decode_raw_header(chosen)
    # A (comment) beside a name is dropped; inside a "quoted name" it is part of the name.
    outside_quotes = re.sub(r'"[^"]*"', "", chosen)
    without_comments = _COMMENT.sub(
        lambda found: "" if found.group(0).strip() in outside_quotes else found.group(0), name
    ).strip()
    name = without_comments or name.strip().strip("()")
    return name.replace('"', "").strip().strip("'").strip(), address


def all_raw_headers(message: Message, name: str) -> list[str]:
    lowered = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == lowered]


def addresses(value: str | None, fallback_charset: str | None = None) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header; names decoded, addresses stripped."""
    if not value:
        return []
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = decode_raw_header(value, fallback_charset)  # 8-bit names: decode before splitting
    unfolded = re.sub(r"\r?\n[ \t]+", " ", value)
    # An encoded word hiding a comma ("=?..?Q?Smith,=20Anna?=") would split the list: quote it first.
    unfolded = _SPECIAL_WORD.sub(
        lambda found: '"' + decode_raw_header(found.group(0)).replace('"', "") + '"', unfolded
    )
    pairs = []
    for name, address in email.utils.getaddresses([unfolded]):
        address = address.strip().strip("<>").strip()
        name = decode_raw_header(name).strip().strip("\"'").strip()
        if not address and not name:
            continue
        pairs.append((name, address))
    return pairs


def message_ids(value: str | None) -> list[str]:
    """Every `<id>` in a Message-ID / In-Reply-To / References value, in order, brackets kept."""
    if not value:
        return []
    found = [f"<{item}>" for item in _MESSAGE_ID.findall(value)]
    if not found and value.strip() and " " not in value.strip():
        found = [f"<{value.strip().strip('<>')}>"]
    return list(dict.fromkeys(found))


def sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
