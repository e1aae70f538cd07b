"""What the customer panel shows: who the customer is, their addresses, open and recent cases with the
nearest SLA deadline, and the first page of their cross-channel timeline. Read in a few queries;
the route audits the read."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from omniline.cases.lifecycle import OPEN_STATUSES
from omniline.cases.models import Case
from omniline.customers import repository
from omniline.customers.models import Customer, Identity
from omniline.customers.service import get_customer
from omniline.routing.models import SlaClock
from omniline.taxonomy.models import Topic
from omniline.timeline.repository import read_timeline
from omniline.web.desktop.customers_timeline import TimelineItem, present_timeline
from omniline.web.rendering import BABEL_LOCALES, Page

TIMELINE_PAGE = 30
RECENT_RESOLVED = 3
# The icon beside an address: the channel it reaches the customer on.
IDENTITY_ICONS = {
    "email": "email",
    "phone": "voice",
    "telegram": "telegram",
    "wechat": "wechat",
    "webchat": "webchat",
    "visitor": "webchat",
    "social": "social",
    "app": "api",
    "document": "walkin",
}


@dataclass(frozen=True, slots=True)
class CaseLine:
    id: uuid.UUID
    reference: str
    status: str
    subject: str | None
    topic: str | None
    priority: int
    sla_due: datetime | None
    sla_kind: str | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Panel:
    customer: Customer
    merged_into: Customer | None
    identities: list[Identity]
    value: str
    open_cases: list[CaseLine]
    resolved_cases: list[CaseLine]
    timeline: list[TimelineItem]
    next_cursor: str | None

    @property
    def case_ids(self) -> list[str]:
        return [str(line.id) for line in [*self.open_cases, *self.resolved_cases]]

    def context(self) -> dict[str, Any]:
        return {"panel": self, "icons": IDENTITY_ICONS}


def load_panel(session: Session, page: Page, customer_id: uuid.UUID) -> Panel:
    """NotFound for a customer outside the actor's tenant."""
    customer = get_customer(session, page.actor.tenant_id, customer_id)
    merged_into = session.get(Customer, customer.merged_into_id) if customer.merged_into_id else None
    cases = repository.cases_of(session, [customer.id])[customer.id]
    entries, next_cursor = read_timeline(session, customer.id, limit=TIMELINE_PAGE)
    topics = topic_names(
        session,
        page,
        ids=[case.topic_id for case in cases if case.topic_id],
        codes=[str(entry["data"]["topic"]) for entry in entries if (entry.get("data") or {}).get("topic")],
    )
    due = _nearest_deadlines(session, [case.id for case in cases if case.status in OPEN_STATUSES])
    lines = [_case_line(case, topics, due.get(case.id)) for case in cases]
    return Panel(
        customer=customer,
        merged_into=merged_into,
        identities=repository.list_identities(session, customer.id),
        value=format_decimal(customer.value, locale=BABEL_LOCALES[page.language]),
        open_cases=[line for line in lines if line.status in OPEN_STATUSES],
        resolved_cases=[line for line in lines if line.status not in OPEN_STATUSES][:RECENT_RESOLVED],
        timeline=present_timeline(entries, page.gettext, topics),
        next_cursor=next_cursor,
    )


def load_timeline_page(
    session: Session, page: Page, customer_id: uuid.UUID, before: uuid.UUID
) -> tuple[list[TimelineItem], str | None]:
    get_customer(session, page.actor.tenant_id, customer_id)
    entries, next_cursor = read_timeline(session, customer_id, limit=TIMELINE_PAGE, before=before)
    codes = [str(entry["data"]["topic"]) for entry in entries if (entry.get("data") or {}).get("topic")]
    topics = topic_names(session, page, ids=[], codes=codes)
    return present_timeline(entries, page.gettext, topics), next_cursor


def topic_names(session: Session, page: Page, *, ids: list[uuid.UUID], codes: list[str]) -> dict[str, str]:
    """Topic names in the page's language, by code and by id (as text); English when untranslated."""
    if not ids and not codes:
        return {}
    query = select(Topic).where(
        Topic.tenant_id == page.actor.tenant_id, or_(Topic.id.in_(ids), Topic.code.in_(codes))
    )
    names: dict[str, str] = {}
    for topic in session.scalars(query):
        name = topic.names.get(page.language) or topic.name
        names[topic.code] = names[str(topic.id)] = name
    return names


def _nearest_deadlines(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[datetime, str]]:
    """Each open case's running SLA clock that falls due first."""
    if not case_ids:
        return {}
    query = (
        select(SlaClock.case_id, SlaClock.due_at, SlaClock.kind)
        .where(SlaClock.case_id.in_(case_ids), SlaClock.status == "running")
        .order_by(SlaClock.due_at)
    )
    nearest: dict[uuid.UUID, tuple[datetime, str]] = {}
    for case_id, due_at, kind in session.execute(query):
        nearest.setdefault(case_id, (due_at, kind))
    return nearest


def _case_line(case: Case, topics: dict[str, str], due: tuple[datetime, str] | None) -> CaseLine:
    return CaseLine(
        id=case.id,
        reference=f"C-{case.number}",
        status=case.status,
        subject=case.subject,
        topic=topics.get(str(case.topic_id)) if case.topic_id else None,
        priority=case.priority,
        sla_due=due[0] if due else None,
        sla_kind=due[1] if due else None,
        resolved_at=case.resolved_at,
    )
