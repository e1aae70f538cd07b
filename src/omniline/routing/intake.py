"""Routing an inbound message: classify → signals → facts → policy → record → SLA → queue → offer.

Runs inside the pipeline's transaction, right after the message is stored, for every channel. It only
routes when there is something to decide: a case opened or reopened, a case whose work was finished
while the case stayed open, or a topic that became known while the work still waits in a queue. A
message on a case an agent already holds changes nothing here (the agent sees it arrive).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import Team
from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.events import DomainEvent
from omniline.routing.calendar import is_open
from omniline.routing.dispatch import OPEN_WORK, dispatch, enqueue_work
from omniline.routing.models import Task
from omniline.routing.policy import Decision, Facts, Policy, decide
from omniline.routing.policy_store import load_policy
from omniline.routing.sla_service import load_business_hours, retarget_case_clocks, start_case_clocks
from omniline.settings import Settings
from omniline.taxonomy.classifier import classify_text
from omniline.taxonomy.language import detect_language
from omniline.taxonomy.models import Topic
from omniline.taxonomy.signals import assess_signals
from omniline.timeline.service import record_event

log = logging.getLogger(__name__)

ROUTING_ACTOR = "system:routing"
# Call events are routed by the telephony (an agent is already on the line, or a callback is owed);
# here they are classified and recorded, but put in no queue.
UNQUEUED_EVENTS_PREFIX = ("call.", "voicemail", "recording")


@dataclass(frozen=True, slots=True)
class InboundContext:
    """What intake needs to know about the message the pipeline just stored."""

    tenant_id: uuid.UUID
    case_id: uuid.UUID
    customer_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    channel_id: uuid.UUID
    channel_kind: str
    text: str
    event: str | None
    case_change: str | None  # "opened", "reopened" or None


def route_inbound_safely(
    uow: UnitOfWork, context: InboundContext, settings: Settings, *, now: datetime
) -> None:
    """Route, but never lose the message over it: a failure in classification or routing is logged,
    undone (savepoint) and noted on the case, and the message stays stored for an agent to pick up.
    Database errors still propagate, so the pipeline's retry on conflicting writes keeps working."""
    try:
        with uow.savepoint():
            route_inbound(uow, context, settings, now=now)
    except DBAPIError:
        raise
    except Exception as error:
        log.exception("routing failed for case %s", context.case_id)
        case = uow.session.get_one(Case, context.case_id)
        case.routing = {"error": f"{type(error).__name__}: {error}"[:500], "at": now.isoformat()}


def route_inbound(uow: UnitOfWork, context: InboundContext, settings: Settings, *, now: datetime) -> None:
    session = uow.session
    case = session.get_one(Case, context.case_id)
    language = detect_language(context.text)
    if case.language is None and language is not None:
        case.language = language
    topic_changed = _classify(session, case, context, settings, language=language, now=now)
    _apply_signals(case, context.text, language)

    active_task = _active_task(session, case.id)
    if active_task is not None:
        _follow_the_customer(active_task, context)
    waiting = active_task is not None and active_task.status == "open"
    must_route = (
        context.case_change is not None or active_task is None or (topic_changed and waiting)
    ) and case.status != "resolved"
    if not (must_route or context.case_change is not None or topic_changed):
        return  # a message on work already under way: nothing to decide, no clock to move
    topic = session.get(Topic, case.topic_id) if case.topic_id else None
    customer = session.get_one(Customer, context.customer_id)
    if context.case_change is not None or topic_changed:
        clocks = start_case_clocks if context.case_change is not None else retarget_case_clocks
        clocks(
            session,
            tenant_id=context.tenant_id,
            case_id=case.id,
            topic=topic,
            channel_kind=context.channel_kind,
            customer_tier=customer.tier,
            now=now,
        )
    if not must_route:
        return

    policy = load_policy(session, context.tenant_id)
    facts = _facts(session, case, topic, customer, context, policy, language=language, now=now)
    case.repeat_contact = case.repeat_contact or facts.repeat_contact
    decision = decide(policy, facts)
    _record_decision(uow, case, context, decision, topic, now=now)
    if context.event is not None and context.event.startswith(UNQUEUED_EVENTS_PREFIX):
        return
    _queue_work(session, case, context, decision, topic, policy.default_queue, language=language, now=now)
    dispatch(uow, context.tenant_id, now=now)


def _classify(
    session: Session,
    case: Case,
    context: InboundContext,
    settings: Settings,
    *,
    language: str | None,
    now: datetime,
) -> bool:
    """Set the case's topic from this message unless an agent confirmed one. True when it changed."""
    if case.topic_confirmed or not context.text.strip():
        return False
    result = classify_text(
        session,
        context.tenant_id,
        context.text,
        language=language,
        min_confidence=settings.classifier_min_confidence,
    )
    if result.topic_code is None:
        return False
    if case.topic_id is not None and (case.topic_confidence or 0.0) >= result.confidence:
        return False
    topic = session.scalar(
        select(Topic).where(
            Topic.tenant_id == context.tenant_id, Topic.code == result.topic_code, Topic.is_active
        )
    )
    if topic is None or topic.id == case.topic_id:
        return False
    case.topic_id = topic.id
    case.topic_source = result.source
    case.topic_confidence = round(result.confidence, 4)
    _record(
        session,
        context,
        "case.classified",
        now=now,
        data={
            "topic": result.topic_code,
            "source": result.source,
            "confidence": round(result.confidence, 4),
            "candidates": [[code, round(score, 4)] for code, score in result.candidates[:3]],
        },
    )
    return True


def _apply_signals(case: Case, text: str, language: str | None) -> None:
    """Negative sentiment and high urgency stick to the case once seen: one calm line does not undo
    an angry one."""
    signals = assess_signals(text, language)
    if case.sentiment != "negative":
        case.sentiment = signals.sentiment
    if case.urgency != "high":
        case.urgency = signals.urgency


def _facts(
    session: Session,
    case: Case,
    topic: Topic | None,
    customer: Customer,
    context: InboundContext,
    policy: Policy,
    *,
    language: str | None,
    now: datetime,
) -> Facts:
    window = policy.repeat_window
    contacts = (
        session.scalar(
            select(func.count(Case.id)).where(
                Case.customer_id == customer.id, Case.opened_at >= now - timedelta(days=window.days)
            )
        )
        or 0
    )
    reopened = case.reopen_count > 0
    return Facts(
        topic_code=topic.code if topic else None,
        topic_tags=frozenset(topic.tags) if topic else frozenset(),
        risk=topic.risk if topic else None,
        complexity=topic.complexity if topic else None,
        self_service=bool(topic and topic.self_service),
        topic_skills=tuple(topic.skills) if topic else (),
        customer_tier=customer.tier,
        customer_value=customer.value,
        channel_kind=context.channel_kind,
        language=case.language or language,
        sentiment=case.sentiment,
        urgency=case.urgency,
        in_business_hours=is_open(load_business_hours(session, context.tenant_id), now),
        repeat_contact=reopened or contacts >= window.contacts,
        case_reopened=reopened,
        contacts_in_window=contacts,
    )


def _record_decision(
    uow: UnitOfWork,
    case: Case,
    context: InboundContext,
    decision: Decision,
    topic: Topic | None,
    *,
    now: datetime,
) -> None:
    details: dict[str, Any] = {
        "rule": decision.rule,
        "destination": decision.destination,
        "target": decision.target,
        "priority": decision.priority,
        "skills": list(decision.skills),
        "reasons": list(decision.reasons),
        "matched": list(decision.matched),
        "topic": topic.code if topic else None,
        "at": now.isoformat(),
    }
    case.routing = details
    case.priority = max(case.priority, decision.priority)
    case.queue = decision.target if decision.destination in ("queue", "bot", "callback") else case.queue
    _record(uow.session, context, "case.routed", now=now, data=details)
    uow.emit(
        DomainEvent(
            "case.routed", context.tenant_id, {"case_id": str(case.id), "number": case.number, **details}
        )
    )


def _queue_work(
    session: Session,
    case: Case,
    context: InboundContext,
    decision: Decision,
    topic: Topic | None,
    default_queue: str,
    *,
    language: str | None,
    now: datetime,
) -> Task:
    team_id = None
    sticky_user_id = None
    queue = decision.target
    if decision.destination == "team":
        team_id = session.scalar(
            select(Team.id).where(Team.tenant_id == context.tenant_id, Team.name == decision.target)
        )
        queue = case.queue or default_queue
    elif decision.destination == "agent":
        sticky_user_id = session.scalar(
            select(User.id).where(
                User.tenant_id == context.tenant_id, User.email == decision.target.casefold()
            )
        )
        queue = case.queue or default_queue
    skills = sorted(set(topic.skills if topic else ()) | set(decision.skills))
    return enqueue_work(
        session,
        tenant_id=context.tenant_id,
        kind="callback" if decision.destination == "callback" else "conversation",
        queue=queue,
        priority=case.priority,
        reason=f"routed:{decision.rule}",
        customer_id=context.customer_id,
        case_id=case.id,
        conversation_id=context.conversation_id,
        message_id=context.message_id,
        channel_kind="voice" if decision.destination == "callback" else context.channel_kind,
        language=case.language or language,
        skills=skills,
        team_id=team_id,
        sticky_user_id=sticky_user_id,
        due_at=now,
        now=now,
    )


def _record(
    session: Session, context: InboundContext, type: str, *, now: datetime, data: dict[str, Any]
) -> None:
    """A routing step on the timeline, beside the message that caused it."""
    record_event(
        session,
        tenant_id=context.tenant_id,
        customer_id=context.customer_id,
        type=type,
        at=now,
        channel_id=context.channel_id,
        channel_kind=context.channel_kind,
        conversation_id=context.conversation_id,
        case_id=context.case_id,
        message_id=context.message_id,
        actor=ROUTING_ACTOR,
        data=data,
    )


def _follow_the_customer(task: Task, context: InboundContext) -> None:
    """The case's work points at the conversation the customer wrote in last: when Anna, whose mail
    waits in the queue, opens the site chat, the agent is offered (or holds) the chat, where she is now,
    not the mail. Call events stay with the telephony (the call is answered there)."""
    if task.kind != "conversation" or task.conversation_id == context.conversation_id:
        return
    if context.event is not None and context.event.startswith(UNQUEUED_EVENTS_PREFIX):
        return
    task.conversation_id = context.conversation_id
    task.message_id = context.message_id
    task.channel_kind = context.channel_kind


def _active_task(session: Session, case_id: uuid.UUID) -> Task | None:
    return session.scalar(
        select(Task)
        .where(Task.case_id == case_id, Task.status.in_(OPEN_WORK))
        .order_by(Task.created_at.desc())
        .limit(1)
    )
