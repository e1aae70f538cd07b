"""Who is on line, per process: the number of agents' live feeds (`/ws`) open per tenant.

A stop-gap for "is any agent available?" until agents have a presence state of their own; with
several app processes each knows only its own connections.
"""

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_agents: Counter[uuid.UUID] = Counter()


@contextmanager
def agent_connected(tenant_id: uuid.UUID) -> Iterator[None]:
    with _lock:
        _agents[tenant_id] += 1
    try:
        yield
    finally:
        with _lock:
            _agents[tenant_id] -= 1
            if _agents[tenant_id] <= 0:
                del _agents[tenant_id]


def connected_agents(tenant_id: uuid.UUID) -> int:
    with _lock:
        return _agents.get(tenant_id, 0)
