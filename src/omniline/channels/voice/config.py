"""The `voice` channel's config: `provider` ("twilio" or "cti") and that provider's keys (DESIGN §4).

twilio: account_sid, auth_token, api_base_url (default https://api.twilio.com), and what callers
hear: greeting, language (a <Say> language such as "ru-RU"), queue (the <Enqueue> name, "support").
cti: nothing else; the PBX signs its events with the channel secret.
Both: ivr_topics, IVR digits → topic code, e.g. {"1": "delivery", "2": "refund"}.
"""

import re
from typing import Any

from omniline.channels.sms.config import ACCOUNT_SID, api_base_url
from omniline.kernel.errors import InvalidInput

DEFAULT_GREETING = "Thank you for calling. Please hold, an agent will answer shortly."
DEFAULT_QUEUE = "support"
COMMON_KEYS = frozenset({"provider", "ivr_topics"})
TWILIO_KEYS = frozenset({"account_sid", "auth_token", "api_base_url", "greeting", "language", "queue"})
IVR_DIGITS = re.compile(r"^[0-9*#]{1,32}$")
TOPIC_CODE = re.compile(r"^[\w.-]{1,100}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def validate_voice_config(config: dict[str, Any]) -> dict[str, Any]:
    provider = config.get("provider")
    if provider not in ("twilio", "cti"):
        raise InvalidInput('a voice channel needs provider "twilio" or "cti" in its config')
    allowed = COMMON_KEYS | (TWILIO_KEYS if provider == "twilio" else frozenset())
    unknown = set(config) - allowed
    if unknown:
        raise InvalidInput(
            f"unknown config keys for a {provider} voice channel: {', '.join(sorted(unknown))}"
        )
    result: dict[str, Any] = {"provider": provider, "ivr_topics": _ivr_topics(config.get("ivr_topics", {}))}
    if provider == "twilio":
        result |= _twilio(config)
    return result


def _twilio(config: dict[str, Any]) -> dict[str, Any]:
    missing = [key for key in ("account_sid", "auth_token") if not str(config.get(key) or "").strip()]
    if missing:
        raise InvalidInput(f"a twilio voice channel needs {', '.join(missing)} in its config")
    account_sid = str(config["account_sid"]).strip()
    if not ACCOUNT_SID.match(account_sid):
        raise InvalidInput("account_sid may hold only letters, digits, '-' and '_' (Twilio's look like AC…)")
    language = config.get("language")
    if language is not None and not LANGUAGE.match(str(language)):
        raise InvalidInput(f"language must look like en-US or ru-RU, not {language!r}")
    greeting = str(config.get("greeting") or DEFAULT_GREETING).strip()
    queue = str(config.get("queue") or DEFAULT_QUEUE).strip()
    if len(greeting) > 1000 or not 0 < len(queue) <= 64:
        raise InvalidInput("greeting must be at most 1000 characters and queue 1 to 64")
    return {
        "account_sid": account_sid,
        "auth_token": str(config["auth_token"]).strip(),
        "api_base_url": api_base_url(config.get("api_base_url")),
        "greeting": greeting,
        "language": language,
        "queue": queue,
    }


def _ivr_topics(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput('ivr_topics must map IVR digits to topic codes, e.g. {"1": "delivery"}')
    topics: dict[str, str] = {}
    for digits, code in value.items():
        if not IVR_DIGITS.match(str(digits)) or not isinstance(code, str) or not TOPIC_CODE.match(code):
            raise InvalidInput(f"ivr_topics: {digits!r} → {code!r} is not digits → a topic code")
        topics[str(digits)] = code
    return topics
