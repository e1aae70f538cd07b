"""HMAC-SHA256 body signatures: `X-Omniline-Signature: sha256=<hex>` (DESIGN §4)."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Omniline-Signature"


def new_channel_secret() -> str:
    return secrets.token_urlsafe(32)


def sign_body(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header_value: str | None) -> bool:
    """Constant-time comparison; a missing or malformed header never matches."""
    if not header_value:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, and a header may carry any.
    return hmac.compare_digest(
        sign_body(secret, body).encode(), header_value.strip().encode("utf-8", "replace")
    )
