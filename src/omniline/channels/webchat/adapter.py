"""The `webchat` adapter. Visitors do not arrive through a provider hook: the widget talks to its own
socket (`/webchat/{channel_id}/ws`, connection.py), which feeds the same pipeline. Agent replies are
pushed to the visitor's open widgets at once from the bus (hub.py); `send`, called later by the outbox,
pushes once more to sockets of this process (the hub sends each message only once) and succeeds: a
visitor who is offline sees the reply in the history when the widget reconnects, which is delivery.
"""

from typing import Any

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    InboundBatch,
    SendResult,
)
from omniline.channels.webchat.config import validate_webchat_config
from omniline.channels.webchat.hub import HUB
from omniline.channels.webchat.protocol import message_frame
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import OutboundMessage


class WebchatChannelAdapter(BaseAdapter):
    kind = "webchat"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return validate_webchat_config(config)

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        raise InvalidInput(f"web chat visitors connect to /webchat/{channel.id}/ws, not to a provider hook")

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        message_id = str(message.message_id)
        view: dict[str, Any] = {
            "id": message_id,
            "direction": "out",
            "text": message.text,
            "sender": {"name": message.author_name},
            "sent_at": message.sent_at.isoformat(),
            "external_id": None,
        }
        HUB.deliver(message.conversation_id, message_frame(view), dedupe_key=message_id)
        return SendResult(ok=True, provider_message_id=f"webchat:{message.message_id}")
