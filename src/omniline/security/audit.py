"""The audit log: one row for every state change made by a person or a bot."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from omniline.kernel.clock import utcnow
from omniline.security.models import AuditEntry


def record_audit(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data or {},
            at=utcnow(),
        )
    )
