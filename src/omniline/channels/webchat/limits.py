"""Token buckets in memory: per visitor and per client IP, so one tab or one host cannot flood us.

Per process: several app processes each keep their own buckets, which is good enough against a
noisy visitor (a shared store would be needed against a distributed attack).
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`allow(key)` takes one token from `key`'s bucket: `capacity` at once, `per_second` refill."""

    def __init__(
        self,
        capacity: float,
        per_second: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, cost: float = 1.0) -> bool:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.capacity, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:  # forget the least recently seen, bounding memory
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
        if bucket.tokens < cost:
            return False
        bucket.tokens -= cost
        return True


# A person types a burst of a few lines, then slows down; a whole office behind one NAT does more.
VISITOR_LIMIT = RateLimiter(capacity=10, per_second=0.5)
IP_LIMIT = RateLimiter(capacity=60, per_second=5)
