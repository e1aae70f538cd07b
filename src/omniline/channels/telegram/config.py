"""A telegram channel's settings: the bot's token, the webhook's secret token, the Bot API address."""

from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from omniline.kernel.errors import InvalidInput

DEFAULT_API_BASE_URL = "https://api.telegram.org"


class TelegramConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # As @BotFather issues them: "<bot id>:<35 characters>".
    bot_token: str = Field(pattern=r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
    # Telegram repeats it in X-Telegram-Bot-Api-Secret-Token on every webhook call (setWebhook's
    # `secret_token`: 1-256 characters of A-Z, a-z, 0-9, _ and -). 16 or more keeps guessing out.
    secret_token: str = Field(pattern=r"^[A-Za-z0-9_-]{16,256}$")
    api_base_url: str = DEFAULT_API_BASE_URL

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    def method_url(self, method: str) -> str:
        return f"{self.api_base_url}/bot{self.bot_token}/{method}"

    def file_url(self, file_path: str) -> str:
        return f"{self.api_base_url}/file/bot{self.bot_token}/{file_path}"


def read_config(config: dict[str, Any]) -> TelegramConfig:
    """The channel's config as a TelegramConfig; InvalidInput naming each problem."""
    try:
        return TelegramConfig.model_validate(config)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "config"
            if item["type"] == "extra_forbidden":
                problems.append(f"unknown config key {key!r} for a telegram channel")
            elif item["type"] == "missing":
                problems.append(f"{key} is required for a telegram channel")
            elif item["type"] == "string_pattern_mismatch" and key == "bot_token":
                problems.append("bot_token must look like 123456789:AAH… (as @BotFather gives it)")
            elif item["type"] == "string_pattern_mismatch" and key == "secret_token":
                problems.append("secret_token must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
            else:
                problems.append(f"{key}: {item['msg']}")
        raise InvalidInput("; ".join(problems)) from None
