"""Garbage collection settings for the long-running server.

CPython's cyclic collector runs a young-generation pass every 700 net allocations, and a full pass
over every tracked object now and then. A server holds hundreds of thousands of long-lived objects
(modules, SQLAlchemy's compiled statements, the app), and each request allocates thousands: the
passes, and above all the full ones, stopped the process for tens of milliseconds and were the
slowest 1% of hook requests (bench/ingest.py --mode http: p99 ~120 ms with the defaults, ~45 ms with
these). So what exists at start-up is frozen (never scanned again), and passes run less often; cycles
are still collected.
"""

import gc

YOUNG_THRESHOLD = 50_000  # allocations between young-generation passes (default 700)
OLDER_EVERY = 20  # passes of a generation between passes of the next (default 10)


def settle_for_serving() -> None:
    """Call once, when the app is built and before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_EVERY, OLDER_EVERY)
