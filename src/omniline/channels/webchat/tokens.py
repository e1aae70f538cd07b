"""Signed visitor tokens and site-vouched user ids, both keyed by the channel secret.

- A visitor token is `<visitor uuid>.<hex HMAC-SHA256(secret, "webchat-visitor:<channel>:<uuid>")>`:
  kept in the browser's localStorage, it brings a returning visitor back to their identity and history,
  and cannot be forged for another visitor without the secret.
- A logged-in user of the company's site is vouched for by the site with
  `user_hash = hex HMAC-SHA256(secret, user_id)`, computed on its server.
"""

import hashlib
import hmac
import uuid


def issue_visitor_token(secret: str, channel_id: uuid.UUID, visitor_id: uuid.UUID) -> str:
    return f"{visitor_id}.{_visitor_signature(secret, channel_id, visitor_id)}"


def read_visitor_token(secret: str, channel_id: uuid.UUID, token: str) -> uuid.UUID | None:
    """The visitor id, or None when the token is malformed or not signed with this channel's secret."""
    visitor, _, signature = token.partition(".")
    try:
        visitor_id = uuid.UUID(visitor)
    except ValueError:
        return None
    if not hmac.compare_digest(_visitor_signature(secret, channel_id, visitor_id), signature):
        return None
    return visitor_id


def user_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def user_hash_matches(secret: str, user_id: str, claimed: str | None) -> bool:
    if not claimed:
        return False
    return hmac.compare_digest(user_hash(secret, user_id), claimed.strip().lower())


def _visitor_signature(secret: str, channel_id: uuid.UUID, visitor_id: uuid.UUID) -> str:
    payload = f"webchat-visitor:{channel_id}:{visitor_id}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
