"""The Redis event bus between processes, on a real Redis: each `RedisBus` here stands for one app
process (its own publisher, listener and subscribers), as several `omniline serve` would be."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import redis

from omniline.kernel.events import DomainEvent
from omniline.realtime.bus import Subscription
from omniline.realtime.redis_bus import RedisBus
from tests.redis_server import RedisServer, wait_for_listeners

TENANT = uuid.UUID("00000000-0000-7000-8000-000000000001")
OTHER_TENANT = uuid.UUID("00000000-0000-7000-8000-000000000002")
WAIT = 10.0  # seconds: a generous bound for what takes milliseconds, on a loaded machine


@pytest.fixture
def channel() -> str:
    """A channel of this test's own: nothing another test (or a server) publishes reaches it."""
    return f"omniline:test:{uuid.uuid4().hex}"


@pytest.fixture
def buses(redis_url: str, channel: str) -> Iterator[Callable[[], RedisBus]]:
    made: list[RedisBus] = []

    def new_bus() -> RedisBus:
        bus = RedisBus(redis_url, channel=channel)
        made.append(bus)
        return bus

    yield new_bus
    for bus in made:
        bus.close()


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


async def next_event(subscription: Subscription) -> DomainEvent:
    return await asyncio.wait_for(subscription.get(), WAIT)


def listening(*buses: RedisBus) -> None:
    for bus in buses:
        assert bus.wait_until_listening(WAIT), "the bus did not subscribe on Redis"


def test_an_event_published_in_one_process_reaches_the_subscribers_of_another(
    buses: Callable[[], RedisBus],
) -> None:
    here, there = buses(), buses()
    data = {"message": {"id": str(uuid.uuid4()), "text": "Заказ не пришёл — 我的订单在哪里？"}}

    async def scenario() -> None:
        every_tenant = here.subscribe()
        mine = here.subscribe(TENANT)
        others = here.subscribe(OTHER_TENANT)
        cases_only = here.subscribe(TENANT, frozenset({"case.updated"}))
        listening(here)
        there.publish(DomainEvent("message.received", TENANT, data))
        for subscription in (every_tenant, mine):
            event = await next_event(subscription)
            assert (event.type, event.tenant_id, event.data) == ("message.received", TENANT, data)
        # What the other tenant's subscriber (and the one that wants case updates) gets first is the
        # next event meant for it: the message never reached them.
        there.publish(DomainEvent("case.updated", OTHER_TENANT, {"n": 1}))
        there.publish(DomainEvent("case.updated", TENANT, {"n": 2}))
        assert (await next_event(others)).data == {"n": 1}
        assert (await next_event(cases_only)).data == {"n": 2}
        assert here.received == 3

    run(scenario)


def test_a_process_delivers_its_own_events_once_and_at_once(buses: Callable[[], RedisBus]) -> None:
    here, there = buses(), buses()

    async def scenario() -> None:
        local = here.subscribe(TENANT)
        listening(here)
        here.publish(DomainEvent("message.received", TENANT, {"n": 1}))
        assert (await next_event(local)).data == {"n": 1}
        # The copy that comes back from Redis is not delivered again: after it, the next event here is
        # the other process's.
        there.publish(DomainEvent("message.received", TENANT, {"n": 2}))
        assert (await next_event(local)).data == {"n": 2}
        assert here.received == 1  # only the other process's event came in through Redis

    run(scenario)


def test_events_queued_before_close_are_sent(buses: Callable[[], RedisBus]) -> None:
    """A command-line process publishes and exits at once: closing sends what it queued."""
    listener, short_lived = buses(), buses()

    async def scenario() -> None:
        subscription = listener.subscribe(TENANT)
        listening(listener)
        for n in range(3):
            short_lived.publish(DomainEvent("case.updated", TENANT, {"n": n}))
        short_lived.close()
        assert [(await next_event(subscription)).data["n"] for _ in range(3)] == [0, 1, 2]
        assert short_lived.sent == 3

    run(scenario)


def test_a_malformed_message_on_the_channel_is_skipped(
    buses: Callable[[], RedisBus], redis_url: str, channel: str
) -> None:
    here, there = buses(), buses()

    async def scenario() -> None:
        subscription = here.subscribe()
        listening(here)
        client = redis.Redis.from_url(redis_url)
        try:
            for junk in (
                b"not json",
                b'{"origin": "x"}',
                b'{"origin": "x", "events": 5}',
                b'{"origin": "x", "events": [{"type": "t", "tenant_id": "no", "data": {}}, 7]}',
            ):
                client.publish(channel, junk)
        finally:
            client.close()
        there.publish(DomainEvent("message.received", TENANT, {"n": 1}))
        assert (await next_event(subscription)).data == {"n": 1}
        assert here.received == 1

    run(scenario)


def test_an_event_that_is_not_json_is_not_shared_and_the_next_ones_are(buses: Callable[[], RedisBus]) -> None:
    here, there = buses(), buses()

    async def scenario() -> None:
        remote = here.subscribe(TENANT)
        local = there.subscribe(TENANT)
        listening(here)
        there.publish(DomainEvent("case.updated", TENANT, {"odd": {1, 2}}))  # a set: not JSON
        there.publish(DomainEvent("case.updated", TENANT, {"n": 2}))
        assert (await next_event(local)).data == {"odd": {1, 2}}  # this process's own still get it
        assert (await next_event(remote)).data == {"n": 2}
        assert here.received == 1  # the odd one never went out

    run(scenario)


def test_while_redis_is_away_publishing_neither_blocks_nor_fails_and_both_ends_come_back(
    tmp_path: Path,
) -> None:
    with RedisServer(tmp_path) as server:
        channel = "omniline:test:outage"
        here, there = RedisBus(server.url, channel=channel), RedisBus(server.url, channel=channel)
        try:

            async def scenario() -> None:
                remote = here.subscribe(TENANT)
                local = there.subscribe(TENANT)
                listening(here, there)
                server.stop()
                # The hook that stored this message must not wait for Redis or fail because of it:
                # publish returns, and the publishing process's own agents still get the event.
                there.publish(DomainEvent("message.received", TENANT, {"n": 1}))
                assert (await next_event(local)).data == {"n": 1}
                server.start()
                wait_for_listeners(server.url, channel, 2)  # both resubscribed on the new server
                there.publish(DomainEvent("message.received", TENANT, {"n": 2}))
                seen = [(await next_event(remote)).data["n"]]
                if seen == [1]:  # sent again once Redis was back, before the other listener returned
                    seen.append((await next_event(remote)).data["n"])
                assert seen[-1] == 2

            run(scenario)
        finally:
            here.close()
            there.close()
