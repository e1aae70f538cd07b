"""Case use cases: attach a message to a case, resolve, reopen."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.lifecycle import OPEN_STATUSES, CaseSummary, decide_case, next_status
from omniline.cases.models import Case
from omniline.db.base import UTCDateTime, table_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import NotFound
from omniline.kernel.ids import new_id
from omniline.routing.dispatch import finish_case_tasks
from omniline.routing.sla_service import restart_resolution_clock, stop_case_clocks
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

CASE_EVENT_TYPES = {
    "resolve": "case.resolved",
    "reopen": "case.reopened",
    "wait": "case.pending",
    "resume": "case.resumed",
}


@dataclass(frozen=True, slots=True)
class AttachedCase:
    id: uuid.UUID
    number: int
    change: str | None  # "opened", "reopened" or None


_TABLE = table_of(Case)
# The conversation's own case (whatever its status) and the customer's open cases, in one query.
_CANDIDATES = select(
    _TABLE.c.id, _TABLE.c.status, _TABLE.c.updated_at, _TABLE.c.resolved_at, _TABLE.c.number
).where(
    _TABLE.c.customer_id == bindparam("customer_id", type_=Uuid()),
    or_(
        _TABLE.c.status.in_(sorted(OPEN_STATUSES)),
        _TABLE.c.id == bindparam("conversation_case_id", type_=Uuid()),
    ),
)
_INSERT = insert(_TABLE)
_TOUCH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("case_id", type_=Uuid()))
    .values(updated_at=bindparam("now", type_=UTCDateTime()))
)
_REOPEN = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("case_id", type_=Uuid()))
    .values(
        status="open",
        resolved_at=None,
        reopen_count=_TABLE.c.reopen_count + 1,
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
)


def attach_to_case(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    conversation_case_id: uuid.UUID | None,
    subject: str | None,
    now: datetime,
    may_open: bool = True,
) -> AttachedCase | None:
    """The case an inbound message joins (see lifecycle.decide_case), opened or reopened if need be.

    With `may_open` False (auto-replies, bounces) the message only joins a case that is already open:
    nothing is opened or reopened, and the result may be None.
    """
    rows = (
        session.connection()
        .execute(_CANDIDATES, {"customer_id": customer_id, "conversation_case_id": conversation_case_id})
        .all()
    )
    summaries = {row[0]: CaseSummary(row[0], row[1], row[2], row[3]) for row in rows}
    numbers = {row[0]: row[4] for row in rows}
    own = summaries.get(conversation_case_id) if conversation_case_id else None
    others = [summary for case_id, summary in summaries.items() if case_id != conversation_case_id]
    decision = decide_case(own, others, now=now)
    if not may_open and (decision.case_id is None or decision.reopen):
        return None
    if decision.case_id is None:
        case_id, number = new_id(), allocate_case_number(session, tenant_id)
        row: dict[str, Any] = {
            "id": case_id,
            "tenant_id": tenant_id,
            "number": number,
            "customer_id": customer_id,
            "topic_id": None,
            "status": "open",
            "subject": subject,
            "opened_at": now,
            "resolved_at": None,
            "reopen_count": 0,
            "updated_at": now,
        }
        session.connection().execute(_INSERT, row)
        return AttachedCase(case_id, number, "opened")
    if decision.reopen:
        next_status(summaries[decision.case_id].status, "reopen")  # Conflict if the lifecycle forbids it
        session.connection().execute(_REOPEN, {"case_id": decision.case_id, "now": now})
        return AttachedCase(decision.case_id, numbers[decision.case_id], "reopened")
    if decision.case_id != conversation_case_id:
        # The conversation moves to another of the customer's open cases: mark that case as the one
        # active now (decide_case prefers the most recently updated). A message on the conversation's
        # own case changes nothing about the case itself; its activity is on the timeline.
        session.connection().execute(_TOUCH, {"case_id": decision.case_id, "now": now})
    return AttachedCase(decision.case_id, numbers[decision.case_id], None)


def allocate_case_number(session: Session, tenant_id: uuid.UUID) -> int:
    """The next human case number (C-1, C-2, …), unique within the tenant.

    PostgreSQL takes it from a sequence (no lock held until commit; numbers may have gaps, see
    migration 0003); SQLite, one writer at a time anyway, counts per tenant.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return int(connection.execute(_NEXT_FROM_SEQUENCE).scalar_one())
    return int(connection.execute(_NEXT_CASE_NUMBER, {"tenant_id": tenant_id}).scalar_one())


_NEXT_FROM_SEQUENCE = select(func.nextval("case_number_seq"))
_TENANTS = table_of(Tenant)
_NEXT_CASE_NUMBER = (
    update(_TENANTS)
    .where(_TENANTS.c.id == bindparam("tenant_id", type_=Uuid()))
    .values(case_counter=_TENANTS.c.case_counter + 1)
    .returning(_TENANTS.c.case_counter)
)


def get_case(session: Session, tenant_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.tenant_id != tenant_id:
        raise NotFound(f"case {case_id} not found")
    return case


def change_case_status(
    uow: UnitOfWork, *, tenant_id: uuid.UUID, case_id: uuid.UUID, action: str, actor: str, now: datetime
) -> Case:
    """Resolve or reopen a case (Conflict if its status does not allow it), on the timeline and audited.
    A resolved case needs nobody's work: its queued, offered and assigned tasks end, and its SLA
    clocks stop; a reopened one gets a fresh resolution clock."""
    session = uow.session
    case = get_case(session, tenant_id, case_id)
    event_type = CASE_EVENT_TYPES[action]
    case.status = next_status(case.status, action)
    case.updated_at = now
    if action == "resolve":
        case.resolved_at = now
        stop_case_clocks(session, case_id=case.id, now=now)
        finish_case_tasks(uow, case.id, now)
    elif action == "reopen":
        case.resolved_at = None
        case.reopen_count += 1
        restart_resolution_clock(session, case_id=case.id, now=now)
    record_event(
        session,
        tenant_id=tenant_id,
        customer_id=case.customer_id,
        type=event_type,
        at=now,
        case_id=case.id,
        actor=actor,
        data={"number": case.number, "status": case.status},
    )
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action=event_type,
        subject_type="case",
        subject_id=case.id,
        data={"status": case.status},
    )
    return case
