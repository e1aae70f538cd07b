"""Case use cases: attach a message to a case, resolve, reopen."""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.lifecycle import OPEN_STATUSES, CaseSummary, decide_case, next_status
from omniline.cases.models import Case
from omniline.conversations.models import Conversation
from omniline.kernel.errors import NotFound
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

CASE_EVENT_TYPES = {
    "resolve": "case.resolved",
    "reopen": "case.reopened",
    "wait": "case.pending",
    "resume": "case.resumed",
}


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(case.id, case.status, case.updated_at, case.resolved_at)


def attach_to_case(
    session: Session, *, conversation: Conversation, subject: str | None, now: datetime, may_open: bool = True
) -> tuple[Case | None, str | None]:
    """Put the conversation on a case; returns the case and "opened", "reopened" or None.

    With `may_open` False (auto-replies, bounces) the message only joins a case that is already open:
    no case is opened or reopened, and the result may be (None, None).
    """
    current = session.get(Case, conversation.case_id) if conversation.case_id else None
    if current is not None and current.customer_id != conversation.customer_id:
        current = None  # the case stayed with another customer after an unmerge
    open_cases = session.scalars(
        select(Case).where(Case.customer_id == conversation.customer_id, Case.status.in_(OPEN_STATUSES))
    ).all()
    decision = decide_case(
        _summary(current) if current else None, [_summary(case) for case in open_cases], now=now
    )
    change: str | None = None
    if not may_open and (decision.case_id is None or decision.reopen):
        return None, None
    if decision.case_id is None:
        case = Case(
            id=new_id(),
            tenant_id=conversation.tenant_id,
            number=allocate_case_number(session, conversation.tenant_id),
            customer_id=conversation.customer_id,
            status="open",
            subject=subject,
            opened_at=now,
            updated_at=now,
        )
        session.add(case)
        change = "opened"
    else:
        if current is not None and current.id == decision.case_id:
            case = current
        else:
            case = next(item for item in open_cases if item.id == decision.case_id)
        if decision.reopen:
            case.status = next_status(case.status, "reopen")
            case.resolved_at = None
            case.reopen_count += 1
            change = "reopened"
        case.updated_at = now
    conversation.case_id = case.id
    return case, change


def allocate_case_number(session: Session, tenant_id: uuid.UUID) -> int:
    """The tenant's next human case number (C-1, C-2, …); the row lock keeps numbers unique."""
    number = session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(case_counter=Tenant.case_counter + 1)
        .returning(Tenant.case_counter)
    ).scalar_one()
    return int(number)


def get_case(session: Session, tenant_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.tenant_id != tenant_id:
        raise NotFound(f"case {case_id} not found")
    return case


def change_case_status(
    session: Session, *, tenant_id: uuid.UUID, case_id: uuid.UUID, action: str, actor: str, now: datetime
) -> Case:
    """Resolve or reopen a case (Conflict if its status does not allow it), on the timeline and audited."""
    case = get_case(session, tenant_id, case_id)
    event_type = CASE_EVENT_TYPES[action]
    case.status = next_status(case.status, action)
    case.updated_at = now
    if action == "resolve":
        case.resolved_at = now
    elif action == "reopen":
        case.resolved_at = None
        case.reopen_count += 1
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
