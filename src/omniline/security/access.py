"""The access funnel: who is acting, in which tenant, and with what role.

Every API route gets an `Actor` from here; services receive the actor's tenant id and never accept a
tenant from the client, so nothing crosses tenants. Role checks live here, not in each route.
"""

import uuid
from dataclasses import dataclass

from omniline.kernel.errors import PermissionDenied

ROLE_RANK = {"agent": 1, "supervisor": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    name: str

    @property
    def ref(self) -> str:
        """How the actor appears in audit rows and on the timeline."""
        return f"user:{self.user_id}"

    def require(self, role: str) -> None:
        """PermissionDenied unless the actor's role is at least `role` (agent < supervisor < admin)."""
        if ROLE_RANK.get(self.role, 0) < ROLE_RANK[role]:
            raise PermissionDenied(f"this needs the {role} role")
