"""The event bus interface and its in-process backend.

`publish` may be called from any thread (request handlers run in a thread pool, the CLI has no event
loop); each subscriber gets the event on its own asyncio loop. When several processes serve one
installation, `RedisBus` (realtime/redis_bus.py) implements the same `Bus` protocol.
"""

import asyncio
import contextlib
import logging
import threading
import uuid
from typing import Protocol

from omniline.kernel.events import DomainEvent

log = logging.getLogger(__name__)

SUBSCRIBER_QUEUE_SIZE = 1000


class Subscription:
    """An async stream of events for one tenant (or every tenant when `tenant_id` is None)."""

    def __init__(
        self, bus: "InProcessBus", tenant_id: uuid.UUID | None, types: frozenset[str] | None
    ) -> None:
        self.tenant_id = tenant_id
        self.types = types
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[DomainEvent] = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
        self.dropped = 0
        self._bus = bus

    def wants(self, event: DomainEvent) -> bool:
        return (self.tenant_id is None or event.tenant_id == self.tenant_id) and (
            self.types is None or event.type in self.types
        )

    def offer(self, event: DomainEvent) -> None:
        """Runs on the subscriber's loop. A consumer too slow to keep up loses events, not memory."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1

    async def get(self) -> DomainEvent:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class Bus(Protocol):
    def publish(self, event: DomainEvent) -> None: ...

    def subscribe(
        self, tenant_id: uuid.UUID | None = None, types: frozenset[str] | None = None
    ) -> Subscription: ...

    def close(self) -> None: ...


class InProcessBus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(
        self, tenant_id: uuid.UUID | None = None, types: frozenset[str] | None = None
    ) -> Subscription:
        """Call from a coroutine: the subscription belongs to the running loop."""
        subscription = Subscription(self, tenant_id, types)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def close(self) -> None:
        """Nothing to release: the subscribers close their own subscriptions."""

    def publish(self, event: DomainEvent) -> None:
        with self._lock:
            targets = [item for item in self._subscriptions if item.wants(event)]
        for subscription in targets:
            with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
                subscription.loop.call_soon_threadsafe(subscription.offer, event)
