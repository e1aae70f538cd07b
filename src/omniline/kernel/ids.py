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


def new_id() -> uuid.UUID:
    """A new UUIDv7, strictly increasing within this process even within one millisecond."""
    global _last_ms, _counter
    random_bits = int.from_bytes(os.urandom(10), "big")  # one system call: 16 bits to start, 62 for rand_b
    with _lock:
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
