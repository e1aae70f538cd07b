"""A short-lived, per-process cache for things read on every message but changed rarely (a channel,
a tenant's routing policy, business calendar, classification rules).

Each process keeps its own copy for `ttl_seconds`, so a change made anywhere reaches every process
within that time without any signalling. Thread-safe: request handlers run in a thread pool.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[V | None], V]) -> V:
        """The entry while it is fresh; otherwise `load(previous)` is stored and returned. `previous`
        is the expired value (or None), so a loader can keep it when a cheap check says it is still
        current. Errors from `load` (e.g. NotFound) are not cached."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load(entry[1] if entry is not None else None)
        with self._lock:
            self._entries[key] = (now + self._ttl, value)
        return value

    def peek(self, key: K) -> V | None:
        """The entry while it is fresh, else None; never loads (for callers that must not block)."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def forget(self, key: K) -> None:
        """Drop one entry (after this process committed a change to it)."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
