"""The `sms` channel's config: the Twilio account, its number, and the API to talk to (DESIGN §4)."""

import re
from typing import Any
from urllib.parse import urlsplit

from omniline.kernel.errors import InvalidInput

DEFAULT_API_BASE_URL = "https://api.twilio.com"
REQUIRED_KEYS = ("account_sid", "auth_token", "from_number")
ALLOWED_KEYS = frozenset({*REQUIRED_KEYS, "api_base_url"})
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# The sid goes into the API path; compatible providers use other shapes than Twilio's "AC" + 32 hex.
ACCOUNT_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_sms_config(config: dict[str, Any]) -> dict[str, Any]:
    unknown = set(config) - ALLOWED_KEYS
    if unknown:
        raise InvalidInput(f"unknown config keys for an sms channel: {', '.join(sorted(unknown))}")
    missing = [
        key for key in REQUIRED_KEYS if not isinstance(config.get(key), str) or not config[key].strip()
    ]
    if missing:
        raise InvalidInput(f"an sms channel needs {', '.join(missing)} in its config")
    account_sid, auth_token, from_number = (str(config[key]).strip() for key in REQUIRED_KEYS)
    if not ACCOUNT_SID.match(account_sid):
        raise InvalidInput("account_sid may hold only letters, digits, '-' and '_' (Twilio's look like AC…)")
    if not E164.match(from_number):
        raise InvalidInput(f"from_number must be an E.164 number such as +15005550006, not {from_number!r}")
    return {
        "account_sid": account_sid,
        "auth_token": auth_token,
        "from_number": from_number,
        "api_base_url": api_base_url(config.get("api_base_url")),
    }


def api_base_url(value: object) -> str:
    """An http(s) URL without a trailing slash; the provider's own when not given."""
    if value is None:
        return DEFAULT_API_BASE_URL
    url = str(value).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput("api_base_url must be an http:// or https:// URL without a query")
    return url
