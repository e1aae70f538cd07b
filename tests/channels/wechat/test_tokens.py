"""The access-token cache: reused until 5 minutes before expiry, refreshed when refused, one fetch
for threads that ask at the same time."""

import threading
import time
from datetime import UTC, datetime, timedelta

from omniline.channels.wechat.tokens import AccessToken, AccessTokenCache

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Issuer:
    def __init__(self, clock: Clock, lifetime: int = 7200) -> None:
        self.clock, self.lifetime, self.issued = clock, lifetime, 0

    def __call__(self) -> AccessToken:
        self.issued += 1
        time.sleep(0.01)  # a slow request widens the window in which threads could race
        return AccessToken(f"TOKEN-{self.issued}", self.clock() + timedelta(seconds=self.lifetime))


def test_a_token_is_reused_until_five_minutes_before_it_expires() -> None:
    clock = Clock()
    issue = Issuer(clock)
    cache = AccessTokenCache()

    assert cache.get("channel", issue, now=clock) == "TOKEN-1"
    clock.now = START + timedelta(seconds=7200 - 301)
    assert cache.get("channel", issue, now=clock) == "TOKEN-1"
    clock.now = START + timedelta(seconds=7200 - 300)
    assert cache.get("channel", issue, now=clock) == "TOKEN-2"
    assert issue.issued == 2


def test_a_refused_token_is_replaced_once_even_when_several_callers_saw_it_refused() -> None:
    clock = Clock()
    issue = Issuer(clock)
    cache = AccessTokenCache()
    first = cache.get("channel", issue, now=clock)

    assert cache.get("channel", issue, now=clock, stale=first) == "TOKEN-2"
    assert cache.get("channel", issue, now=clock, stale=first) == "TOKEN-2"  # already replaced
    assert issue.issued == 2


def test_channels_have_their_own_tokens() -> None:
    clock = Clock()
    issue = Issuer(clock)
    cache = AccessTokenCache()

    assert [cache.get(key, issue, now=clock) for key in ("a", "b", "a", "b")] == [
        "TOKEN-1",
        "TOKEN-2",
        "TOKEN-1",
        "TOKEN-2",
    ]


def test_threads_asking_at_once_share_one_fetch() -> None:
    clock = Clock()
    issue = Issuer(clock)
    cache = AccessTokenCache()
    results: list[str] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        results.append(cache.get("channel", issue, now=clock))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["TOKEN-1"] * 8
    assert issue.issued == 1
