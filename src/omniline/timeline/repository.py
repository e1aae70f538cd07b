"""Reading a customer's timeline, newest first, by keyset (event ids are time-ordered).

Built once and read as plain rows: at 50 entries a page, constructing ORM objects costs more than
the indexed query itself.
"""

import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from omniline.db.base import table_of
from omniline.messages.models import Message
from omniline.messages.views import message_view
from omniline.timeline.models import TimelineEvent

_EVENTS = table_of(TimelineEvent)
_MESSAGES = table_of(Message)
_EVENT_COLUMNS = [column for column in _EVENTS.columns if column.key != "tenant_id"]
# What message_view reads, in this order at the end of each row.
_MESSAGE_KEYS = tuple(
    column.key for column in _MESSAGES.columns if column.key not in ("tenant_id", "author_user_id")
)
_MESSAGE_START = len(_EVENT_COLUMNS)
_PAGE = (
    select(*_EVENT_COLUMNS, *(_MESSAGES.c[key].label(f"m_{key}") for key in _MESSAGE_KEYS))
    .outerjoin(_MESSAGES, _MESSAGES.c.id == _EVENTS.c.message_id)
    .where(_EVENTS.c.customer_id == bindparam("customer_id", type_=Uuid()))
    .order_by(_EVENTS.c.id.desc())
    .limit(bindparam("limit"))
)
_PAGE_BEFORE = _PAGE.where(_EVENTS.c.id < bindparam("before", type_=Uuid()))


def read_timeline(
    session: Session, customer_id: uuid.UUID, *, limit: int, before: uuid.UUID | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` entries older than the cursor `before`, and the cursor for the next page."""
    params: dict[str, Any] = {"customer_id": customer_id, "limit": limit + 1}
    if before is not None:
        params["before"] = before
    rows = session.connection().execute(_PAGE if before is None else _PAGE_BEFORE, params).all()
    page = rows[:limit]
    next_cursor = str(page[-1].id) if len(rows) > limit else None
    return [timeline_entry(row) for row in page], next_cursor


def timeline_entry(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "type": row.type,
        "at": row.at.isoformat(),
        "channel_id": str(row.channel_id) if row.channel_id else None,
        "channel_kind": row.channel_kind,
        "conversation_id": str(row.conversation_id) if row.conversation_id else None,
        "case_id": str(row.case_id) if row.case_id else None,
        "actor": row.actor,
        "data": row.data,
        "message": _message(row) if row.m_id is not None else None,
    }


def _message(row: Row[Any]) -> dict[str, Any]:
    # The message's columns are the row's last ones, in _MESSAGE_KEYS order: a slice, not a lookup
    # by name (this runs for every entry of every page).
    return message_view(SimpleNamespace(**dict(zip(_MESSAGE_KEYS, row[_MESSAGE_START:], strict=True))))
