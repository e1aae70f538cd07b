"""The one list of channel kinds and the adapter that serves each."""

from omniline.channels.api.adapter import ApiChannelAdapter
from omniline.channels.base import ChannelAdapter
from omniline.channels.email.adapter import EmailChannelAdapter
from omniline.channels.sms.adapter import SmsChannelAdapter
from omniline.channels.social.adapter import SocialChannelAdapter
from omniline.channels.telegram.adapter import TelegramChannelAdapter
from omniline.channels.voice.adapter import VoiceChannelAdapter
from omniline.channels.walkin.adapter import WalkinChannelAdapter
from omniline.channels.webchat.adapter import WebchatChannelAdapter
from omniline.channels.wechat.adapter import WeChatChannelAdapter
from omniline.kernel.errors import InvalidInput

# Every kind the design names; the ones without an adapter yet are refused with a clear message.
CHANNEL_KINDS = ("email", "webchat", "sms", "voice", "telegram", "wechat", "social", "api", "walkin")


class ChannelRegistry:
    def __init__(self, adapters: list[ChannelAdapter]) -> None:
        self._adapters = {adapter.kind: adapter for adapter in adapters}

    def get(self, kind: str) -> ChannelAdapter:
        adapter = self._adapters.get(kind)
        if adapter is None:
            if kind in CHANNEL_KINDS:
                raise InvalidInput(f"channel kind {kind!r} is not available in this version yet")
            raise InvalidInput(f"unknown channel kind {kind!r}; kinds: {', '.join(CHANNEL_KINDS)}")
        return adapter

    @property
    def kinds(self) -> list[str]:
        return sorted(self._adapters)


def default_registry() -> ChannelRegistry:
    return ChannelRegistry(
        [
            EmailChannelAdapter(),
            SmsChannelAdapter(),
            VoiceChannelAdapter(),
            ApiChannelAdapter(),
            WalkinChannelAdapter(),
            WebchatChannelAdapter(),
            WeChatChannelAdapter(),
            TelegramChannelAdapter(),
            SocialChannelAdapter(),
        ]
    )
