"""A WeChat channel's settings, checked once when the channel is created.

app_id, app_secret   the Official Account's credentials (access tokens for the API)
token                the callback token set in the WeChat console (signatures)
encoding_aes_key     43 characters, only in safe mode: messages arrive AES-encrypted
api_base_url         default https://api.weixin.qq.com; tests point it at a local server
"""

import binascii
import re
from base64 import b64decode
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from omniline.kernel.errors import InvalidInput

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
REQUIRED_KEYS = ("app_id", "app_secret", "token")
OPTIONAL_KEYS = ("encoding_aes_key", "api_base_url")
# WeChat's console allows 3–32 letters and digits for the token; we accept what it accepts.
_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")


@dataclass(frozen=True, slots=True)
class WeChatConfig:
    app_id: str
    app_secret: str
    token: str
    aes_key: bytes | None  # the decoded 32-byte key; None in plain mode
    api_base_url: str

    @property
    def safe_mode(self) -> bool:
        return self.aes_key is not None


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config to store; InvalidInput naming every unknown key, missing key or bad value."""
    unknown = set(config) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)
    if unknown:
        raise InvalidInput(f"unknown config keys for a wechat channel: {', '.join(sorted(unknown))}")
    missing = [key for key in REQUIRED_KEYS if not str(config.get(key) or "").strip()]
    if missing:
        raise InvalidInput(f"a wechat channel needs {', '.join(missing)}")
    stored = {key: str(config[key]).strip() for key in REQUIRED_KEYS}
    if not _TOKEN.fullmatch(stored["token"]):
        raise InvalidInput("token must be 3 to 32 letters or digits, as set in the WeChat console")
    aes_key = config.get("encoding_aes_key")
    if aes_key not in (None, ""):
        stored["encoding_aes_key"] = str(aes_key).strip()
        decode_aes_key(stored["encoding_aes_key"])
    url = str(config.get("api_base_url") or DEFAULT_API_BASE_URL).strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("api_base_url must be an http:// or https:// URL")
    stored["api_base_url"] = url
    return stored


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """WeChat's EncodingAESKey is the 32-byte AES key in base64 without its one `=`."""
    if not _AES_KEY.fullmatch(encoding_aes_key):
        raise InvalidInput("encoding_aes_key must be the 43 letters, digits, + or / shown by WeChat")
    try:
        key = b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise InvalidInput("encoding_aes_key is not valid base64") from None
    return key


def load_config(config: dict[str, Any]) -> WeChatConfig:
    """The stored config as typed values (it was validated when the channel was created)."""
    aes_key = config.get("encoding_aes_key")
    return WeChatConfig(
        app_id=config["app_id"],
        app_secret=config["app_secret"],
        token=config["token"],
        aes_key=decode_aes_key(aes_key) if aes_key else None,
        api_base_url=config.get("api_base_url") or DEFAULT_API_BASE_URL,
    )
