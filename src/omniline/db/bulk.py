"""Writing many rows with one statement on PostgreSQL: `RowsInsert` and `RowsUpdate`.

An executemany on PostgreSQL is one statement per row: the driver pipelines them, but the server still
plans and runs each, and the driver encodes every row's parameters one by one. On the hot path (a run
of `ingest_batch` writes some 8 rows per message) that per-row cost was most of the server's time and a
third of ours. Here the rows travel as **one JSON parameter** and the server unpacks them with
`json_to_recordset`, so a run's insert or update into a table is one statement whatever its size.

The statements are written once, as a function of their parameters (`lambda p: update(T).where(T.c.id ==
p.case_id).values(...)`), and built twice: with bind parameters, for SQLite and for a single row (an
executemany there costs next to nothing, and one row needs no JSON), and with the columns of the
recordset, for PostgreSQL. (On SQLite, `RowsInsert` hands the driver its rows with the columns' own bind
processors applied in one pass.) Both write the same values: UUIDs and datetimes travel as their ISO
text (a naive datetime as UTC, as `UTCDateTime` stores it), and a JSON column's Python None is JSON
null, as SQLAlchemy's JSON type writes it.

An UPDATE whose rows name one key twice would apply only one of them on the server, so such a batch
falls back to the executemany (rows in order).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Connection,
    Executable,
    Integer,
    LargeBinary,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal

from omniline.db.write_behind import SlotStatement, keyed_update, pending_writes

_JSON_OPTIONS = orjson.OPT_NAIVE_UTC
_JSON_NULL = literal_column("'null'::jsonb", postgresql.JSONB())


class Params:
    """The parameters a statement is written with: bind parameters, or the recordset's columns."""

    def __init__(self, expressions: Mapping[str, ColumnElement[Any]]) -> None:
        self._expressions = dict(expressions)

    def __getattr__(self, name: str) -> ColumnElement[Any]:
        try:
            return self._expressions[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; declared: {sorted(self._expressions)}") from None


def _is_json(type_: TypeEngine[Any]) -> bool:
    return isinstance(type_, JSON)


def _recordset(
    types: Mapping[str, TypeEngine[Any]], prefix: str = ""
) -> tuple[Any, dict[str, ColumnElement[Any]]]:
    """`(SELECT … FROM json_to_recordset(:rows) AS unpacked(name type, …) LIMIT :row_count) AS r` and
    each parameter as an expression on it (the bind parameters' names prefixed with `prefix`).

    The LIMIT (always the number of rows sent, so it cuts nothing) is there for the planner: it takes
    any set-returning function for 100 rows, and for an UPDATE joined on 100 rows it preferred a hash
    join over a scan of the whole table to a hundred index look-ups. A run updates a handful of rows,
    so every UPDATE read its whole table (2 ms a statement for 3,600 cases, and growing with them).
    Told the count (or, in a generic plan, a tenth of 100), it looks each row up by its index."""
    pg_types = {name: postgresql.JSONB() if _is_json(type_) else type_ for name, type_ in types.items()}
    unpacked = (
        func.json_to_recordset(cast(bindparam(f"{prefix}rows", type_=Text()), postgresql.JSON()))
        .table_valued(*(column(name, type_) for name, type_ in pg_types.items()))
        .render_derived(name="unpacked", with_types=True)
    )
    rows = select(unpacked).limit(bindparam(f"{prefix}row_count", type_=Integer())).subquery("r")
    expressions: dict[str, ColumnElement[Any]] = {}
    for name, type_ in types.items():
        value: ColumnElement[Any] = rows.c[name]
        if _is_json(type_):  # SQLAlchemy writes Python None as JSON null; the recordset reads it as NULL
            value = func.coalesce(value, _JSON_NULL)
        expressions[name] = value
    return rows, expressions


def _recordset_parameters(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of a statement built on `_recordset`: the rows as JSON, and how many."""
    return {"rows": orjson.dumps(list(rows), option=_JSON_OPTIONS).decode(), "row_count": len(rows)}


def _on_postgresql(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> bool:
    return len(rows) > 1 and connection.dialect.name == "postgresql"


class RowsUpdate:
    """An UPDATE run for many rows of parameters.

    `build(p)` writes the statement with `p.<name>` for each parameter declared in `types`."""

    def __init__(self, build: Callable[[Params], Executable], *, key: str, **types: TypeEngine[Any]) -> None:
        if key not in types:
            raise ValueError(f"the key {key!r} must be one of the parameters")
        self.key = key
        self.statement = build(Params({name: bindparam(name, type_=type_) for name, type_ in types.items()}))
        # The key's condition names the recordset, so the UPDATE reads from it (UPDATE … FROM r).
        self._set_based = SlotStatement(
            lambda prefix: build(Params(_recordset(types, prefix)[1])), _recordset_parameters
        )
        self._keyed = keyed_update(self.statement, key)

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        pending = pending_writes(connection)  # only ever on PostgreSQL
        set_based = pending is not None or _on_postgresql(connection, rows)
        if not set_based or len({row[self.key] for row in rows}) < len(rows):
            connection.execute(self.statement, list(rows))
        elif pending is not None:
            pending.update(connection, self._set_based, rows, self._keyed)
        else:
            connection.execute(self._set_based(), _recordset_parameters(rows))


class RowsInsert:
    """An INSERT of whole rows (every row names the same columns) into one table.

    With `skip_existing_on` (the columns of a unique constraint), `insert_new` leaves out the rows that
    are already there and answers the ids of those it inserted."""

    def __init__(self, table: Table, *, skip_existing_on: Sequence[str] = ()) -> None:
        self.table = table
        self.skip_existing_on = list(skip_existing_on)
        self.statement = insert(table)
        self._set_based: dict[tuple[tuple[str, ...], bool], SlotStatement] = {}
        self._new_only_rows: dict[str, Any] = {}
        self._sqlite_plans: dict[tuple[str, ...], tuple[str, list[Any]] | None] = {}
        primary = list(table.primary_key.columns)
        self._primary_key = primary[0].name if len(primary) == 1 else None  # rows held back are known by it
        defaults = [column for column in table.columns if column.default is not None]
        self._scalar_defaults = {c.name: c.default.arg for c in defaults if c.default.is_scalar}  # type: ignore[union-attr]
        self._callable_defaults = {c.name for c in defaults if not c.default.is_scalar}  # type: ignore[union-attr]
        # JSON has no bytes: a table with a binary column keeps the executemany.
        self._travels_as_json = not any(isinstance(c.type, LargeBinary) for c in table.columns)

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        pending = pending_writes(connection) if self._travels_as_json else None
        if connection.dialect.name == "sqlite" and len(rows) > 1:
            self._executemany_on_sqlite(connection, rows)
        elif pending is not None and self._primary_key and self._has_every_callable_default(tuple(rows[0])):
            rows = self._with_scalar_defaults(rows)
            pending.insert(
                connection,
                self._from_recordset(tuple(rows[0]), new_only=False),
                rows,
                primary_key=self._primary_key,
                reshape=lambda names: self._from_recordset(names, new_only=False),
            )
        elif self._travels_as_json and _on_postgresql(connection, rows):
            connection.execute(
                self._from_recordset(tuple(rows[0]), new_only=False)(), _recordset_parameters(rows)
            )
        else:
            connection.execute(self.statement, list(rows))

    def _has_every_default(self, names: tuple[str, ...]) -> bool:
        """Whether rows with these columns need none of the Python-side defaults that SQLAlchemy's
        own INSERT would fill in."""
        return self._scalar_defaults.keys() <= set(names) and self._has_every_callable_default(names)

    def _has_every_callable_default(self, names: tuple[str, ...]) -> bool:
        return self._callable_defaults.issubset(names)

    def _with_scalar_defaults(self, rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
        """The rows with the columns' constant defaults where they leave them out (SQLAlchemy fills
        them in only for a statement it runs itself, not for one held back, see db/write_behind.py)."""
        missing = {name: value for name, value in self._scalar_defaults.items() if name not in rows[0]}
        return [{**row, **missing} for row in rows] if missing else rows

    def _executemany_on_sqlite(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The driver's executemany with each column's own bind processor applied here, in one pass:
        SQLAlchemy's per-row parameter handling took a sixth of the group-commit writer's time."""
        names = tuple(rows[0])
        plan = self._sqlite_plan(connection, names)
        if plan is None:
            connection.execute(self.statement, list(rows))
            return
        sql, processors = plan
        columns = list(zip(names, processors, strict=True))
        # A list per row, not a generator: this loop runs for every column of every row written.
        connection.exec_driver_sql(
            sql,
            [
                tuple([row[name] if process is None else process(row[name]) for name, process in columns])
                for row in rows
            ],
        )

    def _sqlite_plan(self, connection: Connection, names: tuple[str, ...]) -> tuple[str, list[Any]] | None:
        """The SQL and the columns' bind processors; None when the rows leave out a column that has a
        Python-side default (SQLAlchemy's own executemany fills those in)."""
        if names in self._sqlite_plans:
            return self._sqlite_plans[names]
        plan: tuple[str, list[Any]] | None = None
        if self._has_every_default(names):
            dialect = connection.dialect
            quote = dialect.identifier_preparer.quote
            columns = ", ".join(quote(name) for name in names)
            sql = f"INSERT INTO {quote(self.table.name)} ({columns}) VALUES ({', '.join('?' for _ in names)})"
            processors = [
                self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            ]
            plan = (sql, processors)
        self._sqlite_plans[names] = plan
        return plan

    def insert_new(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> set[Any]:
        """Insert the rows that do not clash with one already stored (on `skip_existing_on`); the ids
        of those inserted."""
        if not self.skip_existing_on:
            raise TypeError("insert_new needs the unique columns (skip_existing_on)")
        if not rows:
            return set()
        if self._travels_as_json and _on_postgresql(connection, rows):
            statement = self._from_recordset(tuple(rows[0]), new_only=True)()
            return set(connection.execute(statement, _recordset_parameters(rows)).scalars())
        dialect = connection.dialect.name
        statement = self._new_only_rows.get(dialect)
        if statement is None:
            dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = self._new_only_rows[dialect] = self._new_only(dialect_insert(self.table))
        return set(connection.execute(statement, list(rows)).scalars())

    def _new_only(self, statement: Any) -> Any:
        return statement.on_conflict_do_nothing(index_elements=self.skip_existing_on).returning(
            self.table.c.id
        )

    def _from_recordset(self, names: tuple[str, ...], *, new_only: bool) -> SlotStatement:
        """INSERT INTO table (names) SELECT … FROM the recordset (`_recordset`), one per shape."""
        statement = self._set_based.get((names, new_only))
        if statement is None:

            def build(prefix: str) -> Any:
                recordset, expressions = _recordset({name: self.table.c[name].type for name in names}, prefix)
                chosen = select(*(expressions[name].label(name) for name in names)).select_from(recordset)
                built = postgresql.insert(self.table).from_select(list(names), chosen)
                return self._new_only(built) if new_only else built

            statement = self._set_based[(names, new_only)] = SlotStatement(build, _recordset_parameters)
        return statement


class _OneOf(ColumnElement[Any]):
    """`column IN (:a, :b, …)` (an expanding parameter), written `column = ANY(:array)` on PostgreSQL.

    PostgreSQL's driver prepares a statement it sees again and again, and the server then plans it
    once; an expanding IN is new SQL for every length of the list (and the driver parses it anew)."""

    # Not Boolean: SQLite would then render the condition as `(… IN (…)) = 1`.
    type = NullType()
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's cache key reads it from the class
        ("portable", InternalTraversal.dp_clauseelement),
        ("on_postgresql", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str, type_: TypeEngine[Any]) -> None:
        self.portable = column.in_(bindparam(name, expanding=True, type_=type_))
        self.on_postgresql = column == any_(bindparam(name, type_=postgresql.ARRAY(type_)))


@compiles(_OneOf)
def _one_of_anywhere(element: _OneOf, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.portable, **kw))


@compiles(_OneOf, "postgresql")
def _one_of_on_postgresql(element: _OneOf, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.on_postgresql, **kw))


def one_of(column: Any, name: str, type_: TypeEngine[Any] | None = None) -> ColumnElement[Any]:
    """The condition that `column` is one of the values in the list parameter `name`."""
    return _OneOf(column, name, type_ if type_ is not None else column.type)
