"""Taxonomy use cases: import and export the topic tree, read topics, and change one topic.

Topics are never deleted: cases, examples and models point at them, so a topic that goes away is
deactivated (`is_active` False) and keeps its id and code. Every change writes an audit row; services
flush, the caller commits.
"""

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.taxonomy.models import Topic
from omniline.taxonomy.schemas import (
    NewTopic,
    TopicChanges,
    TopicRow,
    complete_row,
    materialise,
    parse_taxonomy,
    parse_yaml,
)

DEMO_TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "demo" / "taxonomy.yaml"
DEMO_ACTOR = "demo"


def import_taxonomy(
    session: Session,
    tenant_id: uuid.UUID,
    document: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    replace: bool = False,
) -> dict[str, int]:
    """Upsert the document's topics by code; with `replace`, deactivate the tenant's active topics the
    document does not name. Returns {"created", "updated", "deactivated"} counts; importing what
    `export_taxonomy` gave changes nothing. InvalidTaxonomy (422) before anything is touched."""
    rows = materialise(parse_taxonomy(document))
    existing = {
        topic.code: topic for topic in session.scalars(select(Topic).where(Topic.tenant_id == tenant_id))
    }
    placed: dict[str, Topic] = {}
    created: list[str] = []
    updated: list[str] = []
    for row in rows:
        parent_id = placed[row.parent_code].id if row.parent_code is not None else None
        values = row.values() | {"parent_id": parent_id, "is_active": True}
        topic = existing.get(row.code)
        if topic is None:
            topic = Topic(id=new_id(), tenant_id=tenant_id, created_at=now, updated_at=now, **values)
            session.add(topic)
            created.append(row.code)
        elif _apply(topic, values, now):
            updated.append(row.code)
        placed[row.code] = topic
    deactivated: list[str] = []
    if replace:
        for code, topic in existing.items():
            if code not in placed and topic.is_active:
                _apply(topic, {"is_active": False}, now)
                deactivated.append(code)
    deactivated.sort()
    counts = {"created": len(created), "updated": len(updated), "deactivated": len(deactivated)}
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="taxonomy.imported",
        subject_type="taxonomy",
        subject_id=None,
        data=counts
        | {"replace": replace, "codes": {"created": created, "updated": updated, "deactivated": deactivated}},
    )
    session.flush()
    return counts


def export_taxonomy(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    """The tenant's active topics as a version 1 document, every field explicit (nothing inherited)."""
    topics = list_topics(session, tenant_id)
    nodes: dict[uuid.UUID, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for topic in topics:  # tree order: a parent comes before its children
        node = {
            "code": topic.code,
            "names": dict(topic.names),
            "risk": topic.risk,
            "complexity": topic.complexity,
            "self_service": topic.self_service,
            "tags": list(topic.tags),
            "skills": list(topic.skills),
            "sla": dict(topic.sla),
            "keywords": dict(topic.rules.get("keywords", {})),
            "patterns": list(topic.rules.get("patterns", [])),
        }
        nodes[topic.id] = node
        parent = nodes.get(topic.parent_id) if topic.parent_id is not None else None
        if parent is not None:
            parent.setdefault("children", []).append(node)
        elif topic.parent_id is None:
            roots.append(node)
    return {"version": 1, "topics": roots}


def load_demo_taxonomy(session: Session, tenant_id: uuid.UUID, *, now: datetime) -> None:
    """Import the demo taxonomy shipped with omniline (idempotent: a second load changes nothing)."""
    import_taxonomy(
        session, tenant_id, parse_yaml(DEMO_TAXONOMY_PATH.read_bytes()), actor=DEMO_ACTOR, now=now
    )


def list_topics(session: Session, tenant_id: uuid.UUID, include_inactive: bool = False) -> list[Topic]:
    """The tenant's topics in tree order: each parent, then its children by position and code."""
    query = select(Topic).where(Topic.tenant_id == tenant_id)
    if not include_inactive:
        query = query.where(Topic.is_active.is_(True))
    topics = list(session.scalars(query.order_by(Topic.position, Topic.code)))
    children: dict[uuid.UUID | None, list[Topic]] = {}
    known = {topic.id for topic in topics}
    for topic in topics:
        # A topic whose parent is not listed (inactive) still shows, at the top.
        children.setdefault(topic.parent_id if topic.parent_id in known else None, []).append(topic)
    ordered: list[Topic] = []

    def walk(parent_id: uuid.UUID | None) -> None:
        for topic in children.get(parent_id, []):
            ordered.append(topic)
            walk(topic.id)

    walk(None)
    return ordered


def get_topic(session: Session, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None or topic.tenant_id != tenant_id:
        raise NotFound(f"topic {topic_id} not found")
    return topic


def topics_by_code(session: Session, tenant_id: uuid.UUID) -> dict[str, Topic]:
    """The tenant's active topics by code."""
    query = select(Topic).where(Topic.tenant_id == tenant_id, Topic.is_active.is_(True))
    return {topic.code: topic for topic in session.scalars(query)}


def create_topic(
    session: Session, tenant_id: uuid.UUID, spec: NewTopic, *, actor: str, now: datetime
) -> Topic:
    """A new topic under the active parent its code names, inheriting what `spec` leaves unset.
    Conflict when the code exists (even inactive: reactivate it instead); InvalidInput without a parent."""
    if session.scalar(select(Topic.id).where(Topic.tenant_id == tenant_id, Topic.code == spec.code)):
        raise Conflict(f"topic {spec.code!r} already exists (an inactive one is reactivated with PATCH)")
    parent_code = spec.code.rpartition(".")[0] or None
    parent = topics_by_code(session, tenant_id).get(parent_code) if parent_code else None
    if parent_code and parent is None:
        raise InvalidInput(f"topic {spec.code!r}: no active parent topic {parent_code!r}")
    siblings = select(Topic.position).where(
        Topic.tenant_id == tenant_id, Topic.parent_id == (parent.id if parent else None)
    )
    position = spec.position if spec.position is not None else max(session.scalars(siblings), default=-1) + 1
    row = complete_row(spec, _row_of(parent) if parent else None, code=spec.code, position=position)
    topic = Topic(
        id=new_id(),
        tenant_id=tenant_id,
        parent_id=parent.id if parent else None,
        is_active=True,
        created_at=now,
        updated_at=now,
        **row.values(),
    )
    session.add(topic)
    _audit(session, topic, actor, "topic.created", {"code": topic.code})
    session.flush()
    return topic


def update_topic(
    session: Session,
    tenant_id: uuid.UUID,
    topic_id: uuid.UUID,
    changes: TopicChanges,
    *,
    actor: str,
    now: datetime,
) -> Topic:
    """Change the fields `changes` carries (children keep their own copies). `is_active: false` deactivates
    the topic and everything under it; `true` reactivates the topic alone, and needs an active parent."""
    topic = get_topic(session, tenant_id, topic_id)
    values: dict[str, Any] = {}
    for name in changes.model_fields_set:
        value = getattr(changes, name)
        if value is None:
            raise InvalidInput(f"topic {topic.code!r}: {name} cannot be null")
        if name == "names":
            values |= {"names": value, "name": value["en"]}
        elif name == "sla":
            values["sla"] = value.stored()
        elif name in ("keywords", "patterns"):
            values["rules"] = {**values.get("rules", topic.rules), name: value}
        elif name != "is_active":
            values[name] = value
    if changes.is_active is True and not topic.is_active and topic.parent_id is not None:
        parent = session.get(Topic, topic.parent_id)
        if parent is None or not parent.is_active:
            raise InvalidInput(f"topic {topic.code!r}: reactivate its parent first")
    before = {name: getattr(topic, name) for name in values}
    changed = {name: value for name, value in values.items() if before[name] != value}
    if _apply(topic, values, now):
        _audit(session, topic, actor, "topic.updated", {"code": topic.code, "changes": changed})
    if changes.is_active is not None and changes.is_active != topic.is_active:
        if changes.is_active:
            _apply(topic, {"is_active": True}, now)
            _audit(session, topic, actor, "topic.reactivated", {"code": topic.code})
        else:
            _deactivate_subtree(session, topic, actor=actor, now=now)
    session.flush()
    return topic


def deactivate_topic(
    session: Session, tenant_id: uuid.UUID, topic_id: uuid.UUID, *, actor: str, now: datetime
) -> Topic:
    """Deactivate the topic and its active descendants; Conflict when it is already inactive."""
    topic = get_topic(session, tenant_id, topic_id)
    if not topic.is_active:
        raise Conflict(f"topic {topic.code!r} is already inactive")
    _deactivate_subtree(session, topic, actor=actor, now=now)
    session.flush()
    return topic


def topic_view(topic: Topic) -> dict[str, Any]:
    session = object_session(topic)
    parent = session.get(Topic, topic.parent_id) if session is not None and topic.parent_id else None
    return {
        "id": str(topic.id),
        "code": topic.code,
        "parent_code": parent.code if parent is not None else None,
        "names": topic.names,
        "name": topic.name,
        "risk": topic.risk,
        "complexity": topic.complexity,
        "self_service": topic.self_service,
        "tags": topic.tags,
        "skills": topic.skills,
        "sla": topic.sla,
        "keywords": topic.rules.get("keywords", {}),
        "patterns": topic.rules.get("patterns", []),
        "position": topic.position,
        "is_active": topic.is_active,
    }


def _deactivate_subtree(session: Session, topic: Topic, *, actor: str, now: datetime) -> None:
    # Leaving children active under an inactive parent would route cases to a branch nobody can see.
    all_topics = list(session.scalars(select(Topic).where(Topic.tenant_id == topic.tenant_id)))
    codes = []
    pending = [topic]
    while pending:
        current = pending.pop()
        if current.is_active:
            _apply(current, {"is_active": False}, now)
            codes.append(current.code)
        pending += [child for child in all_topics if child.parent_id == current.id]
    _audit(session, topic, actor, "topic.deactivated", {"code": topic.code, "deactivated": sorted(codes)})


def _apply(topic: Topic, values: dict[str, Any], now: datetime) -> bool:
    """Set the values that differ; True (and a new updated_at) when any did."""
    changed = False
    for name, value in values.items():
        if getattr(topic, name) != value:
            setattr(topic, name, value)
            changed = True
    if changed:
        topic.updated_at = now
    return changed


def _row_of(topic: Topic) -> TopicRow:
    return TopicRow(
        code=topic.code,
        parent_code=None,
        position=topic.position,
        names=topic.names,
        risk=topic.risk,
        complexity=topic.complexity,
        self_service=topic.self_service,
        tags=topic.tags,
        skills=topic.skills,
        sla=topic.sla,
        rules=topic.rules,
    )


def _audit(session: Session, topic: Topic, actor: str, action: str, data: dict[str, Any]) -> None:
    record_audit(
        session,
        tenant_id=topic.tenant_id,
        actor=actor,
        action=action,
        subject_type="topic",
        subject_id=topic.id,
        data=data,
    )
