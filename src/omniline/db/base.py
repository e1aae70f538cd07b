"""The declarative base and the column types that behave the same on SQLite and PostgreSQL."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData, Table, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from omniline.kernel.clock import as_utc
from omniline.kernel.ids import new_id

# Stable constraint names, so migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Always stores and returns timezone-aware UTC datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it from the class
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        dict[str, Any]: PortableJSON,
        dict[str, str]: PortableJSON,
        dict[str, int]: PortableJSON,
        dict[str, list[list[str]]]: PortableJSON,
        list[Any]: PortableJSON,
        list[str]: PortableJSON,
        list[dict[str, Any]]: PortableJSON,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for hot-path statements that skip the ORM's unit of work."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
