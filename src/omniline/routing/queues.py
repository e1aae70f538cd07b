"""Queue use cases: create and change queues, read their rules for routing, and the live figures of
the wallboard (waiting, longest wait, offered, assigned; agents per presence state)."""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.agents.models import Team
from omniline.agents.service import find_team
from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.kernel.ttl_cache import TtlCache
from omniline.routing.assignment import QueueRules
from omniline.routing.figures import live_rows, live_work_by, presence_counts
from omniline.routing.models import Queue
from omniline.security.audit import record_audit

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
EDITABLE = (
    "description",
    "priority",
    "skills",
    "min_skill_level",
    "team",
    "is_bot",
    "overflow_after_seconds",
    "overflow_to",
    "overflow_drop_skills",
)


def list_queues(session: Session, tenant_id: uuid.UUID) -> list[Queue]:
    return list(session.scalars(select(Queue).where(Queue.tenant_id == tenant_id).order_by(Queue.name)))


def get_queue(session: Session, tenant_id: uuid.UUID, name: str) -> Queue:
    queue = session.scalars(select(Queue).where(Queue.tenant_id == tenant_id, Queue.name == name)).first()
    if queue is None:
        raise NotFound(f"queue {name!r} not found")
    return queue


def queue_rules(session: Session, tenant_id: uuid.UUID) -> dict[str, QueueRules]:
    """Every queue of the tenant as the plain rules routing decides with."""
    return {queue.name: rules_of(queue) for queue in list_queues(session, tenant_id)}


QUEUE_RULES_TTL_SECONDS = 5.0  # another process's queue change reaches this one within this time
_cached_rules: TtlCache[uuid.UUID, dict[str, QueueRules]] = TtlCache(QUEUE_RULES_TTL_SECONDS)


def cached_queue_rules(session: Session, tenant_id: uuid.UUID) -> dict[str, QueueRules]:
    """`queue_rules`, read at most once per `QUEUE_RULES_TTL_SECONDS` (intake reads them for every
    piece of work it queues); this process's own changes are seen at once."""
    return _cached_rules.get(tenant_id, lambda _stale: queue_rules(session, tenant_id))


def rules_of(queue: Queue) -> QueueRules:
    return QueueRules(
        name=queue.name,
        priority=queue.priority,
        skills=frozenset(queue.skills),
        min_level=queue.min_skill_level,
        team_id=queue.team_id,
        is_bot=queue.is_bot,
        overflow_after_seconds=queue.overflow_after_seconds,
        overflow_to=queue.overflow_to,
        overflow_drop_skills=queue.overflow_drop_skills,
    )


def create_queue(
    session: Session, *, actor: str, tenant_id: uuid.UUID, name: str, fields: dict[str, Any]
) -> Queue:
    """A new queue; InvalidInput for a bad name or field, Conflict when the name is taken."""
    if not _NAME.match(name):
        raise InvalidInput("a queue name is lower-case letters, digits, '_', '.' or '-' (at most 100)")
    if session.scalars(select(Queue.id).where(Queue.tenant_id == tenant_id, Queue.name == name)).first():
        raise Conflict(f"queue {name!r} already exists")
    values = _checked(session, tenant_id, name, fields)
    queue = Queue(
        id=new_id(),
        tenant_id=tenant_id,
        name=name,
        priority=0,
        skills=[],
        min_skill_level=1,
        is_bot=False,
        overflow_drop_skills=False,
    )
    for key, value in values.items():
        setattr(queue, key, value)
    session.add(queue)
    _audit(session, actor, queue, "queue.created", values)
    _cached_rules.forget(tenant_id)
    return queue


def update_queue(
    session: Session, *, actor: str, tenant_id: uuid.UUID, name: str, fields: dict[str, Any]
) -> Queue:
    queue = get_queue(session, tenant_id, name)
    values = _checked(session, tenant_id, name, fields)
    for key, value in values.items():
        setattr(queue, key, value)
    _audit(session, actor, queue, "queue.updated", values)
    _cached_rules.forget(tenant_id)
    return queue


def queue_view(queue: Queue, teams: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "id": str(queue.id),
        "name": queue.name,
        "description": queue.description,
        "priority": queue.priority,
        "skills": list(queue.skills),
        "min_skill_level": queue.min_skill_level,
        "team": teams.get(queue.team_id) if queue.team_id else None,
        "is_bot": queue.is_bot,
        "overflow_after_seconds": queue.overflow_after_seconds,
        "overflow_to": queue.overflow_to,
        "overflow_drop_skills": queue.overflow_drop_skills,
    }


def team_names(session: Session, tenant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Team.id, Team.name).where(Team.tenant_id == tenant_id))
    return {row[0]: row[1] for row in rows}


def queue_figures(session: Session, tenant_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Live figures: per queue (every defined queue, and any queue name work waits in) how many tasks
    wait, the longest wait in seconds, how many are offered and assigned; agents per presence state."""
    queues = live_work_by(
        live_rows(session, tenant_id), "queue", (q.name for q in list_queues(session, tenant_id))
    )
    states, _reasons = presence_counts(session, tenant_id)
    return {
        "queues": [
            {
                "queue": name,
                "waiting": work.waiting,
                "longest_wait_seconds": work.longest_wait_seconds(now),
                "offered": work.offered,
                "assigned": work.assigned,
            }
            for name, work in sorted(queues.items())
        ],
        "agents": states,
        "at": now.isoformat(),
    }


def _checked(session: Session, tenant_id: uuid.UUID, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"unknown queue field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "team":
            values["team_id"] = None if value is None else find_team(session, tenant_id, value).id
        elif key == "skills":
            if not isinstance(value, list) or not all(
                isinstance(s, str) and 0 < len(s.strip()) <= 50 for s in value
            ):
                raise InvalidInput("skills is a list of skill names (1 to 50 characters each)")
            values["skills"] = sorted({skill.strip() for skill in value})
        elif key == "overflow_to" and value is not None:
            if value == name:
                raise InvalidInput("a queue cannot overflow to itself (use overflow_drop_skills)")
            get_queue_or_invalid(session, tenant_id, value)
            values[key] = value
        else:
            values[key] = value
    return values


def get_queue_or_invalid(session: Session, tenant_id: uuid.UUID, name: str) -> Queue:
    """The queue called `name`; InvalidInput (a value the client sent) when there is none."""
    try:
        return get_queue(session, tenant_id, name)
    except NotFound:
        raise InvalidInput(f"there is no queue {name!r}") from None


def _audit(session: Session, actor: str, queue: Queue, action: str, values: dict[str, Any]) -> None:
    record_audit(
        session,
        tenant_id=queue.tenant_id,
        actor=actor,
        action=action,
        subject_type="queue",
        subject_id=queue.id,
        data={"name": queue.name} | {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items()},
    )
