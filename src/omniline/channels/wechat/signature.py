"""WeChat's request signatures: SHA-1 over the lexicographically sorted parts, concatenated.

Plain callbacks carry `signature` = sha1(sort([token, timestamp, nonce])); safe-mode messages also
carry `msg_signature` = sha1(sort([token, timestamp, nonce, Encrypt])), which covers the body too.
"""

import hashlib
import hmac


def wechat_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(given: str | None, *parts: str) -> bool:
    """Constant-time comparison; a missing or non-ASCII signature never matches."""
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(wechat_signature(*parts), given.strip().lower())
