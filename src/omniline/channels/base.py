"""The adapter contract: what a channel kind must provide. Adapters know nothing of customers,
cases or routing; they turn provider requests into InboundMessages and send OutboundMessages.

Adding a channel kind is one folder under `channels/` with an `adapter.py` implementing
`ChannelAdapter`, and one line in `registry.py`. `BaseAdapter` gives the optional parts defaults.
"""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx
from sqlalchemy.orm import Session

from omniline.kernel.clock import Clock
from omniline.messages.normalized import InboundMessage, OutboundMessage

if TYPE_CHECKING:
    from omniline.conversations.models import Conversation
    from omniline.files.store import FileStore
    from omniline.pipeline.ingest import IngestResult
    from omniline.settings import Settings


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A configured channel as adapters see it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    name: str
    config: dict[str, Any]
    secret: str
    phone_region: str = "RU"  # the tenant's default region for national phone numbers


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What adapters may use: outbound HTTP (with timeouts), the file store, settings and the clock."""

    http: httpx.Client
    files: "FileStore"
    settings: "Settings"
    clock: Clock


@dataclass(frozen=True, slots=True)
class HookRequest:
    """A provider callback to `/hooks/{channel_id}[/subpath]`, body unparsed (signatures need it raw)."""

    method: str
    subpath: str
    url: str  # the public URL the provider called (OMNILINE_PUBLIC_URL based), for URL signatures
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class HookResponse:
    """What to answer the provider when the default `202 {ids}` JSON is not what it expects."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """A provider's report about a message we sent (a status callback, a bounce)."""

    provider_message_id: str
    outcome: Literal["sent", "delivered", "failed"]
    provider_status: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """`ok`; or a failure that is `retryable` (network, 5xx, 429) or permanent (other 4xx)."""

    ok: bool
    retryable: bool = False
    error: str | None = None
    provider_message_id: str | None = None
    retry_after_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class InboundBatch:
    """What one provider callback carries: messages to ingest, reports on our sends, and the answer."""

    messages: list[InboundMessage] = field(default_factory=list)
    delivery_updates: list[DeliveryUpdate] = field(default_factory=list)
    response: HookResponse | None = None


class ChannelAdapter(Protocol):
    kind: str
    parses_in_memory: bool  # see BaseAdapter

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config to store; raises InvalidInput with a clear message when it is unusable."""
        ...

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        """Verify the provider's signature (Unauthenticated) and parse the body (InvalidInput or
        MalformedInput). Must not write to the database: nothing is stored before verification."""
        ...

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        """Deliver one message; never raises for provider or network failures, returns a result."""
        ...

    def after_ingest(
        self, session: Session, channel: ChannelInfo, batch: InboundBatch, results: "list[IngestResult]"
    ) -> None:
        """Channel-specific bookkeeping in the same transaction (e.g. SMS STOP opt-outs)."""
        ...

    def prepare_reply(
        self, session: Session, channel: ChannelInfo, conversation: "Conversation", recipient: str
    ) -> dict[str, Any]:
        """The `reply_context` for an agent's reply on this conversation (e.g. e-mail In-Reply-To and
        References); raise Conflict to refuse the reply before anything is stored."""
        ...


class BaseAdapter:
    """Defaults for the optional parts of the contract."""

    kind = ""
    # True when `parse_hook` only computes (no database, files or network): the hook then parses on the
    # event loop, sparing a thread-pool round trip per request, once the channel is cached.
    parses_in_memory = False

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return dict(config)

    def after_ingest(
        self, session: Session, channel: ChannelInfo, batch: InboundBatch, results: "list[IngestResult]"
    ) -> None:
        return None

    def prepare_reply(
        self, session: Session, channel: ChannelInfo, conversation: "Conversation", recipient: str
    ) -> dict[str, Any]:
        return {}
