"""Recording an office visit: the one use case behind `POST /api/v1/visits` and the desktop's visit form.

The customer is found by any identity (phone, e-mail, document number, …) or created; the visit
becomes a message with event "visit" on the branch's walkin channel and goes through the same
pipeline as every other channel (so it joins the customer's open case or opens one). The topic staff
chose becomes the case's confirmed topic, and an outcome of "resolved" resolves the case.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from omniline.cases.service import change_case_status, get_case
from omniline.cases.views import case_view
from omniline.cases.wrapup import confirm_topic
from omniline.channels.service import get_channel, load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.kernel.ids import new_id
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.ingest import IngestResult, ingest_message
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.taxonomy.models import Topic

Outcome = Literal["resolved", "open", "follow_up"]


@dataclass(frozen=True, slots=True)
class Visit:
    channel_id: uuid.UUID  # the branch: a walkin channel
    identities: tuple[str, ...]  # KIND:ADDRESS, the first one finds the customer
    name: str | None
    summary: str  # what the customer wanted and what was done
    outcome: Outcome
    topic_code: str | None = None
    visited_at: datetime | None = None
    visit_id: str | None = None  # idempotency key: the same visit recorded twice is stored once


@dataclass(frozen=True, slots=True)
class RecordedVisit:
    ingest: IngestResult
    case: dict[str, Any] | None  # the case after the visit's topic and outcome were applied

    def as_json(self) -> dict[str, Any]:
        return self.ingest.as_json() | {"duplicate": self.ingest.duplicate, "case": self.case}


def record_visit(uow: UnitOfWork, *, actor: Actor, visit: Visit, now: datetime) -> RecordedVisit:
    """Store the visit. InvalidInput (before anything is written) for a channel that is not an office,
    an identity that cannot be normalised, or a topic that is not an active topic of the tenant."""
    session = uow.session
    branch = get_channel(session, actor.tenant_id, visit.channel_id)
    if branch.kind != "walkin":
        raise InvalidInput(f"channel {branch.id} is a {branch.kind} channel, not an office (walkin)")
    if visit.topic_code is not None:
        _check_topic(uow, actor.tenant_id, visit.topic_code)
    channel = load_channel_info(session, branch.id)
    inbound = InboundMessage(
        channel_id=channel.id,
        external_id=visit.visit_id or str(new_id()),
        identities=tuple(_claim(text) for text in visit.identities),
        text=visit.summary,
        sent_at=visit.visited_at or now,
        sender_name=visit.name,
        event="visit",
        meta={
            "branch": channel.name,
            "outcome": visit.outcome,
            "topic_code": visit.topic_code,
            "recorded_by": actor.ref,
            "recorded_by_name": actor.name,
        },
    )
    result = ingest_message(uow, channel, inbound, now=now)
    if result.duplicate or result.case_id is None:
        return RecordedVisit(result, None)
    case = get_case(session, actor.tenant_id, result.case_id)
    change = None
    if visit.topic_code is not None:
        # Staff heard the customer out: their topic is the case's, above any classifier guess.
        case = confirm_topic(session, actor=actor, case_id=case.id, topic_code=visit.topic_code, now=now)
        change = "topic_confirmed"
    if visit.outcome == "resolved" and case.status != "resolved":
        case = change_case_status(
            uow, tenant_id=actor.tenant_id, case_id=case.id, action="resolve", actor=actor.ref, now=now
        )
        change = "resolved"
    view = case_view(case)
    if change is not None:
        uow.emit(DomainEvent("case.updated", actor.tenant_id, {"case": view, "change": change}))
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action="visit.recorded",
        subject_type="customer",
        subject_id=result.customer_id,
        data={
            "message_id": str(result.message_id),
            "branch": channel.name,
            "outcome": visit.outcome,
            "topic": visit.topic_code,
        },
    )
    return RecordedVisit(result, view)


def _check_topic(uow: UnitOfWork, tenant_id: uuid.UUID, code: str) -> None:
    found = uow.session.scalar(
        select(Topic.id).where(Topic.tenant_id == tenant_id, Topic.code == code, Topic.is_active)
    )
    if found is None:
        raise InvalidInput(f"topic_code: no active topic {code!r} in this tenant's taxonomy")


def _claim(text: str) -> IdentityClaim:
    kind, separator, address = text.partition(":")
    if not separator:
        raise InvalidInput(f"identity {text!r} must look like KIND:ADDRESS, e.g. phone:+79161234567")
    # Staff checked the person in front of them (a document, a phone in hand): the claims are verified.
    return IdentityClaim(kind.strip().lower(), address, verified=True)
