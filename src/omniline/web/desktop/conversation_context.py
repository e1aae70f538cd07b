"""What the conversation view shows around the messages: the channel, the customer, the case with its
topic and SLA clocks, the task the agent holds, and the choices of the action forms (topics in the
page's language, queues, teams, colleagues, the customer's other cases, channels to write on)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.service import list_teams
from omniline.cases.models import Case
from omniline.channels.models import Channel
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer, Identity
from omniline.messages.outreach import ADDRESS_KINDS
from omniline.routing.models import SlaClock, Task
from omniline.routing.queues import list_queues
from omniline.security.access import ROLE_RANK, Actor
from omniline.taxonomy.models import Topic

ACTIVE_TASK_STATUSES = ("open", "offered", "assigned")
# Suggested wrap-up codes (cases/wrapup.py accepts any lower-case code; these are the usual ones).
RESOLUTION_CODES = ("solved", "information_given", "workaround", "escalated", "duplicate", "no_reply", "spam")
OTHER_CASES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Clock:
    kind: str  # first_response | resolution
    status: str  # running | met | breached | cancelled
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass
class CaseContext:
    case: Case
    topic_label: str | None
    clocks: list[Clock]
    task: Task | None
    may_transfer: bool


@dataclass
class ConversationContext:
    conversation: Conversation
    channel: Channel
    customer: Customer
    customer_label: str
    case: CaseContext | None
    topics: list[Choice] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    colleagues: list[Choice] = field(default_factory=list)
    other_cases: list[Case] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)


def load_context(
    session: Session, actor: Actor, conversation: Conversation, *, language: str
) -> ConversationContext:
    """Everything but the messages; the conversation is already checked to be the actor's tenant's."""
    channel = session.get_one(Channel, conversation.channel_id)
    customer = session.get_one(Customer, conversation.customer_id)
    identities = list(
        session.scalars(
            select(Identity)
            .where(Identity.customer_id == customer.id)
            .order_by(Identity.kind, Identity.address)
        )
    )
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    topics = topic_choices(session, actor.tenant_id, language)
    context = ConversationContext(
        conversation=conversation,
        channel=channel,
        customer=customer,
        customer_label=customer.name or (f"{identities[0].address}" if identities else ""),
        case=_case_context(session, actor, case, topics) if case else None,
        topics=[choice for choice in topics.values()],
        identities=identities,
    )
    context.queues = [queue.name for queue in list_queues(session, actor.tenant_id)]
    context.teams = [team.name for team in list_teams(session, actor.tenant_id)]
    context.colleagues = [
        Choice(str(user.id), user.name)
        for user in session.scalars(
            select(User)
            .where(User.tenant_id == actor.tenant_id, User.is_active.is_(True), User.id != actor.user_id)
            .order_by(User.name)
        )
    ]
    context.other_cases = list(
        session.scalars(
            select(Case)
            .where(Case.customer_id == customer.id, Case.id != conversation.case_id)
            .order_by(Case.opened_at.desc())
            .limit(OTHER_CASES_SHOWN)
        )
    )
    context.channels = [
        item
        for item in session.scalars(
            select(Channel)
            .where(Channel.tenant_id == actor.tenant_id, Channel.is_active.is_(True))
            .order_by(Channel.kind, Channel.name)
        )
        if item.kind in ADDRESS_KINDS and item.id != channel.id
    ]
    return context


def topic_choices(session: Session, tenant_id: uuid.UUID, language: str) -> dict[uuid.UUID, Choice]:
    """The tenant's active leaf topics (the ones a case is filed under), labelled "Parent › Child" in
    the page's language, in tree order."""
    topics = list(
        session.scalars(
            select(Topic)
            .where(Topic.tenant_id == tenant_id, Topic.is_active.is_(True))
            .order_by(Topic.position)
        )
    )
    by_id = {topic.id: topic for topic in topics}
    parents = {topic.parent_id for topic in topics if topic.parent_id}

    def label(topic: Topic) -> str:
        names = []
        current: Topic | None = topic
        while current is not None:
            names.append(current.names.get(language) or current.name)
            current = by_id.get(current.parent_id) if current.parent_id else None
        return " › ".join(reversed(names))

    leaves = [(label(topic), topic) for topic in topics if topic.id not in parents]
    return {topic.id: Choice(topic.code, text) for text, topic in sorted(leaves, key=lambda item: item[0])}


def _case_context(session: Session, actor: Actor, case: Case, topics: dict[uuid.UUID, Choice]) -> CaseContext:
    topic_label = None
    if case.topic_id is not None:
        if case.topic_id in topics:
            topic_label = topics[case.topic_id].label
        else:  # a parent or inactive topic: still say what it is
            topic = session.get(Topic, case.topic_id)
            topic_label = topic.name if topic else None
    clocks: dict[str, Clock] = {}
    for clock in session.scalars(
        select(SlaClock).where(SlaClock.case_id == case.id).order_by(SlaClock.started_at)
    ):
        if clock.status != "cancelled":
            clocks[clock.kind] = Clock(clock.kind, clock.status, clock.due_at)  # the latest of each kind
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.case_id == case.id, Task.status.in_(ACTIVE_TASK_STATUSES))
            .order_by(Task.created_at)
        )
    )
    mine = [task for task in tasks if task.assigned_user_id == actor.user_id and task.status == "assigned"]
    task = mine[0] if mine else (tasks[0] if tasks else None)
    supervisor = ROLE_RANK.get(actor.role, 0) >= ROLE_RANK["supervisor"]
    return CaseContext(
        case=case,
        topic_label=topic_label,
        clocks=[clocks[kind] for kind in ("first_response", "resolution") if kind in clocks],
        task=task,
        may_transfer=task is not None and (bool(mine) or supervisor),
    )
