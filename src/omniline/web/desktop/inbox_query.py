"""What the desktop inbox shows one agent: their presence, the offers waiting for their answer and the
work assigned to them, as plain rows.

Three statements whatever the number of items (presence, offers, assigned work with its clocks and
last messages as correlated subqueries); nothing here queries per row from Python. Everything is
scoped to the actor's tenant and user.

Built for 500 items per request (issue 6: the inbox renders in < 100 ms, bench/desktop_inbox.py):
the statements are built once at import (only their parameters change), rows are fetched in one go,
and ids come back as the text the page prints (`id_text`), not as uuid.UUID objects made per value
only to be printed again.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Dialect, String, bindparam, cast, func, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeDecorator

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


class _IdText(TypeDecorator[str]):
    """An id read as its canonical text (8-4-4-4-12, lower case: what str(uuid.UUID) gives).
    PostgreSQL casts its uuid to exactly that in SQL; SQLite stores the 32 hex digits, given their
    hyphens here."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or len(value) != 32:
            return value
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def id_text(column: Any) -> ColumnElement[str]:
    """Select an id column (uuid.UUID in the models) as the same text on both databases."""
    return type_coerce(cast(column, String), _IdText())


@dataclass(frozen=True, slots=True)
class PresenceRow:
    state: str  # offline | available | busy | wrap_up | paused
    reason: str | None
    since: datetime | None  # None: the user never had an agent profile


# Ids in rows are their canonical text (str(uuid.UUID)): the page only prints them.


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer_id: str
    task_id: str
    kind: str
    channel_kind: str
    customer_id: str
    customer_name: str | None
    tier: str
    case_id: str | None
    case_number: int | None
    conversation_id: str | None
    topic: str | None  # in the page's language when the taxonomy names it so
    queue: str
    priority: int
    offered_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WorkRow:
    task_id: str
    kind: str
    reason: str
    channel_kind: str
    customer_id: str
    customer_name: str | None
    tier: str
    case_id: str | None
    case_number: int | None
    case_status: str | None
    conversation_id: str | None
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
    connection = session.connection()
    me = {"tenant_id": actor.tenant_id, "user_id": actor.user_id}  # every statement is scoped to both
    presence = connection.execute(_PRESENCE, me).first()
    offers = connection.execute(_OFFERS, {**me, "now": now}).all()
    work = connection.execute(_WORK, me).all()
    return Inbox(
        PresenceRow("offline", None, None) if presence is None else PresenceRow(*presence),
        [_offer_row(row, language) for row in offers],
        sorted((_work_row(row, now) for row in work), key=_work_order),
        now,
    )


_PRESENCE = select(AgentProfile.presence, AgentProfile.presence_reason, AgentProfile.presence_since).where(
    AgentProfile.user_id == bindparam("user_id"), AgentProfile.tenant_id == bindparam("tenant_id")
)

# Pending offers not yet past their time (the routing job ends those), soonest to expire first.
_OFFERS = (
    select(
        id_text(Offer.id),
        Offer.offered_at,
        Offer.expires_at,
        id_text(Task.id),
        Task.kind,
        Task.channel_kind,
        id_text(Task.customer_id),
        id_text(Task.case_id),
        id_text(Task.conversation_id),
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
        Offer.tenant_id == bindparam("tenant_id"),
        Offer.user_id == bindparam("user_id"),
        Offer.status == "pending",
        Offer.expires_at > bindparam("now"),
    )
    .order_by(Offer.expires_at, Offer.id)
)


def _offer_row(row: Any, language: str) -> OfferRow:
    return OfferRow(
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
        topic=(row[15] or {}).get(language) or row[14],  # in the page's language when the taxonomy has it
    )


def _assigned_work_statement() -> Any:
    """The agent's assigned tasks with, per row, the case's next running SLA clock and the
    conversation's last message, read by correlated subqueries on indexed columns (sla_clocks.case_id,
    messages (conversation_id, id)) inside the one statement. The clock is joined by the id its
    subquery finds, so its kind and due time come from one lookup (and the same clock)."""
    # `coalesce` keeps the planners off ix_sla_clocks_status_due (SQLite takes it for the ORDER BY and
    # then walks every running clock of every tenant once per row); the case's own index finds its two.
    running = (SlaClock.case_id == Task.case_id, func.coalesce(SlaClock.status, "") == "running")
    next_clock = aliased(SlaClock)
    next_clock_id = select(SlaClock.id).where(*running).order_by(SlaClock.due_at, SlaClock.id).limit(1)
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
    return (
        select(
            id_text(Task.id),
            Task.kind,
            Task.reason,
            Task.channel_kind,
            id_text(Task.customer_id),
            id_text(Task.case_id),
            id_text(Task.conversation_id),
            Task.due_at,
            Task.assigned_at,
            Customer.name,
            Customer.tier,
            Case.number,
            Case.status,
            next_clock.kind,
            next_clock.due_at,
            last_line.scalar_subquery(),
            # typed, so that SQLite's string comes back as an aware datetime too
            type_coerce(last_in.scalar_subquery(), UTCDateTime()),
        )
        .join(Customer, Customer.id == Task.customer_id)
        .outerjoin(Case, Case.id == Task.case_id)
        .outerjoin(next_clock, next_clock.id == next_clock_id.scalar_subquery())
        .where(
            Task.tenant_id == bindparam("tenant_id"),
            Task.assigned_user_id == bindparam("user_id"),
            Task.status == "assigned",
            Task.kind.in_(INBOX_TASK_KINDS),
        )
    )


_WORK = _assigned_work_statement()


def _work_row(row: Any, now: datetime) -> WorkRow:
    due_kind, due_at = row[13], row[14]
    if due_at is None and row[1] == "callback":
        due_kind, due_at = "callback", row[7]  # the customer was promised a call by then
    return WorkRow(
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


def _work_order(row: WorkRow) -> tuple[int, float, str]:
    """Overdue first, then the soonest due; work without a clock last, oldest assignment first."""
    if row.due_at is None:
        assigned = row.assigned_at.timestamp() if row.assigned_at else 0.0
        return (2, assigned, row.task_id)
    return (0 if row.overdue else 1, row.due_at.timestamp(), row.task_id)


def preview_of(text: str | None, subject: str | None = None, event: str | None = None) -> str:
    """One line of plain text: the message's words (else its subject, else its event, e.g. voicemail),
    whitespace folded, cut at PREVIEW_LENGTH characters."""
    line = " ".join((text or "").split()) or " ".join((subject or "").split()) or (event or "")
    return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1].rstrip() + "…"
