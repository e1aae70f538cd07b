"""An agent's answer to an offer: accept (the work is theirs), reject, or let it time out (the work
goes to the next agent; two misses in a row pause the agent)."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.agents.presence import work_taken
from omniline.agents.repository import load_of, lock_profile
from omniline.agents.service import apply_presence, presence_of
from omniline.cases.models import Case
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import Conflict, NotFound
from omniline.kernel.events import DomainEvent
from omniline.routing.dispatch import agent_state, dispatch, end_offer, record_task_event
from omniline.routing.models import Offer, Task
from omniline.routing.service import task_view
from omniline.security.access import Actor
from omniline.security.audit import record_audit


def accept_offer(uow: UnitOfWork, *, actor: Actor, offer_id: uuid.UUID, now: datetime) -> Task:
    """The agent takes the offered task: it is theirs (and the case's agent is them); they are busy when
    it fills their capacity. NotFound for someone else's offer; Conflict when it is no longer pending."""
    session = uow.session
    offer = _own_pending_offer(session, actor, offer_id, now)
    task = session.scalars(select(Task).where(Task.id == offer.task_id).with_for_update()).one()
    offer.status = "accepted"
    offer.responded_at = now
    task.status = "assigned"
    task.assigned_user_id = actor.user_id
    task.assigned_at = now
    if task.case_id is not None:
        case = session.get_one(Case, task.case_id)
        case.assigned_user_id = actor.user_id
        case.queue = task.queue
    profile = lock_profile(session, actor.user_id)
    if profile is not None:
        profile.missed_offers = 0
        load = load_of(session, task.tenant_id, actor.user_id)
        full = agent_state(profile, load).at_capacity()
        apply_presence(uow, profile, work_taken(presence_of(profile), at_capacity=full, now=now))
    details = {"task_id": str(task.id), "offer_id": str(offer.id), "queue": task.queue}
    record_task_event(
        session,
        task,
        "case.assigned" if task.case_id else "task.assigned",
        now,
        actor.ref,
        details | {"user_id": str(actor.user_id)},
    )
    record_audit(
        session,
        tenant_id=task.tenant_id,
        actor=actor.ref,
        action="offer.accepted",
        subject_type="task",
        subject_id=task.id,
        data=details,
    )
    uow.emit(
        DomainEvent("task.assigned", task.tenant_id, {"user_id": str(actor.user_id), "task": task_view(task)})
    )
    return task


def reject_offer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    offer_id: uuid.UUID,
    now: datetime,
) -> Task:
    """The agent refuses: the task goes back to open and to the next agent (never them again); a second
    refusal or timeout in a row pauses them. Same errors as `accept_offer`."""
    offer = _own_pending_offer(uow.session, actor, offer_id, now)
    task = end_offer(uow, offer, "rejected", now)
    record_audit(
        uow.session,
        tenant_id=task.tenant_id,
        actor=actor.ref,
        action="offer.rejected",
        subject_type="task",
        subject_id=task.id,
        data={"offer_id": str(offer.id)},
    )
    dispatch(uow, task.tenant_id, now=now)
    return task


def expire_offers(
    uow: UnitOfWork,
    *,
    now: datetime,
) -> list[Offer]:
    """End every pending offer past its time (every tenant), counting a miss for its agent, and offer
    the tasks again. Returns the expired offers."""
    expired = list(
        uow.session.scalars(
            select(Offer)
            .where(Offer.status == "pending", Offer.expires_at <= now)
            .order_by(Offer.expires_at)
            .with_for_update(skip_locked=True)
        )
    )
    for offer in expired:
        end_offer(uow, offer, "expired", now)
    for tenant_id in sorted({offer.tenant_id for offer in expired}):
        dispatch(uow, tenant_id, now=now)
    return expired


def list_pending_offers(
    session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID | None
) -> list[tuple[Offer, Task]]:
    query = (
        select(Offer, Task)
        .join(Task, Task.id == Offer.task_id)
        .where(Offer.tenant_id == tenant_id, Offer.status == "pending")
        .order_by(Offer.offered_at, Offer.id)
    )
    if user_id is not None:
        query = query.where(Offer.user_id == user_id)
    return [(row[0], row[1]) for row in session.execute(query)]


def _own_pending_offer(session: Session, actor: Actor, offer_id: uuid.UUID, now: datetime) -> Offer:
    offer = session.scalars(select(Offer).where(Offer.id == offer_id).with_for_update()).first()
    if offer is None or offer.tenant_id != actor.tenant_id or offer.user_id != actor.user_id:
        raise NotFound(f"offer {offer_id} not found")
    if offer.status != "pending":
        raise Conflict(f"the offer is already {offer.status}")
    if offer.expires_at <= now:
        raise Conflict("the offer expired")
    return offer
