"""Routing a run of messages that the pipeline stored together (pipeline/batch.py).

Each message is planned as `intake.route_inbound_safely` plans it, but the reads are done once for the
run: the cases and their open work in one statement, each topic once. Then:
- **work under way** (the common case): the cases' notes, and the work that follows the customer to a
  new conversation, take one UPDATE statement each for the whole run;
- **cases the run opened**: the decision is made as intake makes it, with the same pure functions
  (`routing_facts`, `decide`, `sla_targets`, `work_row`). Each kind of fact is read once for all of
  them, each kind of row (clocks, events, tasks, the cases' routing) is written in one statement, and
  dispatch runs once;
- **anything else** goes down intake's own road, one message at a time: a reopened case, a topic that
  changes while the work waits, work finished on a case still open, a call event, or a message whose
  planning failed (intake then notes the failure on its case).

The cases of a run all differ (the pipeline makes sure of it), so no message's routing reads what
another one's writes.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Uuid, bindparam, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.clock import utcnow
from omniline.kernel.events import DomainEvent
from omniline.routing.assignment import QueueRules
from omniline.routing.calendar import BusinessHours, is_open
from omniline.routing.dispatch import LastAgent, dispatch, last_agents, queue_rules_named, work_row
from omniline.routing.intake import (
    CASE_AND_WORK_OF_MANY,
    NOTE_CASE,
    POINT_WORK,
    CaseState,
    CustomerStanding,
    InboundContext,
    IntakePlan,
    RoutedCase,
    WorkState,
    active_topic,
    case_note,
    classified_data,
    decision_details,
    follows_the_customer,
    noted_case,
    plan_intake,
    route_inbound_safely,
    routed_announcement,
    routed_queue,
    routing_event_row,
    routing_facts,
    work_destination,
    work_pointer,
)
from omniline.routing.models import SlaClock, Task
from omniline.routing.policy import Policy, decide
from omniline.routing.policy_store import load_policy
from omniline.routing.sla import CLOCK_KINDS, channel_class, sla_targets
from omniline.routing.sla_service import clock_row, load_business_hours
from omniline.settings import Settings
from omniline.taxonomy.models import Topic
from omniline.timeline.service import insert_events

log = logging.getLogger(__name__)

# A case opened by this message: nothing known of it yet, no clocks, no work.
FRESH_CASE = CaseState("open", None, None, None, False, None, None)

_CASES = table_of(Case)
_ROUTED_COLUMNS = (
    "language",
    "sentiment",
    "urgency",
    "topic_id",
    "topic_source",
    "topic_confidence",
    "repeat_contact",
    "routing",
    "priority",
    "queue",
    "updated_at",
)
_ROUTED = RowsUpdate(
    lambda p: (
        update(_CASES)
        .where(_CASES.c.id == p.case_id)
        .values({name: getattr(p, name) for name in _ROUTED_COLUMNS})
    ),
    key="case_id",
    case_id=Uuid(),
    **{name: _CASES.c[name].type for name in _ROUTED_COLUMNS},
)
_INSERT_CLOCKS = RowsInsert(table_of(SlaClock))
_INSERT_TASKS = RowsInsert(table_of(Task))
_STANDINGS = select(Customer.id, Customer.tier, Customer.value).where(one_of(Customer.id, "customer_ids"))
_CUSTOMER_COLUMNS = table_of(Customer).c
# What a customer is inserted with (the columns' defaults): the standing routing reads of a new one.
NEW_CUSTOMER = CustomerStanding(_CUSTOMER_COLUMNS.tier.default.arg, _CUSTOMER_COLUMNS.value.default.arg)  # type: ignore[union-attr]
_CONTACTS = (
    select(Case.customer_id, func.count(Case.id))
    .where(
        one_of(Case.customer_id, "customer_ids"),
        Case.opened_at >= bindparam("since", type_=UTCDateTime()),
    )
    .group_by(Case.customer_id)
)


def route_run(
    uow: UnitOfWork,
    contexts: list[InboundContext],
    settings: Settings,
    *,
    now: datetime,
    opened: dict[uuid.UUID, SimpleNamespace],
    new_customers: set[uuid.UUID] | frozenset[uuid.UUID],
    events: list[dict[str, Any]],
) -> dict[uuid.UUID, Any]:
    """Route the run's messages (each on another case). `opened` holds the cases the run opened, as
    `cases.views.fresh_case` describes them; routing fills in what it decides. `new_customers` were
    created by the run: nothing about them is read, it is known. `events`: timeline rows the caller
    has not written yet (the messages' own), written in one statement with routing's. Returns, per
    case routing described, the case as it now stands (a Case, or the `opened` entry) for its view."""
    session = uow.session
    states = _cases_and_work(session, [item.case_id for item in contexts if item.case_change != "opened"])
    topics = _Topics(session)
    notes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    fresh: list[tuple[InboundContext, IntakePlan]] = []
    alone: list[InboundContext] = []
    for context in contexts:
        state, work = (FRESH_CASE, None) if context.case_change == "opened" else states[context.case_id]
        try:
            plan = plan_intake(session, context, settings, state, work, topic_of=topics.get)
        except DBAPIError:
            raise
        except Exception:  # intake's own road plans it again, and notes the failure on the case
            alone.append(context)
            continue
        if not plan.decides:
            note = case_note(context.case_id, plan.state, plan.language, plan.signals)
            if note is not None:
                notes.append(note)
            if work is not None and follows_the_customer(work, context):
                points.append(work_pointer(work.id, context))
        elif context.case_change == "opened" and context.event is None and context.case_id in opened:
            fresh.append((context, plan))
        else:
            alone.append(context)
    connection = session.connection()
    NOTE_CASE.execute(connection, notes)
    POINT_WORK.execute(connection, points)
    routed: dict[uuid.UUID, Any] = {}
    if fresh:
        routed |= _route_opened(uow, fresh, alone, opened, new_customers, events, now=now)
    else:
        insert_events(session, events)
    for context in alone:
        case = route_inbound_safely(uow, context, settings, now=now)
        if case is not None:
            routed[context.case_id] = case
    return routed


def _cases_and_work(
    session: Session, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[CaseState, WorkState | None]]:
    """Each case's state and its newest unfinished task, in one statement."""
    if not case_ids:
        return {}
    found: dict[uuid.UUID, tuple[CaseState, WorkState | None, datetime | None]] = {}
    for row in session.connection().execute(CASE_AND_WORK_OF_MANY, {"case_ids": case_ids}):
        case_id, created_at = row[11], row[12]
        seen = found.get(case_id)
        newer = seen is None or (created_at is not None and (seen[2] is None or created_at > seen[2]))
        if newer:  # the newest task, as CASE_AND_WORK's ORDER BY … LIMIT 1 picks it for one case
            work = WorkState(*row[7:11]) if row[7] is not None else None
            found[case_id] = (CaseState(*row[:7]), work, created_at)
    return {case_id: (state, work) for case_id, (state, work, _) in found.items()}


class _Topics:
    """The tenant's active topics by code, each read once for the run."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._found: dict[tuple[uuid.UUID, str], Topic | None] = {}

    def get(self, tenant_id: uuid.UUID, code: str) -> Topic | None:
        key = (tenant_id, code)
        if key not in self._found:
            self._found[key] = active_topic(self._session, tenant_id, code)
        return self._found[key]


@dataclass
class _RunFacts:
    """What deciding on the opened cases reads, once for the run."""

    policy: Policy
    hours: BusinessHours
    in_business_hours: bool
    standings: dict[uuid.UUID, CustomerStanding]
    contacts: dict[uuid.UUID, int]
    last_agents: dict[uuid.UUID, LastAgent]
    queues: dict[str, QueueRules] = field(default_factory=dict)


@dataclass
class _Writes:
    cases: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    announced: list[DomainEvent] = field(default_factory=list)


def _route_opened(
    uow: UnitOfWork,
    fresh: list[tuple[InboundContext, IntakePlan]],
    alone: list[InboundContext],
    opened: dict[uuid.UUID, SimpleNamespace],
    new_customers: set[uuid.UUID] | frozenset[uuid.UUID],
    events: list[dict[str, Any]],
    *,
    now: datetime,
) -> dict[uuid.UUID, Any]:
    """Decide and record the routing of the cases the run opened; a case whose decision fails joins
    `alone`. Nothing is written until every decision is made; then `events` and routing's own are
    written together."""
    session = uow.session
    tenant_id = fresh[0][0].tenant_id
    customer_ids = {context.customer_id for context, _ in fresh}
    facts = _read_run_facts(session, tenant_id, customer_ids, new_customers, now=now)
    writes = _Writes(events=list(events))
    routed: dict[uuid.UUID, Any] = {}
    for context, plan in fresh:
        try:
            decided = _decide_opened(session, context, plan, facts, now=now)
        except DBAPIError:
            raise
        except Exception:
            log.debug("batched routing of case %s failed; it is routed alone", context.case_id, exc_info=True)
            alone.append(context)
            continue
        decided.add_to(writes)
        case = opened[context.case_id]
        vars(case).update(decided.case_columns)
        routed[context.case_id] = case
        writes.announced.append(
            routed_announcement(tenant_id, case.id, case.number, decided.case_columns["routing"])
        )
    connection = session.connection()
    _ROUTED.execute(connection, writes.cases)
    _INSERT_CLOCKS.execute(connection, writes.clocks)
    insert_events(session, writes.events)
    _INSERT_TASKS.execute(connection, writes.tasks)
    for announced in writes.announced:
        uow.emit(announced)
    if writes.tasks:
        dispatch(uow, tenant_id, now=now)
    return routed


def _read_run_facts(
    session: Session,
    tenant_id: uuid.UUID,
    customer_ids: set[uuid.UUID],
    new_customers: set[uuid.UUID] | frozenset[uuid.UUID],
    *,
    now: datetime,
) -> _RunFacts:
    """The policy, the calendar, and what is known of the customers: a customer the run created has
    the standing every new customer gets, this one case in the window and no last agent."""
    policy = load_policy(session, tenant_id)
    hours = load_business_hours(session, tenant_id)
    standings = dict.fromkeys(customer_ids & new_customers, NEW_CUSTOMER)
    contacts = dict.fromkeys(customer_ids & new_customers, 1)
    known = sorted(customer_ids - new_customers)
    if known:
        connection = session.connection()
        for customer_id, tier, value in connection.execute(_STANDINGS, {"customer_ids": known}):
            standings[customer_id] = CustomerStanding(tier, value)
        since = now - timedelta(days=policy.repeat_window.days)
        for customer_id, count in connection.execute(_CONTACTS, {"customer_ids": known, "since": since}):
            contacts[customer_id] = int(count)
    return _RunFacts(policy, hours, is_open(hours, now), standings, contacts, last_agents(session, known))


@dataclass
class _Decided:
    """One opened case's routing, as rows to write."""

    case_columns: dict[str, Any]
    clocks: list[dict[str, Any]]
    events: list[dict[str, Any]]
    task: dict[str, Any]

    def add_to(self, writes: _Writes) -> None:
        columns = self.case_columns
        writes.cases.append({"case_id": columns["id"]} | {k: v for k, v in columns.items() if k != "id"})
        writes.clocks += self.clocks
        writes.events += self.events
        writes.tasks.append(self.task)


def _decide_opened(
    session: Session, context: InboundContext, plan: IntakePlan, facts: _RunFacts, *, now: datetime
) -> _Decided:
    """What `intake._decide` does for a case opened by this message, as rows (reads only: the team or
    agent a decision names, a queue's rules once)."""
    language, sentiment, urgency = noted_case(FRESH_CASE, plan.language, plan.signals)
    choice = plan.topic
    topic = choice.row if choice else None
    standing = facts.standings[context.customer_id]
    events = (
        [routing_event_row(context, "case.classified", now=now, data=classified_data(choice.classification))]
        if choice
        else []
    )

    klass = channel_class(context.channel_kind)
    targets = sla_targets(topic.sla if topic else None, klass, standing.tier)
    clocks = [
        clock_row(context.tenant_id, context.case_id, kind, targets.for_kind(kind), klass, facts.hours, now)
        for kind in CLOCK_KINDS  # a new case has had no first reply yet: both clocks start
    ]

    policy = facts.policy
    routed_facts = routing_facts(
        RoutedCase(0, language, sentiment, urgency),
        topic,
        standing,
        context.channel_kind,
        policy,
        contacts=facts.contacts.get(context.customer_id, 0),
        in_business_hours=facts.in_business_hours,
    )
    decision = decide(policy, routed_facts)
    details = decision_details(decision, topic, now=now)
    events.append(routing_event_row(context, "case.routed", now=now, data=details))
    priority = max(0, decision.priority)
    queue = routed_queue(decision, None)
    where = work_destination(
        session, context, decision, topic, case_queue=queue, default_queue=policy.default_queue
    )
    if where.queue not in facts.queues:
        facts.queues[where.queue] = queue_rules_named(session, context.tenant_id, where.queue)
    task = work_row(
        facts.queues[where.queue],
        tenant_id=context.tenant_id,
        kind=where.kind,
        queue=where.queue,
        priority=priority,
        reason=f"routed:{decision.rule}",
        customer_id=context.customer_id,
        case_id=context.case_id,
        conversation_id=context.conversation_id,
        message_id=context.message_id,
        channel_kind=where.channel_kind,
        language=language,
        skills=where.skills,
        team_id=where.team_id,
        sticky_user_id=where.sticky_user_id,
        last_agent=facts.last_agents.get(context.customer_id)
        if where.sticky_user_id is None and decision.sticky
        else None,
        due_at=now,
        now=now,
    )
    result = choice.classification if choice else None
    case_columns = {
        "id": context.case_id,
        "language": language,
        "sentiment": sentiment,
        "urgency": urgency,
        "topic_id": topic.id if topic else None,
        "topic_source": result.source if result else None,
        "topic_confidence": round(result.confidence, 4) if result else None,
        "repeat_contact": routed_facts.repeat_contact,
        "routing": details,
        "priority": priority,
        "queue": queue,
        "updated_at": utcnow(),  # as the ORM stamps a changed case
    }
    return _Decided(case_columns, clocks, events, task)
