"""A short-lived, per-process cache of channels for provider callbacks.

Every callback needs its channel (secret, config) before anything else; reading it costs a
transaction of its own. Changes to a channel (a new secret, deactivation) take effect within
`ttl_seconds` in every process.
"""

import threading
import time
import uuid
from collections.abc import Callable

from omniline.channels.base import ChannelInfo

DEFAULT_TTL_SECONDS = 5.0


class ChannelCache:
    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[uuid.UUID, tuple[float, ChannelInfo]] = {}
        self._lock = threading.Lock()

    def get(self, channel_id: uuid.UUID, load: Callable[[], ChannelInfo]) -> ChannelInfo:
        """The cached channel, or `load()`'s (whose errors, e.g. NotFound, are not cached)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(channel_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        channel = load()
        with self._lock:
            self._entries[channel_id] = (now + self._ttl, channel)
        return channel
