"""Routing an inbound message: classify → signals → facts → policy → record → SLA → queue → offer.

Runs inside the pipeline's transaction, right after the message is stored, for every channel. It only
routes when there is something to decide: a case opened or reopened, a case whose work was finished
while the case stayed open, or a topic that became known while the work still waits in a queue. A
message on a case an agent already holds changes nothing here (the agent sees it arrive).
"""

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Uuid, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import Team
from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsUpdate, one_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.db.write_behind import keyed_read
from omniline.kernel.clock import utcnow
from omniline.kernel.events import DomainEvent
from omniline.routing.calendar import is_open
from omniline.routing.dispatch import OPEN_WORK, dispatch, enqueue_work
from omniline.routing.models import Task
from omniline.routing.policy import Decision, Facts, Policy, decide
from omniline.routing.policy_store import load_policy
from omniline.routing.sla_service import load_business_hours, retarget_case_clocks, start_case_clocks
from omniline.settings import Settings
from omniline.taxonomy.classifier import Classification, classify_text
from omniline.taxonomy.language import detect_language
from omniline.taxonomy.models import Topic
from omniline.taxonomy.signals import Signals, assess_signals
from omniline.timeline.models import TimelineEvent
from omniline.timeline.service import timeline_row

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
) -> Case | None:
    """Route, but never lose the message over it: a failure in classification or routing is logged,
    undone (savepoint) and noted on the case, and the message stays stored for an agent to pick up.
    Database errors still propagate, so the pipeline's retry on conflicting writes keeps working.

    Returns the case when it was loaded to decide on it (the caller may describe it without reading
    it again), else None."""
    try:
        plan = _plan(uow.session, context, settings)
        if not plan.decides:
            _note_work_under_way(uow.session, context, plan)
            return None
        with uow.savepoint():
            return _route(uow, context, plan, now=now)
    except DBAPIError:
        raise
    except Exception as error:
        log.exception("routing failed for case %s", context.case_id)
        case = uow.session.get_one(Case, context.case_id)
        case.routing = {"error": f"{type(error).__name__}: {error}"[:500], "at": now.isoformat()}
        return case


@dataclass(frozen=True, slots=True)
class IntakePlan:
    """What intake learnt from the message and the case before it writes anything."""

    case_change: str | None
    state: "CaseState"
    work: "WorkState | None"
    language: str | None
    topic: "TopicChoice | None"
    signals: Signals
    must_route: bool

    @property
    def decides(self) -> bool:
        """Whether there is anything to decide: route the work, or start or move the clocks. When
        not, the message joins work already under way, the common case."""
        return self.must_route or self.state_changes_clocks

    @property
    def state_changes_clocks(self) -> bool:
        return self.case_change is not None or self.topic is not None


def _plan(session: Session, context: InboundContext, settings: Settings) -> IntakePlan:
    """Reads only: the case and its open work (one statement), the language, topic and signals."""
    # What this unit of work changed as objects is written first: the state is read by a statement.
    session.flush()
    state, work = _read_case_and_work(session, context)
    return plan_intake(
        session, context, settings, state, work, topic_of=functools.partial(active_topic, session)
    )


TopicLookup = Callable[[uuid.UUID, str], "Topic | None"]


def plan_intake(
    session: Session,
    context: InboundContext,
    settings: Settings,
    state: "CaseState",
    work: "WorkState | None",
    *,
    topic_of: TopicLookup,
) -> IntakePlan:
    """What intake makes of the message, given the case's state and open work as read before; reads
    only (the classifier's rules, through `topic_of` the topic it names)."""
    language = detect_language(context.text)
    topic = _classify(session, state, context, settings, language=language, topic_of=topic_of)
    waiting = work is not None and work.status == "open"
    must_route = (
        context.case_change is not None or work is None or (topic is not None and waiting)
    ) and state.status != "resolved"
    signals = assess_signals(context.text, language)
    return IntakePlan(context.case_change, state, work, language, topic, signals, must_route)


def active_topic(session: Session, tenant_id: uuid.UUID, code: str) -> Topic | None:
    return session.scalar(
        select(Topic).where(Topic.tenant_id == tenant_id, Topic.code == code, Topic.is_active)
    )


def _note_work_under_way(session: Session, context: InboundContext, plan: IntakePlan) -> None:
    """No clock to move and nothing to decide: at most two light statements, no object loaded."""
    _note_case(session, context.case_id, plan.state, plan.language, plan.signals)
    if plan.work is not None and follows_the_customer(plan.work, context):
        _point_work_at(session, plan.work.id, context)


def _route(uow: UnitOfWork, context: InboundContext, plan: IntakePlan, *, now: datetime) -> Case:
    # Nothing read on the way to the decision depends on the case's own pending changes (its notes,
    # topic, routing): they are written in one flush, when dispatch looks for waiting work, rather than
    # before every query.
    with uow.session.no_autoflush:
        case, queued = _decide(uow, context, plan, now=now)
    if queued:
        dispatch(uow, context.tenant_id, now=now)
    return case


def _decide(
    uow: UnitOfWork, context: InboundContext, plan: IntakePlan, *, now: datetime
) -> tuple[Case, bool]:
    """Clocks, the routing decision and the queued work; whether work was queued."""
    session = uow.session
    case = session.get_one(Case, context.case_id)
    case.language, case.sentiment, case.urgency = noted_case(plan.state, plan.language, plan.signals)
    if plan.topic is not None:
        _apply_topic(session, case, context, plan.topic, now=now)
    if plan.work is not None and follows_the_customer(plan.work, context):
        _point_work_at(session, plan.work.id, context)
    customer = session.get_one(Customer, context.customer_id)
    topic = plan.topic.row if plan.topic else _case_topic(session, case)
    if plan.state_changes_clocks:
        clocks: Callable[..., object] = retarget_case_clocks
        if context.case_change is not None:
            clocks = functools.partial(start_case_clocks, opened_now=context.case_change == "opened")
        clocks(
            session,
            tenant_id=context.tenant_id,
            case_id=case.id,
            topic=topic,
            channel_kind=context.channel_kind,
            customer_tier=customer.tier,
            now=now,
        )
    if not plan.must_route:
        return case, False

    policy = load_policy(session, context.tenant_id)
    facts = _facts(session, case, topic, customer, context, policy, language=plan.language, now=now)
    case.repeat_contact = case.repeat_contact or facts.repeat_contact
    decision = decide(policy, facts)
    _record_decision(uow, case, context, decision, topic, now=now)
    if context.event is not None and context.event.startswith(UNQUEUED_EVENTS_PREFIX):
        return case, False
    _queue_work(session, case, context, decision, topic, policy, plan, now=now)
    return case, True


@dataclass(frozen=True, slots=True)
class CaseState:
    """What intake reads of the case before it knows whether anything is to be decided."""

    status: str
    language: str | None
    topic_id: uuid.UUID | None
    topic_confidence: float | None
    topic_confirmed: bool
    sentiment: str | None
    urgency: str | None


@dataclass(frozen=True, slots=True)
class WorkState:
    """The case's newest unfinished task."""

    id: uuid.UUID
    kind: str
    status: str
    conversation_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """A topic the classifier put ahead of the case's current one."""

    row: Topic
    classification: Classification


CASES = table_of(Case)
TASKS = table_of(Task)
_STATE_AND_WORK_COLUMNS = (
    CASES.c.status,
    CASES.c.language,
    CASES.c.topic_id,
    CASES.c.topic_confidence,
    CASES.c.topic_confirmed,
    CASES.c.sentiment,
    CASES.c.urgency,
    TASKS.c.id,
    TASKS.c.kind,
    TASKS.c.status,
    TASKS.c.conversation_id,
)
_WITH_OPEN_WORK = CASES.outerjoin(
    TASKS, and_(TASKS.c.case_id == CASES.c.id, or_(*(TASKS.c.status == status for status in OPEN_WORK)))
)
# The case and its newest unfinished task in one statement (no task: one row with NULLs for it).
CASE_AND_WORK = (
    select(*_STATE_AND_WORK_COLUMNS)
    .select_from(_WITH_OPEN_WORK)
    .where(CASES.c.id == bindparam("case_id", type_=Uuid()))
    .order_by(TASKS.c.created_at.desc())
    .limit(1)
)
# The same for several cases: every open task of each, with the case id and the task's age after the
# columns above (the newest is chosen by the caller).
# A keyed read: the cases a run has just opened (held back, db/write_behind.py) are not among them.
CASE_AND_WORK_OF_MANY = keyed_read(
    select(*_STATE_AND_WORK_COLUMNS, CASES.c.id, TASKS.c.created_at)
    .select_from(_WITH_OPEN_WORK)
    .where(one_of(CASES.c.id, "case_ids")),
    table=CASES.name,
    key="case_ids",
)
NOTE_CASE = RowsUpdate(
    lambda p: (
        update(CASES)
        .where(CASES.c.id == p.case_id)
        .values(language=p.language, sentiment=p.sentiment, urgency=p.urgency, updated_at=p.now)
    ),
    key="case_id",
    case_id=Uuid(),
    language=CASES.c.language.type,
    sentiment=CASES.c.sentiment.type,
    urgency=CASES.c.urgency.type,
    now=UTCDateTime(),
)
POINT_WORK = RowsUpdate(
    lambda p: (
        update(TASKS)
        .where(TASKS.c.id == p.task_id)
        .values(conversation_id=p.conversation_id, message_id=p.message_id, channel_kind=p.channel_kind)
    ),
    key="task_id",
    task_id=Uuid(),
    conversation_id=Uuid(),
    message_id=Uuid(),
    channel_kind=TASKS.c.channel_kind.type,
)


def _read_case_and_work(session: Session, context: InboundContext) -> tuple[CaseState, WorkState | None]:
    row = session.connection().execute(CASE_AND_WORK, {"case_id": context.case_id}).one()
    work = WorkState(*row[7:]) if row[7] is not None else None
    return CaseState(*row[:7]), work


def _loaded(session: Session, model: type[Case] | type[Task], id: uuid.UUID) -> Case | Task | None:
    """The object when this unit of work holds it: then changes go through it, not past it."""
    return session.identity_map.get(session.identity_key(model, id))


def noted_case(
    state: CaseState, language: str | None, signals: Signals
) -> tuple[str | None, str | None, str | None]:
    """The case's language, sentiment and urgency after this message. Negative sentiment and high
    urgency stick to the case once seen: one calm line does not undo an angry one."""
    return (
        state.language if state.language is not None else language,
        state.sentiment if state.sentiment == "negative" else signals.sentiment,
        state.urgency if state.urgency == "high" else signals.urgency,
    )


def _note_case(
    session: Session, case_id: uuid.UUID, state: CaseState, language: str | None, signals: Signals
) -> None:
    note = case_note(case_id, state, language, signals)
    if note is None:
        return
    case = _loaded(session, Case, case_id)
    if isinstance(case, Case):
        case.language, case.sentiment, case.urgency = note["language"], note["sentiment"], note["urgency"]
        return
    NOTE_CASE.execute(session.connection(), [note])


def case_note(
    case_id: uuid.UUID, state: CaseState, language: str | None, signals: Signals
) -> dict[str, Any] | None:
    """`NOTE_CASE`'s parameters when this message changes the case's language, sentiment or urgency,
    else None."""
    noted = noted_case(state, language, signals)
    if noted == (state.language, state.sentiment, state.urgency):
        return None
    return {
        "case_id": case_id,
        "language": noted[0],
        "sentiment": noted[1],
        "urgency": noted[2],
        "now": utcnow(),
    }


def _classify(
    session: Session,
    state: CaseState,
    context: InboundContext,
    settings: Settings,
    *,
    language: str | None,
    topic_of: TopicLookup,
) -> TopicChoice | None:
    """The topic this message gives the case, unless an agent confirmed one or the case already has
    this one or a surer one. Reads only."""
    if state.topic_confirmed or not context.text.strip():
        return None
    result = classify_text(
        session,
        context.tenant_id,
        context.text,
        language=language,
        min_confidence=settings.classifier_min_confidence,
    )
    if result.topic_code is None:
        return None
    if state.topic_id is not None and (state.topic_confidence or 0.0) >= result.confidence:
        return None
    topic = topic_of(context.tenant_id, result.topic_code)
    if topic is None or topic.id == state.topic_id:
        return None
    return TopicChoice(topic, result)


def _apply_topic(
    session: Session, case: Case, context: InboundContext, choice: TopicChoice, *, now: datetime
) -> None:
    result = choice.classification
    case.topic_id = choice.row.id
    case.topic_source = result.source
    case.topic_confidence = round(result.confidence, 4)
    _record(session, context, "case.classified", now=now, data=classified_data(result))


def classified_data(result: Classification) -> dict[str, Any]:
    """What the `case.classified` event says."""
    return {
        "topic": result.topic_code,
        "source": result.source,
        "confidence": round(result.confidence, 4),
        "candidates": [[code, round(score, 4)] for code, score in result.candidates[:3]],
    }


def _case_topic(session: Session, case: Case) -> Topic | None:
    return session.get(Topic, case.topic_id) if case.topic_id else None


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
    return routing_facts(
        RoutedCase(case.reopen_count, case.language or language, case.sentiment, case.urgency),
        topic,
        CustomerStanding(customer.tier, customer.value),
        context.channel_kind,
        policy,
        contacts=contacts,
        in_business_hours=is_open(load_business_hours(session, context.tenant_id), now),
    )


@dataclass(frozen=True, slots=True)
class RoutedCase:
    """What the policy reads of the case being routed."""

    reopen_count: int
    language: str | None
    sentiment: str | None
    urgency: str | None


@dataclass(frozen=True, slots=True)
class CustomerStanding:
    tier: str
    value: float


def routing_facts(
    case: RoutedCase,
    topic: Topic | None,
    customer: CustomerStanding,
    channel_kind: str,
    policy: Policy,
    *,
    contacts: int,
    in_business_hours: bool,
) -> Facts:
    """The facts the policy decides on (pure): `contacts` is the customer's cases opened within the
    policy's repeat window, this one included."""
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
        channel_kind=channel_kind,
        language=case.language,
        sentiment=case.sentiment,
        urgency=case.urgency,
        in_business_hours=in_business_hours,
        repeat_contact=reopened or contacts >= policy.repeat_window.contacts,
        case_reopened=reopened,
        contacts_in_window=contacts,
    )


def decision_details(decision: Decision, topic: Topic | None, *, now: datetime) -> dict[str, Any]:
    """The decision as the case keeps it (`routing`) and as `case.routed` tells it."""
    return {
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


def routed_queue(decision: Decision, current: str | None) -> str | None:
    """The case's queue after the decision: a team or agent destination leaves it as it was."""
    return decision.target if decision.destination in ("queue", "bot", "callback") else current


def _record_decision(
    uow: UnitOfWork,
    case: Case,
    context: InboundContext,
    decision: Decision,
    topic: Topic | None,
    *,
    now: datetime,
) -> None:
    details = decision_details(decision, topic, now=now)
    case.routing = details
    case.priority = max(case.priority, decision.priority)
    case.queue = routed_queue(decision, case.queue)
    _record(uow.session, context, "case.routed", now=now, data=details)
    uow.emit(routed_announcement(context.tenant_id, case.id, case.number, details))


def routed_announcement(
    tenant_id: uuid.UUID, case_id: uuid.UUID, number: int, details: dict[str, Any]
) -> DomainEvent:
    """`case.routed` for the agents' feed."""
    return DomainEvent("case.routed", tenant_id, {"case_id": str(case_id), "number": number, **details})


@dataclass(frozen=True, slots=True)
class WorkDestination:
    """Where the routed work waits: its queue, and the team or agent the decision named."""

    kind: str  # conversation | callback
    queue: str
    team_id: uuid.UUID | None
    sticky_user_id: uuid.UUID | None
    skills: list[str]
    channel_kind: str


def work_destination(
    session: Session,
    context: InboundContext,
    decision: Decision,
    topic: Topic | None,
    *,
    case_queue: str | None,
    default_queue: str,
) -> WorkDestination:
    """Reads the team or agent a decision names; a queue decision reads nothing."""
    team_id = None
    sticky_user_id = None
    queue = decision.target
    if decision.destination == "team":
        team_id = session.scalar(
            select(Team.id).where(Team.tenant_id == context.tenant_id, Team.name == decision.target)
        )
        queue = case_queue or default_queue
    elif decision.destination == "agent":
        sticky_user_id = session.scalar(
            select(User.id).where(
                User.tenant_id == context.tenant_id, User.email == decision.target.casefold()
            )
        )
        queue = case_queue or default_queue
    callback = decision.destination == "callback"
    return WorkDestination(
        kind="callback" if callback else "conversation",
        queue=queue,
        team_id=team_id,
        sticky_user_id=sticky_user_id,
        skills=sorted(set(topic.skills if topic else ()) | set(decision.skills)),
        channel_kind="voice" if callback else context.channel_kind,
    )


def _queue_work(
    session: Session,
    case: Case,
    context: InboundContext,
    decision: Decision,
    topic: Topic | None,
    policy: Policy,
    plan: IntakePlan,
    *,
    now: datetime,
) -> Task:
    where = work_destination(
        session, context, decision, topic, case_queue=case.queue, default_queue=policy.default_queue
    )
    return enqueue_work(
        session,
        tenant_id=context.tenant_id,
        kind=where.kind,
        queue=where.queue,
        priority=case.priority,
        reason=f"routed:{decision.rule}",
        customer_id=context.customer_id,
        case_id=case.id,
        conversation_id=context.conversation_id,
        message_id=context.message_id,
        channel_kind=where.channel_kind,
        language=case.language or plan.language,
        skills=where.skills,
        team_id=where.team_id,
        sticky_user_id=where.sticky_user_id,
        sticky=decision.sticky,
        due_at=now,
        now=now,
        case_without_work=plan.work is None,
    )


def _record(
    session: Session, context: InboundContext, type: str, *, now: datetime, data: dict[str, Any]
) -> None:
    session.add(TimelineEvent(**routing_event_row(context, type, now=now, data=data)))


def routing_event_row(
    context: InboundContext, type: str, *, now: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """A routing step on the timeline, beside the message that caused it."""
    return timeline_row(
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


def follows_the_customer(work: WorkState, context: InboundContext) -> bool:
    """The case's work points at the conversation the customer wrote in last: when Anna, whose mail
    waits in the queue, opens the site chat, the agent is offered (or holds) the chat, where she is now,
    not the mail. Call events stay with the telephony (the call is answered there)."""
    if work.kind != "conversation" or work.conversation_id == context.conversation_id:
        return False
    return context.event is None or not context.event.startswith(UNQUEUED_EVENTS_PREFIX)


def _point_work_at(session: Session, task_id: uuid.UUID, context: InboundContext) -> None:
    pointer = work_pointer(task_id, context)
    task = _loaded(session, Task, task_id)
    if isinstance(task, Task):
        task.conversation_id = context.conversation_id
        task.message_id = context.message_id
        task.channel_kind = context.channel_kind
        return
    POINT_WORK.execute(session.connection(), [pointer])


def work_pointer(task_id: uuid.UUID, context: InboundContext) -> dict[str, Any]:
    """`POINT_WORK`'s parameters: the task follows the customer to this message's conversation."""
    return {
        "task_id": task_id,
        "conversation_id": context.conversation_id,
        "message_id": context.message_id,
        "channel_kind": context.channel_kind,
    }
