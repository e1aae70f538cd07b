"""Signed `/start` deep links: `https://t.me/<bot>?start=<token>` ties a Telegram user to a customer.

The company hands a customer it already knows (logged in on the website, say) a link carrying a
token; when they open it, Telegram sends `/start <token>` from their account, and the adapter links
that Telegram user to the customer named in the token.

Token layout, base64url without padding (50 characters, within Telegram's 64-character limit for
the start parameter and its alphabet `A-Z a-z 0-9 _ -`):

    version (1 byte) | customer id (16, UUID bytes) | expires (4, Unix seconds, big-endian) | MAC (16)

The MAC is HMAC-SHA256 under the channel's secret over a purpose label and the first 21 bytes,
truncated to 128 bits. The label keeps a MAC made for anything else with the same secret from ever
passing as a deep-link token. Tokens expire, so a link that leaks later cannot be replayed for ever.
"""

import base64
import binascii
import hashlib
import hmac
import re
import struct
import uuid
from datetime import datetime, timedelta

from omniline.kernel.clock import utcnow

VERSION = 1
DEFAULT_VALIDITY = timedelta(days=7)
MAX_START_PARAMETER = 64  # Telegram's limit for `?start=`
_PURPOSE = b"omniline/telegram/start-link/v1\x00"
_BODY = struct.Struct(">B16sI")
_MAC_BYTES = 16
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


def make_deep_link_token(
    secret: str,
    customer_id: uuid.UUID,
    *,
    now: datetime | None = None,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> str:
    """A start parameter naming `customer_id`, valid for `valid_for` from `now`."""
    expires = int(((now or utcnow()) + valid_for).timestamp())
    body = _BODY.pack(VERSION, customer_id.bytes, expires)
    return base64.urlsafe_b64encode(body + _mac(secret, body)).rstrip(b"=").decode("ascii")


def verify_deep_link_token(secret: str, token: str, *, now: datetime) -> uuid.UUID | None:
    """The customer id a genuine, unexpired token names; None for anything else (never raises)."""
    # The decoder would skip stray characters; only the canonical spelling is accepted.
    if len(token) > MAX_START_PARAMETER or not _ALPHABET.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _BODY.size + _MAC_BYTES:
        return None
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    if not hmac.compare_digest(_mac(secret, body), mac):
        return None
    version, customer_bytes, expires = _BODY.unpack(body)
    if version != VERSION or expires < now.timestamp():
        return None
    return uuid.UUID(bytes=customer_bytes)


def deep_link_url(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + body, hashlib.sha256).digest()[:_MAC_BYTES]
