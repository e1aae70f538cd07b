"""The one typed settings object, read from OMNILINE_* environment variables."""

from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNILINE_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/omniline.db"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # Keys used before the current one: what they sealed still opens (security/sealing.py).
    previous_secret_keys: list[str] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None
    # Several app processes serving one installation share live events through Redis pub/sub
    # (realtime/redis_bus.py); unset: the in-process bus of the embedded default.
    redis_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://")
    redis_channel: str = Field(default="omniline:events", min_length=1)
    # App processes `omniline serve` starts on one port (cli/serve.py); more than one needs what they
    # share: PostgreSQL and the Redis bus.
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    access_token_minutes: int = Field(default=12 * 60, ge=1)
    # Browser sessions end after this long without a request, and in any case after session_max_hours.
    session_idle_minutes: int = Field(default=60, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    # After this many wrong passwords for one e-mail within the window, it cannot sign in until the
    # oldest failure leaves the window (accounts/sign_in.py).
    sign_in_max_failures: int = Field(default=5, ge=1)
    sign_in_window_minutes: int = Field(default=15, ge=1)
    # Outbox: delay before retry n is outbox_base_delay * 2**(n-1), capped; then `failed`.
    outbox_base_delay_seconds: float = Field(default=2.0, gt=0)
    outbox_max_delay_seconds: float = Field(default=600.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbound_timeout_seconds: float = Field(default=10.0, gt=0)
    # Routing: how long an agent has to accept an offer, how long "the agent who served this customer
    # last" keeps first call on them, how often the routing job (offer timeouts, overflow, SLA) runs,
    # and the classifier confidence below which the topic is left for the agent.
    offer_timeout_seconds: int = Field(default=30, ge=5)
    sticky_window_hours: int = Field(default=72, ge=0)
    routing_poll_seconds: float = Field(default=1.0, gt=0)
    classifier_min_confidence: float = Field(default=0.5, ge=0, le=1)
    files_dir: str = "var/files"
    max_file_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    # How often the server removes stored files no message refers to (files/sweep.py); 0: never.
    files_sweep_hours: float = Field(default=24.0, ge=0)
    # The built-in SMTP listener for email channels; off unless a port is set.
    smtp_port: int | None = Field(default=None, ge=0, le=65535)
    smtp_host: str = "127.0.0.1"
    imap_poll_seconds: float = Field(default=60.0, gt=0)
    # Development only: an SMTP server that catches the demo's outgoing mail (GET /demo/mailbox).
    demo_mailbox_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`OMNILINE_REDIS_URL=` (an env file's empty line) means no Redis, not a bad URL."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> "Settings":
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError(
                "OMNILINE_SECRET_KEY is still the development default; set a long random value "
                f"before running with OMNILINE_ENVIRONMENT={self.environment}"
            )
        if len(self.secret_key) < 16:
            raise ValueError("OMNILINE_SECRET_KEY must be at least 16 characters long")
        return self

    @model_validator(mode="after")
    def _workers_need_what_they_share(self) -> "Settings":
        if self.workers > 1 and self.database_url.startswith("sqlite"):
            raise ValueError(
                "OMNILINE_WORKERS above 1 needs PostgreSQL (OMNILINE_DATABASE_URL=postgresql://…): "
                "SQLite is the one-process embedded default"
            )
        if self.workers > 1 and self.redis_url is None:
            raise ValueError(
                "OMNILINE_WORKERS above 1 needs OMNILINE_REDIS_URL: the processes share agents' live "
                "events through Redis"
            )
        return self

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver we ship (psycopg 3) filled in for PostgreSQL."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def base_url(self) -> str:
        """Where providers and customers reach us; signatures over URLs are computed on it."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
