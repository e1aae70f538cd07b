"""Labelled examples for the topic model: what agents confirmed or corrected, and imported sets."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.taxonomy.language import detect_language
from omniline.taxonomy.models import Topic, TopicExample

SOURCES = ("confirmed", "corrected", "imported")
# Long e-mails are cut: the start of a message says what it is about, and the model reads n-grams of
# the whole text, so pages of quoted history would only dilute it.
MAX_TEXT_CHARS = 4000


def record_example(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    topic_id: uuid.UUID,
    case_id: uuid.UUID | None,
    text: str,
    language: str | None,
    source: str,
    actor: str,
    now: datetime,
) -> TopicExample:
    """Store `text` (copied, cut to MAX_TEXT_CHARS) as an example of the topic, with an audit row.

    The language is detected when not given. Raises InvalidInput for an unknown source or a blank
    text, NotFound when the topic is not the tenant's. The caller (wrap-up) records the timeline
    event of the confirmation itself; this adds only the example. Flushes, never commits.
    """
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    cleaned = text.strip()[:MAX_TEXT_CHARS]
    if not cleaned:
        raise InvalidInput("an example needs some text")
    topic_code = session.scalar(select(Topic.code).where(Topic.id == topic_id, Topic.tenant_id == tenant_id))
    if topic_code is None:
        raise NotFound("no such topic")
    example = TopicExample(
        id=new_id(),
        tenant_id=tenant_id,
        topic_id=topic_id,
        case_id=case_id,
        text=cleaned,
        language=language or detect_language(cleaned),
        source=source,
        actor=actor,
        created_at=now,
    )
    session.add(example)
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="topic_example.recorded",
        subject_type="topic_example",
        subject_id=example.id,
        data={"topic": topic_code, "case_id": str(case_id) if case_id else None, "source": source},
    )
    session.flush()
    return example
