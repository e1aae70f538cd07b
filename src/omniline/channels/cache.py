"""A short-lived, per-process cache of channels for provider callbacks.

Every callback needs its channel (secret, config) before anything else; reading it costs a
transaction of its own. Changes to a channel (a new secret, deactivation) take effect within
`DEFAULT_TTL_SECONDS` in every process.
"""

import uuid

from omniline.channels.base import ChannelInfo
from omniline.kernel.ttl_cache import TtlCache

DEFAULT_TTL_SECONDS = 5.0


def channel_cache(ttl_seconds: float = DEFAULT_TTL_SECONDS) -> TtlCache[uuid.UUID, ChannelInfo]:
    return TtlCache(ttl_seconds)
