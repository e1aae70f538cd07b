"""The adapter contract: what a channel kind must provide. Adapters know nothing of customers,
cases or routing; they turn provider requests into InboundMessages and send OutboundMessages.

Adding a channel kind is one module (or folder) implementing `ChannelAdapter` and one line in
`registry.py`.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from omniline.messages.normalized import InboundMessage, OutboundMessage


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
class HookRequest:
    """A provider callback to `/hooks/{channel_id}[/subpath]`, body unparsed (signatures need it raw)."""

    method: str
    subpath: str
    url: str  # the public URL the provider called, for signatures that cover it
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]
    body: bytes


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
    messages: list[InboundMessage] = field(default_factory=list)


class ChannelAdapter(Protocol):
    kind: str

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config to store; raises InvalidInput with a clear message when it is unusable."""
        ...

    def parse_hook(self, channel: ChannelInfo, request: HookRequest) -> InboundBatch:
        """Verify the provider's signature (Unauthenticated) and parse the body (InvalidInput)."""
        ...

    def send(self, channel: ChannelInfo, message: OutboundMessage, http: httpx.Client) -> SendResult:
        """Deliver one message; never raises for provider or network failures, returns a result."""
        ...
