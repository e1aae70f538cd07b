"""Time-ordered identifiers.

Every row gets a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made later
sort later, so "newest first" and keyset pagination can order by id alone, and ids can be made in the
application without a round trip to the database.
"""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
# Random bytes are drawn from the OS 256 ids at a time: a system call per id was a quarter of the cost
# of making one (2.1 µs against 1.6 µs; the pipeline makes about seven ids per message).
_RANDOM_BYTES_PER_ID = 10  # 16 bits to start the counter, 62 for rand_b
_RANDOM_REFILL = 256 * _RANDOM_BYTES_PER_ID
_random = b""
_random_at = 0


def new_id() -> uuid.UUID:
    """A new UUIDv7, strictly increasing within this process even within one millisecond."""
    global _last_ms, _counter, _random, _random_at
    with _lock:
        if _random_at >= len(_random):
            _random, _random_at = os.urandom(_RANDOM_REFILL), 0
        random_bits = int.from_bytes(_random[_random_at : _random_at + _RANDOM_BYTES_PER_ID], "big")
        _random_at += _RANDOM_BYTES_PER_ID
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = (random_bits >> 64) & 0x3FF  # leave room to count up
        else:
            _counter += 1
            if _counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next millisecond
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
    rand_b = random_bits & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)
