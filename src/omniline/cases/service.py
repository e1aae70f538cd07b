"""Case use cases: attach a message to a case, resolve, reopen."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Uuid, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.lifecycle import OPEN_STATUSES, CaseSummary, decide_case, next_status
from omniline.cases.models import Case
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import NotFound
from omniline.kernel.ids import new_id
from omniline.routing.dispatch import finish_case_tasks, requeue_reopened_case
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
    row: dict[str, Any] | None = None  # an opened case's columns, as inserted


_TABLE = table_of(Case)
# The conversations' own cases (whatever their status) and the customers' open cases, in one query.
_CANDIDATES = select(
    _TABLE.c.id,
    _TABLE.c.status,
    _TABLE.c.updated_at,
    _TABLE.c.resolved_at,
    _TABLE.c.number,
    _TABLE.c.customer_id,
).where(
    one_of(_TABLE.c.customer_id, "customer_ids"),
    or_(
        _TABLE.c.status.in_(sorted(OPEN_STATUSES)),
        one_of(_TABLE.c.id, "conversation_case_ids"),
    ),
)
_INSERT = RowsInsert(_TABLE)
_TOUCH = RowsUpdate(
    lambda p: update(_TABLE).where(_TABLE.c.id == p.case_id).values(updated_at=p.now),
    key="case_id",
    case_id=Uuid(),
    now=UTCDateTime(),
)
_REOPEN = RowsUpdate(
    lambda p: (
        update(_TABLE)
        .where(_TABLE.c.id == p.case_id)
        .values(status="open", resolved_at=None, reopen_count=_TABLE.c.reopen_count + 1, updated_at=p.now)
    ),
    key="case_id",
    case_id=Uuid(),
    now=UTCDateTime(),
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
    request = CaseRequest(customer_id, conversation_case_id, subject, may_open=may_open)
    return attach_to_cases(session, tenant_id, [request], now=now)[0]


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """One message looking for its case; a `new_customer` has none to look for."""

    customer_id: uuid.UUID
    conversation_case_id: uuid.UUID | None
    subject: str | None
    may_open: bool = True
    new_customer: bool = False


def attach_to_cases(
    session: Session, tenant_id: uuid.UUID, requests: list[CaseRequest], *, now: datetime
) -> list[AttachedCase | None]:
    """`attach_to_case` for messages of different customers: one read, then one statement for each
    kind of change (open, reopen, touch) for all of them. New cases are numbered in request order."""
    known = [request for request in requests if not request.new_customer]
    rows: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if known:
        params = {
            "customer_ids": sorted({request.customer_id for request in known}),
            "conversation_case_ids": sorted(
                {request.conversation_case_id for request in known if request.conversation_case_id}
            ),
        }
        for found in session.connection().execute(_CANDIDATES, params):
            rows[found[5]].append(found)
    decisions = [_decide_case(request, rows.get(request.customer_id, []), now=now) for request in requests]
    numbers = iter(allocate_case_numbers(session, tenant_id, decisions.count(_OPENS)))
    opened: list[dict[str, Any]] = []
    reopened: list[dict[str, Any]] = []
    touched: list[dict[str, Any]] = []
    attached: list[AttachedCase | None] = []
    for request, decision in zip(requests, decisions, strict=True):
        if isinstance(decision, str):  # _OPENS
            row = _new_case_row(new_id(), next(numbers), tenant_id, request, now=now)
            opened.append(row)
            attached.append(AttachedCase(row["id"], row["number"], "opened", row))
            continue
        if decision is not None and decision.change == "reopened":
            reopened.append({"case_id": decision.id, "now": now})
        elif decision is not None and decision.id != request.conversation_case_id:
            # The conversation moves to another of the customer's open cases: mark that case as the
            # one active now (decide_case prefers the most recently updated). A message on the
            # conversation's own case changes nothing about the case; its activity is on the timeline.
            touched.append({"case_id": decision.id, "now": now})
        attached.append(decision)
    connection = session.connection()
    _INSERT.execute(connection, opened)
    _REOPEN.execute(connection, reopened)
    _TOUCH.execute(connection, touched)
    return attached


_OPENS = "opens"  # what `_decide_case` answers when the message opens a new case


def _decide_case(request: CaseRequest, rows: list[Any], *, now: datetime) -> AttachedCase | str | None:
    """The case joined or reopened, `_OPENS`, or None (a message that may not open finds none open)."""
    summaries = {row[0]: CaseSummary(row[0], row[1], row[2], row[3]) for row in rows}
    numbers = {row[0]: row[4] for row in rows}
    case_id = request.conversation_case_id
    own = summaries.get(case_id) if case_id else None
    others = [summary for other_id, summary in summaries.items() if other_id != case_id]
    decision = decide_case(own, others, now=now)
    if not request.may_open and (decision.case_id is None or decision.reopen):
        return None
    if decision.case_id is None:
        return _OPENS
    if decision.reopen:
        next_status(summaries[decision.case_id].status, "reopen")  # Conflict if the lifecycle forbids it
        return AttachedCase(decision.case_id, numbers[decision.case_id], "reopened")
    return AttachedCase(decision.case_id, numbers[decision.case_id], None)


def _new_case_row(
    case_id: uuid.UUID, number: int, tenant_id: uuid.UUID, request: CaseRequest, *, now: datetime
) -> dict[str, Any]:
    return {
        "id": case_id,
        "tenant_id": tenant_id,
        "number": number,
        "customer_id": request.customer_id,
        "topic_id": None,
        "status": "open",
        "subject": request.subject,
        "opened_at": now,
        "resolved_at": None,
        "reopen_count": 0,
        "updated_at": now,
        "routing": {},  # every column given: a callable default would run per row
    }


def allocate_case_number(session: Session, tenant_id: uuid.UUID) -> int:
    """The next human case number (C-1, C-2, …), unique within the tenant."""
    return allocate_case_numbers(session, tenant_id, 1)[0]


def allocate_case_numbers(session: Session, tenant_id: uuid.UUID, count: int) -> list[int]:
    """The next `count` case numbers, ascending, in one statement.

    PostgreSQL takes them from a sequence (no lock held until commit; numbers may have gaps, see
    migration 0003); SQLite, one writer at a time anyway, counts per tenant.
    """
    if count <= 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return sorted(
            int(number) for number in connection.execute(_NEXT_FROM_SEQUENCE, {"count": count}).scalars()
        )
    last = int(connection.execute(_NEXT_CASE_NUMBERS, {"tenant_id": tenant_id, "count": count}).scalar_one())
    return list(range(last - count + 1, last + 1))


_NEXT_FROM_SEQUENCE = select(func.nextval("case_number_seq")).select_from(
    func.generate_series(1, bindparam("count", type_=Integer()))
)
_TENANTS = table_of(Tenant)
_NEXT_CASE_NUMBERS = (
    update(_TENANTS)
    .where(_TENANTS.c.id == bindparam("tenant_id", type_=Uuid()))
    .values(case_counter=_TENANTS.c.case_counter + bindparam("count", type_=Integer()))
    .returning(_TENANTS.c.case_counter)
)


def get_case(session: Session, tenant_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.tenant_id != tenant_id:
        raise NotFound(f"case {case_id} not found")
    return case


def reopen_case_by_hand(
    uow: UnitOfWork,
    *,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    user_id: uuid.UUID,
    actor: str,
    now: datetime,
) -> Case:
    """A person reopens a resolved case: it is open again and has work (see `requeue_reopened_case`),
    held first for them."""
    case = change_case_status(
        uow, tenant_id=tenant_id, case_id=case_id, action="reopen", actor=actor, now=now
    )
    requeue_reopened_case(uow, case, reopened_by=user_id, now=now)
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
