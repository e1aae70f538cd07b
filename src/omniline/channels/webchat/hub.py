"""The visitor hub: which widget sockets are open in this process, by conversation.

Agent replies reach visitors through the bus, not through the outbox: the conversations API publishes
`message.sent` after commit, and `run_fanout` (one per bus and event loop: the background service, or
the first visitor socket when no services run) forwards each webchat message to the sockets of its
conversation at once. With a shared bus (Redis) every app process does the same for its own sockets.
A visitor who is not connected sees the message in the history the next time the widget connects.

Frames are queued per socket; a socket too slow to keep up loses frames, never memory (the history
on reconnect is the source of truth).
"""

import asyncio
import contextlib
import logging
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from omniline.kernel.events import DomainEvent
from omniline.realtime.bus import Bus

if TYPE_CHECKING:
    from omniline.bootstrap import Container

log = logging.getLogger(__name__)

FANOUT_EVENTS = frozenset({"message.sent", "message.received", "webchat.agent_typing"})
SOCKET_QUEUE_SIZE = 200
RECENT_IDS = 2000


@dataclass(eq=False)
class VisitorSocket:
    """One open widget: its outgoing frame queue, drained by the socket's writer task."""

    visitor_id: uuid.UUID
    channel_id: uuid.UUID
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    queue: "asyncio.Queue[dict[str, Any]]" = field(default_factory=lambda: asyncio.Queue(SOCKET_QUEUE_SIZE))
    dropped: int = 0

    def offer(self, frame: dict[str, Any]) -> None:
        """Runs on the socket's loop."""
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped += 1


class VisitorHub:
    def __init__(self) -> None:
        self._by_conversation: dict[uuid.UUID, set[VisitorSocket]] = {}
        # A message can arrive twice (the bus event and the adapter's send): each goes out once.
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._fanouts: weakref.WeakKeyDictionary[Any, asyncio.Task[None]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # send() runs in a worker thread; sockets come and go on the loop

    def watch(self, socket: VisitorSocket, conversation_id: uuid.UUID) -> None:
        with self._lock:
            self._by_conversation.setdefault(conversation_id, set()).add(socket)

    def forget(self, socket: VisitorSocket, conversation_ids: Iterable[uuid.UUID]) -> None:
        with self._lock:
            for conversation_id in conversation_ids:
                sockets = self._by_conversation.get(conversation_id)
                if sockets is None:
                    continue
                sockets.discard(socket)
                if not sockets:
                    del self._by_conversation[conversation_id]

    def sockets_of(self, conversation_id: uuid.UUID) -> tuple[VisitorSocket, ...]:
        with self._lock:
            return tuple(self._by_conversation.get(conversation_id, ()))

    def deliver(self, conversation_id: uuid.UUID, frame: dict[str, Any], *, dedupe_key: str | None) -> int:
        """Queue `frame` for every socket of the conversation, from any thread; returns how many."""
        if dedupe_key is not None:
            with self._lock:
                if dedupe_key in self._recent:
                    return 0
                self._recent[dedupe_key] = None
                if len(self._recent) > RECENT_IDS:
                    self._recent.popitem(last=False)
        sockets = self.sockets_of(conversation_id)
        for socket in sockets:
            with contextlib.suppress(RuntimeError):  # the socket's loop has closed
                socket.loop.call_soon_threadsafe(socket.offer, frame)
        return len(sockets)

    def ensure_fanout(self, bus: Bus) -> None:
        """Start forwarding `bus` events to sockets on the running loop, unless that already happens."""
        task = self._fanouts.get(bus)
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            self._fanouts[bus] = asyncio.get_running_loop().create_task(self._forward(bus))

    async def run_fanout(self, bus: Bus) -> None:
        """The background service's body: forward until cancelled."""
        task = self._fanouts.get(bus)
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.get_running_loop().create_task(self._forward(bus))
            self._fanouts[bus] = task
        try:
            await asyncio.shield(task)
        finally:
            task.cancel()

    async def _forward(self, bus: Bus) -> None:
        subscription = bus.subscribe(None, FANOUT_EVENTS)
        try:
            while True:
                event = await subscription.get()
                try:
                    self._dispatch(event)
                except Exception:  # one odd event must not stop live replies for everyone
                    log.exception("webchat fan-out failed for %s", event.type)
        finally:
            subscription.close()

    def _dispatch(self, event: DomainEvent) -> None:
        from omniline.channels.webchat.protocol import message_frame

        if event.type == "webchat.agent_typing":
            conversation_id = uuid.UUID(event.data["conversation_id"])
            frame = {"type": "typing", "active": bool(event.data.get("active", True))}
            self.deliver(conversation_id, frame, dedupe_key=None)
            return
        message = event.data.get("message", {})
        if message.get("channel_kind") != "webchat" or message.get("event"):
            return  # other channels' messages, and bookkeeping events the widget does not show
        self.deliver(uuid.UUID(message["conversation_id"]), message_frame(message), dedupe_key=message["id"])


HUB = VisitorHub()


async def run_webchat_fanout(container: "Container") -> None:
    """The background service: agent replies and typing go to visitors' widgets from server start."""
    await HUB.run_fanout(container.bus)
