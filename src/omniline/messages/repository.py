"""Writing messages on the hot path (the ORM's unit of work costs more than the insert itself)."""

from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from omniline.db.base import table_of
from omniline.db.bulk import RowsInsert
from omniline.messages.models import Message

_TABLE = table_of(Message)
_INSERT = RowsInsert(_TABLE)
COLUMNS = frozenset(column.key for column in _TABLE.columns)


class MessageRow(SimpleNamespace):
    """A message's column values as attributes: what `message_view` reads, without ORM bookkeeping
    (building an instrumented Message costs as much as two SQL statements)."""

    def __init__(self, **values: Any) -> None:
        missing, unknown = COLUMNS - values.keys(), values.keys() - COLUMNS
        if missing or unknown:
            raise TypeError(f"message columns missing {sorted(missing)}, unknown {sorted(unknown)}")
        super().__init__(**values)


def insert_message(session: Session, message: MessageRow) -> None:
    insert_messages(session, [message])


def insert_messages(session: Session, messages: list[MessageRow]) -> None:
    """One statement for all of them."""
    _INSERT.execute(session.connection(), [vars(message) for message in messages])
