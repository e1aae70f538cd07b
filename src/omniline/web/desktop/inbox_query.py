"""What the desktop inbox shows one agent: their presence, the offers waiting for their answer and the
work assigned to them, as plain rows.

Three statements whatever the number of items (presence, offers, assigned work with its clocks and
last messages as correlated subqueries), so 500 items render in well under 100 ms; nothing here
queries per row from Python. Everything is scoped to the actor's tenant and user.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from omniline.agents.models import AgentProfile
from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.db.base import UTCDateTime
from omniline.messages.models import Message
from omniline.routing.models import Offer, SlaClock, Task
from omniline.security.access import Actor
from omniline.taxonomy.models import Topic

PREVIEW_LENGTH = 80
INBOX_TASK_KINDS = ("conversation", "callback")


@dataclass(frozen=True, slots=True)
class PresenceRow:
    state: str  # offline | available | busy | wrap_up | paused
    reason: str | None
    since: datetime | None  # None: the user never had an agent profile


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer_id: uuid.UUID
    task_id: uuid.UUID
    kind: str
    channel_kind: str
    customer_id: uuid.UUID
    customer_name: str | None
    tier: str
    case_id: uuid.UUID | None
    case_number: int | None
    conversation_id: uuid.UUID | None
    topic: str | None  # in the page's language when the taxonomy names it so
    queue: str
    priority: int
    offered_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WorkRow:
    task_id: uuid.UUID
    kind: str
    reason: str
    channel_kind: str
    customer_id: uuid.UUID
    customer_name: str | None
    tier: str
    case_id: uuid.UUID | None
    case_number: int | None
    case_status: str | None
    conversation_id: uuid.UUID | None
    preview: str  # plain text, at most PREVIEW_LENGTH characters (+ "…")
    last_customer_message_at: datetime | None
    due_kind: str | None  # first_response | resolution | callback
    due_at: datetime | None
    overdue: bool
    assigned_at: datetime | None

    @property
    def url(self) -> str:
        """Conversations open on the conversation page; a callback is made from the customer's page."""
        if self.kind == "conversation" and self.conversation_id is not None:
            return f"/desktop/conversations/{self.conversation_id}"
        return f"/desktop/customers/{self.customer_id}"


@dataclass(frozen=True, slots=True)
class Inbox:
    presence: PresenceRow
    offers: list[OfferRow]
    work: list[WorkRow]
    now: datetime


def load_inbox(session: Session, actor: Actor, *, language: str, now: datetime) -> Inbox:
    work = _assigned_work(session, actor, now)
    return Inbox(_presence(session, actor), _offers(session, actor, language, now), work, now)


def _presence(session: Session, actor: Actor) -> PresenceRow:
    row = (
        session.connection()
        .execute(
            select(AgentProfile.presence, AgentProfile.presence_reason, AgentProfile.presence_since).where(
                AgentProfile.user_id == actor.user_id, AgentProfile.tenant_id == actor.tenant_id
            )
        )
        .first()
    )
    return PresenceRow("offline", None, None) if row is None else PresenceRow(row[0], row[1], row[2])


def _offers(session: Session, actor: Actor, language: str, now: datetime) -> list[OfferRow]:
    """Pending offers not yet past their time (the routing job ends those), soonest to expire first."""
    query = (
        select(
            Offer.id,
            Offer.offered_at,
            Offer.expires_at,
            Task.id,
            Task.kind,
            Task.channel_kind,
            Task.customer_id,
            Task.case_id,
            Task.conversation_id,
            Task.queue,
            Task.priority,
            Customer.name,
            Customer.tier,
            Case.number,
            Topic.name,
            Topic.names,
        )
        .join(Task, Task.id == Offer.task_id)
        .join(Customer, Customer.id == Task.customer_id)
        .outerjoin(Case, Case.id == Task.case_id)
        .outerjoin(Topic, Topic.id == Case.topic_id)
        .where(
            Offer.tenant_id == actor.tenant_id,
            Offer.user_id == actor.user_id,
            Offer.status == "pending",
            Offer.expires_at > now,
        )
        .order_by(Offer.expires_at, Offer.id)
    )
    return [
        OfferRow(
            offer_id=row[0],
            offered_at=row[1],
            expires_at=row[2],
            task_id=row[3],
            kind=row[4],
            channel_kind=row[5] or "api",
            customer_id=row[6],
            case_id=row[7],
            conversation_id=row[8],
            queue=row[9],
            priority=row[10],
            customer_name=row[11],
            tier=row[12],
            case_number=row[13],
            topic=(row[15] or {}).get(language) or row[14],
        )
        for row in session.connection().execute(query)
    ]


def _assigned_work(session: Session, actor: Actor, now: datetime) -> list[WorkRow]:
    """The agent's assigned tasks with, per row, the case's next running SLA clock and the
    conversation's last message, read by correlated subqueries on indexed columns (sla_clocks.case_id,
    messages (conversation_id, id)) inside the one statement."""
    # `coalesce` keeps the planners off ix_sla_clocks_status_due (SQLite takes it for the ORDER BY and
    # then walks every running clock of every tenant once per row); the case's own index finds its two.
    running = (SlaClock.case_id == Task.case_id, func.coalesce(SlaClock.status, "") == "running")
    next_kind = select(SlaClock.kind).where(*running).order_by(SlaClock.due_at).limit(1)
    next_due = select(SlaClock.due_at).where(*running).order_by(SlaClock.due_at).limit(1)
    in_conversation = Message.conversation_id == Task.conversation_id
    # the words of the latest message, else its subject, else its event (a missed call, a voicemail)
    last_line = (
        select(
            func.coalesce(
                func.nullif(func.substr(Message.text, 1, PREVIEW_LENGTH * 3), ""),
                Message.subject,
                Message.event,
            )
        )
        .where(in_conversation)
        .order_by(Message.id.desc())
        .limit(1)
    )
    last_in = select(func.max(Message.sent_at)).where(in_conversation, Message.direction == "in")
    query = (
        select(
            Task.id,
            Task.kind,
            Task.reason,
            Task.channel_kind,
            Task.customer_id,
            Task.case_id,
            Task.conversation_id,
            Task.due_at,
            Task.assigned_at,
            Customer.name,
            Customer.tier,
            Case.number,
            Case.status,
            next_kind.scalar_subquery(),
            type_coerce(next_due.scalar_subquery(), UTCDateTime()),
            last_line.scalar_subquery(),
            # typed, so that SQLite's string comes back as an aware datetime too
            type_coerce(last_in.scalar_subquery(), UTCDateTime()),
        )
        .join(Customer, Customer.id == Task.customer_id)
        .outerjoin(Case, Case.id == Task.case_id)
        .where(
            Task.tenant_id == actor.tenant_id,
            Task.assigned_user_id == actor.user_id,
            Task.status == "assigned",
            Task.kind.in_(INBOX_TASK_KINDS),
        )
    )
    work = []
    for row in session.connection().execute(query):
        due_kind, due_at = row[13], row[14]
        if due_at is None and row[1] == "callback":
            due_kind, due_at = "callback", row[7]  # the customer was promised a call by then
        work.append(
            WorkRow(
                task_id=row[0],
                kind=row[1],
                reason=row[2],
                channel_kind=row[3] or "api",
                customer_id=row[4],
                case_id=row[5],
                conversation_id=row[6],
                assigned_at=row[8],
                customer_name=row[9],
                tier=row[10],
                case_number=row[11],
                case_status=row[12],
                preview=preview_of(row[15]),
                last_customer_message_at=row[16],
                due_kind=due_kind,
                due_at=due_at,
                overdue=due_at is not None and due_at <= now,
            )
        )
    return sorted(work, key=_work_order)


def _work_order(row: WorkRow) -> tuple[int, float, str]:
    """Overdue first, then the soonest due; work without a clock last, oldest assignment first."""
    if row.due_at is None:
        assigned = row.assigned_at.timestamp() if row.assigned_at else 0.0
        return (2, assigned, str(row.task_id))
    return (0 if row.overdue else 1, row.due_at.timestamp(), str(row.task_id))


def preview_of(text: str | None, subject: str | None = None, event: str | None = None) -> str:
    """One line of plain text: the message's words (else its subject, else its event, e.g. voicemail),
    whitespace folded, cut at PREVIEW_LENGTH characters."""
    line = " ".join((text or "").split()) or " ".join((subject or "").split()) or (event or "")
    return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1].rstrip() + "…"
