"""Background job: send due deliveries from the outbox.

No transaction is held while a provider is being called: the delivery is claimed and committed,
sent, and the outcome recorded in a second transaction (SQLite would otherwise block every writer
for the length of a network call).
"""

import asyncio
import contextlib
import logging
import uuid

from omniline.bootstrap import Container
from omniline.channels.base import SendResult
from omniline.channels.models import Delivery
from omniline.channels.outbox import (
    claim_delivery,
    delivery_view,
    due_delivery_ids,
    record_attempt,
    record_delivery_failure,
)
from omniline.channels.service import load_channel_info
from omniline.kernel.errors import NotFound
from omniline.kernel.events import DomainEvent
from omniline.messages.normalized import OutboundMessage
from omniline.realtime.bus import Subscription

log = logging.getLogger(__name__)


def send_due_deliveries(container: Container, limit: int = 50) -> int:
    """Try every due delivery once; returns how many were attempted."""
    with container.uow() as uow:
        ids = due_delivery_ids(uow.session, container.clock(), limit)
    attempted = 0
    for delivery_id in ids:
        with container.uow() as uow:
            claimed = claim_delivery(uow.session, delivery_id, container.clock())
            uow.commit()
        if claimed:
            send_delivery(container, delivery_id)
            attempted += 1
    return attempted


def send_delivery(container: Container, delivery_id: uuid.UUID) -> None:
    with container.uow() as uow:
        delivery = uow.session.get(Delivery, delivery_id)
        if delivery is None:
            return
        message = OutboundMessage.from_payload(delivery.payload)
        try:
            channel = load_channel_info(uow.session, delivery.channel_id)
        except NotFound:
            channel = None
    if channel is None:
        result = SendResult(ok=False, error="the channel was deleted or deactivated")
    else:
        adapter = container.channels.get(channel.kind)
        result = adapter.send(channel, message, container.adapter_context)
    with container.uow() as uow:
        delivery = uow.session.get_one(Delivery, delivery_id)
        now = container.clock()
        record_attempt(delivery, result, container.retry_policy, now)
        if delivery.status == "failed":
            record_delivery_failure(uow.session, delivery)
        uow.emit(DomainEvent("delivery.updated", delivery.tenant_id, {"delivery": delivery_view(delivery)}))
        uow.commit()
    if not result.ok:
        log.warning("delivery %s attempt failed: %s", delivery_id, result.error)


class OutboxWorker:
    """Runs in the server: wakes when a delivery is queued, and polls for retries that come due."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._wake = asyncio.Event()

    async def run(self) -> None:
        subscription = self._container.bus.subscribe(types=frozenset({"delivery.queued"}))
        waker = asyncio.create_task(self._wake_on_queue(subscription))
        try:
            while True:
                try:
                    attempted = await asyncio.to_thread(send_due_deliveries, self._container)
                except Exception:  # a database hiccup must not kill the worker; it tries again
                    log.exception("outbox pass failed")
                    attempted = 0
                if attempted:
                    continue
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._container.settings.outbox_poll_seconds)
        finally:
            waker.cancel()
            subscription.close()

    async def _wake_on_queue(self, subscription: Subscription) -> None:
        while True:
            await subscription.get()
            self._wake.set()


async def run_outbox_worker(container: Container) -> None:
    await OutboxWorker(container).run()
