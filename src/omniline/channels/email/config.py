"""The email channel's config: `address` (required), `smtp` and `imap` (optional), `imap_state`
(kept by IMAP polling: UIDVALIDITY and the last UID seen per folder; not set by people)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omniline.customers.identities import normalise_email
from omniline.kernel.errors import InvalidInput

TlsMode = Literal["starttls", "ssl", "none"]


class SmtpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=587, ge=1, le=65535)
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None


class ImapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=993, ge=1, le=65535)
    tls: Literal["ssl", "starttls"] = "ssl"  # never in clear text: the password crosses the wire
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)
    folder: str = "INBOX"
    processed_folder: str | None = None  # move processed mail here; else it is flagged \Seen


class EmailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=320)
    smtp: SmtpConfig | None = None
    imap: ImapConfig | None = None
    imap_state: dict[str, Any] | None = None


def read_config(config: dict[str, Any]) -> EmailConfig:
    try:
        parsed = EmailConfig.model_validate(config)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'config'}: {item['msg']}"
            for item in error.errors()
        )
        raise InvalidInput(f"email channel config: {problems}") from None
    parsed.address = normalise_email(parsed.address)
    return parsed
