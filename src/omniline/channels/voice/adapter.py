"""The `voice` channel adapter: a call is a conversation whose messages are call events.

Two ways in, chosen by `config.provider`: Twilio's voice webhooks (`twilio_hooks.py`) or the generic
signed CTI event API for any PBX (`cti.py`). The pipeline turns a missed or abandoned call and a
voicemail into a callback task, and publishes every event (a `call.answered` too) to the agents.
A voice channel cannot carry a text reply: replies are refused before anything is stored, and a send
that reaches the adapter anyway fails for good.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    InboundBatch,
    SendResult,
)
from omniline.channels.voice.config import validate_voice_config
from omniline.channels.voice.cti import parse_cti
from omniline.channels.voice.twilio_hooks import parse_twilio_voice
from omniline.kernel.errors import Conflict
from omniline.messages.normalized import OutboundMessage

if TYPE_CHECKING:
    from omniline.conversations.models import Conversation

NO_TEXT_REPLIES = "voice has no text replies; use a callback task or another channel"


class VoiceChannelAdapter(BaseAdapter):
    kind = "voice"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return validate_voice_config(config)

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        if channel.config["provider"] == "twilio":
            return parse_twilio_voice(channel, request, context)
        return parse_cti(channel, request)

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        return SendResult(ok=False, retryable=False, error=NO_TEXT_REPLIES)

    def prepare_reply(
        self, session: Session, channel: ChannelInfo, conversation: "Conversation", recipient: str
    ) -> dict[str, Any]:
        raise Conflict(NO_TEXT_REPLIES, code="no_text_replies")
