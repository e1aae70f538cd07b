"""Linking a conversation to another case of the same customer: "this chat is about C-12 again".

From now on the conversation serves that case: the agent's replies and the customer's next messages
join it, and the conversation's open work (its tasks) moves with it. Messages already written keep the
case they were written in, so each case's history stays what it was; the move itself is on the
customer's timeline (`conversation.linked`) and in the audit log.

The two cases follow, as the agent would make them by hand:
- a resolved case that a conversation is linked to is reopened: it has work again (the customer came
  back about it, which is what first-contact resolution counts);
- the case left behind, when no other conversation serves it any more, is resolved with the resolution
  code `linked`: it was opened for what turned out to be the other case, and left open its clocks would
  run on to a breach nobody can answer. A case that keeps other conversations stays as it is.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.cases.service import change_case_status, get_case
from omniline.channels.models import Channel
from omniline.conversations.models import Conversation
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.routing.models import Task
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.timeline.service import record_event

ACTIVE_TASK_STATUSES = ("open", "offered", "assigned")
LEFT_BEHIND_RESOLUTION = "linked"  # the resolution code of a case its last conversation left


@dataclass(frozen=True, slots=True)
class CaseLink:
    case: Case
    previous_case_id: uuid.UUID | None
    resolved_previous: Case | None  # the case left behind, when the link resolved it


def link_conversation_to_case(
    uow: UnitOfWork, *, actor: Actor, conversation: Conversation, case_id: uuid.UUID, now: datetime
) -> CaseLink:
    """NotFound for a case of another tenant; InvalidInput for a case of another customer; Conflict
    when the conversation already serves that case. Checked before anything changes."""
    session = uow.session
    case = get_case(session, actor.tenant_id, case_id)
    if case.customer_id != conversation.customer_id:
        raise InvalidInput(f"case C-{case.number} belongs to another customer")
    if conversation.case_id == case.id:
        raise Conflict(f"this conversation already serves case C-{case.number}")
    previous = session.get(Case, conversation.case_id) if conversation.case_id else None
    conversation.case_id = case.id
    case.updated_at = now
    session.execute(
        update(Task)
        .where(Task.conversation_id == conversation.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        .values(case_id=case.id),
        execution_options={"synchronize_session": False},
    )
    details = {
        "from_case_id": str(previous.id) if previous else None,
        "from_number": previous.number if previous else None,
        "to_number": case.number,
    }
    channel = session.get_one(Channel, conversation.channel_id)
    record_event(
        session,
        tenant_id=actor.tenant_id,
        customer_id=conversation.customer_id,
        type="conversation.linked",
        at=now,
        channel_id=channel.id,
        channel_kind=channel.kind,
        conversation_id=conversation.id,
        case_id=case.id,
        actor=actor.ref,
        data=details,
    )
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action="conversation.linked",
        subject_type="conversation",
        subject_id=conversation.id,
        data=details | {"to_case_id": str(case.id)},
    )
    session.flush()
    if case.status == "resolved":
        change_case_status(
            uow, tenant_id=actor.tenant_id, case_id=case.id, action="reopen", actor=actor.ref, now=now
        )
    if previous is None or not _left_empty(session, previous):
        return CaseLink(case, previous.id if previous else None, None)
    change_case_status(
        uow, tenant_id=actor.tenant_id, case_id=previous.id, action="resolve", actor=actor.ref, now=now
    )
    previous.resolution_code = LEFT_BEHIND_RESOLUTION
    return CaseLink(case, previous.id, previous)


def _left_empty(session: Session, case: Case) -> bool:
    """An unresolved case that no conversation serves any more."""
    if case.status == "resolved":
        return False
    return not session.scalar(select(exists().where(Conversation.case_id == case.id)))
