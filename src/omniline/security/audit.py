"""The audit log: one row for every state change made by a person or a bot."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from omniline.db.base import table_of
from omniline.db.bulk import RowsInsert
from omniline.kernel.clock import utcnow
from omniline.kernel.ids import new_id
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
    session.add(AuditEntry(**audit_row(tenant_id, actor, action, subject_type, subject_id, data)))


def audit_row(
    tenant_id: uuid.UUID,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit entry's columns, stamped now (`insert_audit_rows` writes several at once)."""
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "data": data or {},
        "at": utcnow(),
    }


def insert_audit_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        _INSERT.execute(session.connection(), rows)


_INSERT = RowsInsert(table_of(AuditEntry))
