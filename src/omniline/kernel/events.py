"""Domain events: facts that happened, published to agents only after the transaction commits.

Services append events to the unit of work; the unit of work hands them to the bus after commit, so
an agent never sees a message that was rolled back.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One fact for one tenant, e.g. `message.received`. `data` is JSON-ready."""

    type: str
    tenant_id: uuid.UUID
    data: dict[str, Any] = field(default_factory=dict)
