"""`X-Twilio-Signature`, computed exactly as Twilio does (its "Webhooks security" page).

Take the full URL Twilio requested (with its query string), append every POST parameter's name and
value with no delimiters, names sorted case-sensitively (values of a repeated name sorted too),
HMAC-SHA1 that with the account's auth token and base64 the digest. Twilio's own validators also
accept the URL with or without the scheme's default port (":443" / ":80"), because a load balancer may
or may not show it; so do we.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_PORTS = {"http": 80, "https": 443}


def compute_twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_signature_matches(
    auth_token: str, url: str, params: list[tuple[str, str]], header_value: str | None
) -> bool:
    """Constant-time comparison against every spelling of `url` Twilio may have signed."""
    if not header_value:
        return False
    given = header_value.strip().encode()
    matched = False
    for candidate in url_spellings(url):
        expected = compute_twilio_signature(auth_token, candidate, params).encode()
        matched |= hmac.compare_digest(expected, given)  # no early exit: same work for every header
    return matched


def url_spellings(url: str) -> list[str]:
    """`url` as given, without its default port and with it (each once)."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    spellings = [url]
    if default is not None and parts.port in (None, default):
        for netloc in (f"{prefix}{host}", f"{prefix}{host}:{default}"):
            spelling = urlunsplit(parts._replace(netloc=netloc))
            if spelling not in spellings:
                spellings.append(spelling)
    return spellings
