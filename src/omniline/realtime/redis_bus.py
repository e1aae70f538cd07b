"""The Redis backend of the event bus: several app processes (or machines) serving one installation.

Each process keeps an `InProcessBus` for its own subscribers (agents' WebSockets, the web chat fan-out,
the outbox worker). `publish` hands the event to them at once, exactly as the embedded default does,
and queues it for a publisher thread that sends it to one Redis pub/sub channel; a listener thread in
every other process receives it there and hands it to that process's subscribers. So an agent whose
WebSocket is held by one process sees the message a provider's hook brought to another.

Why threads: `publish` is called from the hooks' writer threads, the request thread pool and the CLI,
none of which may wait for Redis; subscribers live on event loops of their own, which the in-process
bus already reaches from any thread.

What Redis pub/sub gives is live notification, not storage: every event is also in the database (the
timeline, cases, deliveries) before it is published. While Redis is unreachable the other processes'
agents miss live updates (they see them on their next read); nothing stored is lost, `publish` never
blocks or fails, and the threads reconnect by themselves. Each process skips its own events when they
come back from Redis (it has delivered them already).
"""

import logging
import queue
import threading
import uuid
from typing import Any

import orjson
import redis

from omniline.kernel.events import DomainEvent
from omniline.realtime.bus import InProcessBus, Subscription

log = logging.getLogger(__name__)

DEFAULT_CHANNEL = "omniline:events"
MAX_PENDING = 10_000  # events queued while Redis is away; beyond that the oldest are not sent
PUBLISH_BATCH = 500  # events sent as one Redis message (one PUBLISH, one round trip)
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)  # waits between reconnection attempts, the last repeated
CLOSE_SECONDS = 5.0  # how long `close` waits for queued events to be sent
_STOP = object()


class RedisBus:
    """`Bus` over Redis pub/sub on `channel`; see the module's docstring."""

    def __init__(self, url: str, *, channel: str = DEFAULT_CHANNEL) -> None:
        self.channel = channel
        self._url = url
        self._origin = uuid.uuid4().hex  # this process's mark on what it sends
        self._local = InProcessBus()
        # SimpleQueue: a put from the hooks' writers is one C call, with no Python-level lock to take.
        self._pending: queue.SimpleQueue[DomainEvent | object] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._start_lock = threading.Lock()
        self._publisher: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()  # set while subscribed to the channel
        self.sent = 0
        self.dropped = 0  # events not sent: the queue overflowed while Redis was away
        self.received = 0  # events from other processes handed to this one's subscribers

    # -- the Bus protocol ---------------------------------------------------------------------------

    def publish(self, event: DomainEvent) -> None:
        self._local.publish(event)
        if self._stopped.is_set():
            return
        self._ensure_publisher()
        if self._pending.qsize() >= MAX_PENDING:
            try:
                self._pending.get_nowait()  # the oldest goes: live updates matter most when fresh
                self.dropped += 1
            except queue.Empty:
                pass
        self._pending.put(event)

    def subscribe(
        self, tenant_id: uuid.UUID | None = None, types: frozenset[str] | None = None
    ) -> Subscription:
        """Call from a coroutine: the subscription belongs to the running loop."""
        self._ensure_listener()
        return self._local.subscribe(tenant_id, types)

    def unsubscribe(self, subscription: Subscription) -> None:
        self._local.unsubscribe(subscription)

    def close(self) -> None:
        """Send what is queued (for up to CLOSE_SECONDS), then stop both threads."""
        with self._start_lock:
            self._stopped.set()
            publisher, listener = self._publisher, self._listener
        if publisher is not None:
            self._pending.put(_STOP)
            publisher.join(CLOSE_SECONDS)
        if listener is not None:
            listener.join(CLOSE_SECONDS)

    def wait_until_listening(self, timeout: float) -> bool:
        """Whether this process is subscribed on Redis within `timeout` seconds (the tests wait for it)."""
        self._ensure_listener()
        return self._listening.wait(timeout)

    # -- threads ------------------------------------------------------------------------------------

    def _ensure_publisher(self) -> None:
        if self._publisher is None:
            with self._start_lock:
                if self._publisher is None and not self._stopped.is_set():
                    self._publisher = _start_thread("omniline-bus-publisher", self._publish_forever)

    def _ensure_listener(self) -> None:
        if self._listener is None:
            with self._start_lock:
                if self._listener is None and not self._stopped.is_set():
                    self._listener = _start_thread("omniline-bus-listener", self._listen_forever)

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(
            self._url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )

    def _publish_forever(self) -> None:
        client = self._client()
        try:
            while True:
                first = self._pending.get()
                if first is _STOP:
                    return
                assert isinstance(first, DomainEvent)
                batch, stop = self._more(first)
                if batch:
                    self._send(client, batch)
                if stop:
                    return
        finally:
            client.close()

    def _send(self, client: redis.Redis, batch: list[bytes]) -> None:
        """Publish `batch`, trying again while Redis is away (the events behind it wait in the queue);
        given up only when the bus is closing."""
        failures = 0
        while True:
            try:
                client.publish(self.channel, self._message(batch))
            except (redis.RedisError, OSError) as error:
                if self._stopped.is_set():
                    return  # closing while Redis is away: nothing can be sent
                failures += 1
                _log_outage("publish", failures, error)
                self._stopped.wait(_retry_delay(failures))
                continue
            if failures:
                log.info("event bus: publishing to Redis again")
            self.sent += len(batch)
            return

    def _more(self, first: DomainEvent) -> tuple[list[bytes], bool]:
        """The encoded batch starting with `first`, with whatever else is queued; and whether a stop
        came after it."""
        batch: list[bytes] = []
        event: DomainEvent | object = first
        while True:
            assert isinstance(event, DomainEvent)
            encoded = self._encode(event)
            if encoded is not None:
                batch.append(encoded)
            if len(batch) >= PUBLISH_BATCH:
                return batch, False
            try:
                event = self._pending.get_nowait()
            except queue.Empty:
                return batch, False
            if event is _STOP:
                return batch, True

    def _message(self, batch: list[bytes]) -> bytes:
        """One Redis message for a batch of encoded events: `{"origin": …, "events": […]}`. One
        PUBLISH a batch rather than one an event: each command costs the publisher thread (and so the
        hooks' writers, which share the interpreter lock) more than encoding the event does."""
        return b'{"origin":"%s","events":[%s]}' % (self._origin.encode(), b",".join(batch))

    def _encode(self, event: DomainEvent) -> bytes | None:
        """The event as sent; None (and a log line) for one whose data is not JSON, which other
        processes could not use: it is skipped, and the publisher goes on."""
        try:
            return orjson.dumps({"type": event.type, "tenant_id": str(event.tenant_id), "data": event.data})
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            log.exception("event bus: %s could not be encoded for Redis; not shared", event.type)
            return None

    def _listen_forever(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.channel)
                self._listening.set()
                again = " again" if failures else ""
                log.info("event bus: listening on Redis channel %s%s", self.channel, again)
                failures = 0
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=0.2)  # also how soon close() is noticed
                    if message is not None and message.get("type") == "message":
                        self._receive(message["data"])
            except (redis.RedisError, OSError) as error:
                if self._stopped.is_set():
                    return
                failures += 1
                _log_outage("listen", failures, error)
                self._stopped.wait(_retry_delay(failures))
            finally:
                self._listening.clear()
                pubsub.close()
                client.close()

    def _receive(self, payload: Any) -> None:
        """Hand another process's events to this one's subscribers; anything malformed is skipped."""
        try:
            body = orjson.loads(payload)
            if body["origin"] == self._origin:
                return  # our own, delivered here when they were published
            items = list(body["events"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("event bus: skipped a malformed message on %s", self.channel)
            return
        for item in items:
            try:
                event = DomainEvent(str(item["type"]), uuid.UUID(item["tenant_id"]), dict(item["data"]))
            except (KeyError, TypeError, ValueError):
                log.warning("event bus: skipped a malformed event on %s", self.channel)
                continue
            self.received += 1
            self._local.publish(event)


def _start_thread(name: str, target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def _retry_delay(failures: int) -> float:
    return RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]


def _log_outage(what: str, failures: int, error: BaseException) -> None:
    """The first failure of an outage is a warning; the retries that follow are not repeated."""
    if failures == 1:
        log.warning("event bus: cannot %s on Redis (%s); retrying in the background", what, error)
    else:
        log.debug("event bus: %s on Redis failed again (%s)", what, error)
