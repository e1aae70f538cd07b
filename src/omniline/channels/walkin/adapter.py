"""The `walkin` adapter. A walk-in channel is one office (branch). Visits are not sent by a provider:
staff record them through `POST /api/v1/visits` (routes.py), so the hook door stays shut, and there is
nothing to send back — a reply to a visitor goes through another of the customer's channels."""

from typing import Any

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    InboundBatch,
    SendResult,
)
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import OutboundMessage

CONFIG_KEYS = frozenset({"address", "timezone"})


class WalkinChannelAdapter(BaseAdapter):
    kind = "walkin"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        unknown = set(config) - CONFIG_KEYS
        if unknown:
            raise InvalidInput(f"unknown config keys for a walkin channel: {', '.join(sorted(unknown))}")
        return {key: str(value) for key, value in config.items()}

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        raise InvalidInput("office visits are recorded through POST /api/v1/visits, not a provider hook")

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        return SendResult(ok=False, error="an office cannot deliver messages; reply on another channel")
