"""A webchat channel's config: which sites may embed it, when it is staffed, how it greets.

    {"allowed_origins": ["https://shop.example"], "business_hours": {...}, "greeting": "Hello!"}

`allowed_origins` is required: the visitor socket refuses any page whose Origin is not listed
("*" allows every origin, for local trials only).
"""

from typing import Any
from urllib.parse import urlparse

from omniline.channels.webchat.hours import validate_business_hours
from omniline.kernel.errors import InvalidInput

CONFIG_KEYS = frozenset({"allowed_origins", "business_hours", "greeting"})
MAX_GREETING = 500


def validate_webchat_config(config: dict[str, Any]) -> dict[str, Any]:
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise InvalidInput(f"unknown config keys for a webchat channel: {', '.join(sorted(unknown))}")
    origins = config.get("allowed_origins")
    if not isinstance(origins, list) or not origins:
        raise InvalidInput('a webchat channel needs "allowed_origins": the sites that embed the widget')
    result: dict[str, Any] = {"allowed_origins": [normalise_origin(item) for item in origins]}
    if config.get("business_hours") is not None:
        result["business_hours"] = validate_business_hours(config["business_hours"])
    greeting = config.get("greeting")
    if greeting is not None:
        if not isinstance(greeting, str) or len(greeting) > MAX_GREETING:
            raise InvalidInput(f"greeting must be text of at most {MAX_GREETING} characters")
        result["greeting"] = greeting
    return result


def normalise_origin(value: Any) -> str:
    """`https://Shop.Example/` → `https://shop.example`; "*" stays; anything else is refused."""
    text = str(value).strip()
    if text == "*":
        return text
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path not in ("", "/"):
        raise InvalidInput(f"allowed_origins: {text!r} must be an origin like https://shop.example")
    return f"{parsed.scheme}://{parsed.netloc.lower()}"


def origin_allowed(config: dict[str, Any], origin: str | None) -> bool:
    """A browser always sends Origin with a WebSocket; a request without one is refused."""
    if not origin:
        return False
    allowed = config.get("allowed_origins", [])
    if "*" in allowed:
        return True
    try:
        return normalise_origin(origin) in allowed
    except InvalidInput:
        return False
