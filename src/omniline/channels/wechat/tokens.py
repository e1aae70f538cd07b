"""An in-memory cache of WeChat access tokens, one per channel, safe to share between threads.

A token lives 7,200 s; we take a new one 5 minutes before it expires, and at once when WeChat says
the one we hold is invalid (another process may have taken a newer one, which retires ours). Each
channel has its own lock, so a slow token request on one account never holds up another, and
threads that wait for the same channel reuse the token the first of them fetched.
"""

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from omniline.kernel.clock import Clock

REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_at: datetime


class AccessTokenCache:
    def __init__(self) -> None:
        self._tokens: dict[Hashable, AccessToken] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(
        self, key: Hashable, fetch: Callable[[], AccessToken], *, now: Clock, stale: str | None = None
    ) -> str:
        """A usable token for `key`, calling `fetch` only when the cached one is missing, due for
        refresh, or equal to `stale` (the token the API just refused). `fetch`'s errors propagate."""
        with self._lock_for(key):
            token = self._tokens.get(key)
            if token is not None and token.value != stale and now() < token.expires_at - REFRESH_MARGIN:
                return token.value
            token = fetch()
            self._tokens[key] = token
            return token.value

    def _lock_for(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())
