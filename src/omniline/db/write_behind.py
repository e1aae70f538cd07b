"""Write-behind on PostgreSQL: a transaction's set-based writes held back and sent as one statement.

A run of `ingest_batch` writes a dozen tables, one `RowsInsert` or `RowsUpdate` statement each (db/bulk.py),
and every statement costs a round trip and SQLAlchemy's and the driver's bookkeeping, whatever its size:
that fixed cost was most of the group-commit writer's time over HTTP. Inside `write_behind(connection)`
those writes are held back and sent together, as the data-modifying CTEs of one statement
(`WITH w0 AS (INSERT …), w1 AS (UPDATE …) SELECT 1`), just before the first statement that could see
the difference:

- any statement that is not a SELECT, INSERT, UPDATE or DELETE (a savepoint, plain SQL text);
- a statement that reads or writes a table with a write held back, or writes rows that may name one
  by a foreign key (an ORM flush of a task for a message held back). A read declared with
  `keyed_read` (it reads only the rows of one table whose primary keys a parameter lists) lets the
  writes go on waiting when they are all known by key and touch none of those rows, or only columns
  the read does not use (a case's `updated_at`);
- the end of the block (before the caller commits).

One statement's parts all see the database as it was before the statement, and PostgreSQL refuses to
change one row twice in it. So a held-back write is sent first when the next one could touch a row it
wrote: an UPDATE of rows an earlier write touched, or whose rows are not known by key. Two exceptions
keep a run in one statement: INSERTs never wait for each other (the rows are new), and an UPDATE by
primary key of a row inserted in the same batch is **folded** into that row (its columns take the new
values in Python) when it sets columns to its parameters or to constants, as routing's notes on a case
the run just opened do.

So everything runs in the order it was written, against what it would have seen. Foreign keys hold:
PostgreSQL checks them at the end of the whole statement. An error in a held-back write surfaces at the
next statement (the transaction is lost either way, and the caller runs it again or reports it).
SQLite writes at once: its statements cost no round trip.
"""

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Engine, event, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Update, UpdateBase
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ClauseElement
from sqlalchemy.sql.selectable import Select, TableClause
from sqlalchemy.sql.util import find_tables
from sqlalchemy.sql.visitors import iterate

_KEY = "omniline.write_behind"

Rows = Sequence[Mapping[str, Any]]


class SlotStatement:
    """A set-based statement that can be built with its bind parameters' names prefixed
    (`statement("w3_")`), so that several share one statement; each version is built once.
    `parameters(rows)` gives its parameters for a list of rows."""

    def __init__(self, build: Callable[[str], Any], parameters: Callable[[Rows], dict[str, Any]]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}
        self.parameters = parameters
        plain = self()
        self.table: str = plain.table.name
        self.tables = tables_of(plain)
        # A column default computed in Python (an `onupdate` stamp) is filled in by SQLAlchemy only
        # for the statement it runs, not for one inside a CTE: such a statement is not held back.
        compiled = plain.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
        self.can_wait = not (compiled.insert_prefetch or compiled.update_prefetch)

    def __call__(self, prefix: str = "") -> Any:
        statement = self._built.get(prefix)
        if statement is None:
            statement = self._built[prefix] = self._build(prefix)
        return statement


@dataclass(frozen=True, slots=True)
class KeyedUpdate:
    """An UPDATE … WHERE table.<primary key> = :key: the rows it changes can be known. When every
    column it sets takes one of its parameters or a constant, it can be folded into rows not yet
    inserted."""

    key: str  # the parameter that names the row
    columns: frozenset[str]  # the columns it sets
    copies: dict[str, str]  # column: the parameter it takes
    constants: dict[str, Any]  # column: the constant it takes
    foldable: bool  # False when a column takes an expression (reopen_count + 1)


def keyed_update(statement: Any, key: str) -> KeyedUpdate | None:
    """`statement` (written with bind parameters) as a KeyedUpdate; None when it does not name its rows
    by the primary key."""
    if not isinstance(statement, Update):
        return None
    where = statement.whereclause
    table: Any = statement.table
    primary = list(table.primary_key.columns)
    if not (
        isinstance(where, BinaryExpression)
        and where.operator is operators.eq
        and len(primary) == 1
        and where.left is primary[0]
        and isinstance(where.right, BindParameter)
        and where.right.key == key
    ):
        return None
    copies: dict[str, str] = {}
    constants: dict[str, Any] = {}
    foldable = True
    names = set()
    for column, value in (statement._values or {}).items():  # the SET clause: it has no public view
        name = column.key if isinstance(column, Column) else str(column)
        names.add(name)
        if isinstance(value, BindParameter) and not value.unique:
            copies[name] = value.key
        elif isinstance(value, BindParameter) and not callable(value.value):
            constants[name] = value.value
        else:
            foldable = False
    return KeyedUpdate(key, frozenset(names), copies, constants, foldable)


@dataclass(slots=True)
class _KeyedWrite:
    """A held-back UPDATE by key: the rows it changes (`keys`, named by its parameter `key`) and the
    columns it sets."""

    write: "_Write"
    key: str
    keys: set[Any]
    columns: frozenset[str]


@dataclass(frozen=True, slots=True)
class KeyedRead:
    """A SELECT that reads, of `table`, only the rows whose primary key is among the parameter `key`,
    and of them only `columns`."""

    table: str
    key: str
    columns: frozenset[str]


# Remembered per statement object (see _TABLES below for why weakly).
_KEYED_READS: "weakref.WeakKeyDictionary[ClauseElement, KeyedRead]" = weakref.WeakKeyDictionary()


def keyed_read(statement: Select[Any], *, table: str, key: str) -> Select[Any]:
    """Declare that `statement` reads only the rows of `table` whose primary key the parameter `key`
    lists (the caller's word: say it only of a WHERE <primary key> = ANY(:key)). Held-back writes that
    touch other rows of that table, and no other table it reads, are then not sent ahead of it: the
    routing read of a run's cases no longer sends the run's new cases first."""
    columns = frozenset(
        element.key
        for element in iterate(statement)
        if isinstance(element, Column) and element.table is not None and element.table.name == table
    )
    _KEYED_READS[statement] = KeyedRead(table, key, columns)
    return statement


@dataclass(slots=True)
class _Write:
    statement: SlotStatement
    rows: list[dict[str, Any]]
    # For an INSERT: the statement for the rows' columns (they grow when an UPDATE is folded in).
    reshape: Callable[[tuple[str, ...]], SlotStatement] | None = None


class PendingWrites:
    """The writes held back on one connection."""

    def __init__(self) -> None:
        self._writes: list[_Write] = []
        # Per table: the primary keys of the rows the held-back writes touch; None when not known.
        self._touched: dict[str, set[Any] | None] = {}
        self._inserted: dict[str, dict[Any, dict[str, Any]]] = {}  # table: {key: the row to insert}
        self._updated: dict[str, list[_KeyedWrite]] = {}  # table: the held-back UPDATEs by key
        self._flushing = False

    def __bool__(self) -> bool:
        return bool(self._writes)

    def insert(
        self,
        connection: Connection,
        statement: SlotStatement,
        rows: Rows,
        *,
        primary_key: str,
        reshape: Callable[[tuple[str, ...]], SlotStatement],
    ) -> None:
        """Hold back an INSERT of `rows` (each names its primary key `primary_key`)."""
        if not statement.can_wait or self._reads_written(statement):
            self.flush(connection)
        if not statement.can_wait:
            connection.execute(statement(), statement.parameters(rows))
            return
        own = [dict(row) for row in rows]
        self._writes.append(_Write(statement, own, reshape))
        self._touch(statement.table, {row[primary_key] for row in own})
        inserted = self._inserted.setdefault(statement.table, {})
        for row in own:
            inserted[row[primary_key]] = row

    def update(
        self, connection: Connection, statement: SlotStatement, rows: Rows, keyed: KeyedUpdate | None
    ) -> None:
        """Hold back an UPDATE for `rows` (`keyed` when it names its rows by primary key)."""
        if not statement.can_wait:
            self.flush(connection)
            connection.execute(statement(), statement.parameters(rows))
            return
        table = statement.table
        remaining = list(rows)
        if keyed is not None and keyed.foldable and table in self._inserted:
            remaining = [row for row in rows if not self._fold(table, keyed, row)]
            if not remaining:
                return
        keys = {row[keyed.key] for row in remaining} if keyed is not None else None
        if keyed is not None and keyed.foldable and keys and self._touched.get(table) is not None:
            self._supersede(table, keyed, keys)
        touched = self._touched.get(table, set())
        if self._reads_written(statement) or (
            table in self._touched and (keys is None or touched is None or not touched.isdisjoint(keys))
        ):
            self.flush(connection)
        write = _Write(statement, [dict(row) for row in remaining])
        self._writes.append(write)
        self._touch(table, keys)
        if keyed is not None and keys is not None:
            self._updated.setdefault(table, []).append(_KeyedWrite(write, keyed.key, keys, keyed.columns))

    def before(self, connection: Connection, statement: Any, parameters: Mapping[str, Any]) -> None:
        """Another statement is about to run (with `parameters`): send what it could see first."""
        if self._flushing or not self._writes:
            return
        if isinstance(statement, Select) and self._misses(statement, parameters):
            return
        if isinstance(statement, UpdateBase) and self._touched.keys().isdisjoint(
            _written_or_referenced(statement)
        ):
            return
        self.flush(connection)

    def flush(self, connection: Connection) -> None:
        writes, self._writes = self._writes, []
        self._touched, self._inserted, self._updated = {}, {}, {}
        writes = [write for write in writes if write.rows]  # _supersede may have emptied some
        if not writes:
            return
        self._flushing = True
        try:
            parts = [(_reshaped(write), write.rows) for write in writes]
            if len(parts) == 1:
                [(statement, rows)] = parts
                connection.execute(statement(), statement.parameters(rows))
            else:
                connection.execute(*_combine(parts))
        finally:
            self._flushing = False

    def _misses(self, read: Select[Any], parameters: Mapping[str, Any]) -> bool:
        """Whether `read` cannot see any held-back write: it reads no table they touch, or (a keyed
        read) only the one it reads by key, where the writes are all known by key and touch other rows
        or, of its rows, only columns it does not use."""
        written = self._touched.keys() & tables_of(read)
        if not written:
            return True
        keyed = _KEYED_READS.get(read)
        if keyed is None or written != {keyed.table} or keyed.key not in parameters:
            return False
        if self._touched[keyed.table] is None:
            return False
        wanted = set(parameters[keyed.key])
        return wanted.isdisjoint(self._inserted.get(keyed.table, ())) and all(
            wanted.isdisjoint(earlier.keys) or keyed.columns.isdisjoint(earlier.columns)
            for earlier in self._updated.get(keyed.table, ())
        )

    def _supersede(self, table: str, keyed: KeyedUpdate, keys: set[Any]) -> None:
        """Take out of the held-back UPDATEs by key the rows this one overwrites whole (it sets every
        column they set, to values that do not depend on the row): the row is then changed once, and
        the two stay in one statement. Routing's note on a case that attaching just touched."""
        updated = self._updated.get(table, [])
        for earlier in updated:
            if earlier.columns <= keyed.columns and not earlier.keys.isdisjoint(keys):
                gone = earlier.keys & keys
                earlier.write.rows[:] = [row for row in earlier.write.rows if row[earlier.key] not in gone]
                earlier.keys -= gone
        self._touched[table] = set(self._inserted.get(table, ())).union(
            *(earlier.keys for earlier in updated)
        )

    def _reads_written(self, statement: SlotStatement) -> bool:
        """Whether `statement` reads a table, other than its own, that a held-back write changes."""
        return any(table in self._touched for table in statement.tables if table != statement.table)

    def _touch(self, table: str, keys: set[Any] | None) -> None:
        touched = self._touched.get(table, set())
        self._touched[table] = None if keys is None or touched is None else touched | keys

    def _fold(self, table: str, keyed: KeyedUpdate, row: Mapping[str, Any]) -> bool:
        """Apply an UPDATE's row to the held-back INSERT of the same row; whether there was one."""
        inserted = self._inserted[table].get(row[keyed.key])
        if inserted is None:
            return False
        inserted.update({column: row[parameter] for column, parameter in keyed.copies.items()})
        inserted.update(keyed.constants)
        return True


def _reshaped(write: _Write) -> SlotStatement:
    """The write's statement for its rows, every row with the same columns (a folded UPDATE may have
    given some rows columns the others leave to NULL, which is what an INSERT without them writes)."""
    if write.reshape is None:
        return write.statement
    columns = {name: None for row in write.rows for name in row}
    for row in write.rows:
        if len(row) < len(columns):
            for name in columns:
                row.setdefault(name, None)
    names = tuple(write.rows[0])
    return write.reshape(names)


def pending_writes(connection: Connection) -> PendingWrites | None:
    """The connection's held-back writes when inside `write_behind`, else None (write at once)."""
    pending: PendingWrites | None = connection.info.get(_KEY)
    return pending


@contextmanager
def write_behind(connection: Connection) -> Iterator[None]:
    """Hold back set-based writes on `connection` (PostgreSQL) until something could see them, and
    send what is left at the end of the block. On an error the held-back writes are dropped (the
    transaction is rolled back by its owner)."""
    if connection.dialect.name != "postgresql" or _KEY in connection.info:
        yield
        return
    pending = connection.info[_KEY] = PendingWrites()
    try:
        yield
        pending.flush(connection)
    finally:
        connection.info.pop(_KEY, None)


def watch(engine: Engine) -> None:
    """Let held-back writes go ahead of the statements that could see them (see the module)."""

    @event.listens_for(engine, "before_execute")
    def _before_execute(
        connection: Connection,
        clauseelement: Any,
        multiparams: Any,
        params: Mapping[str, Any],
        execution_options: Any,
    ) -> None:
        # (SQLAlchemy tells this signature from the old one by its arguments' names.)
        pending = connection.info.get(_KEY)
        if pending:
            pending.before(connection, clauseelement, params or {})

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        if connection.info.get(_KEY):
            raise RuntimeError("a transaction committed with writes held back (write_behind)")


# Remembered per statement object, as long as it lives: the statements built once at import are looked
# at once; one the ORM builds per call goes with it.
_TABLES: "weakref.WeakKeyDictionary[ClauseElement, frozenset[str]]" = weakref.WeakKeyDictionary()


def tables_of(statement: ClauseElement) -> frozenset[str]:
    """The names of the tables a statement reads or writes."""
    tables = _TABLES.get(statement)
    if tables is None:
        found = find_tables(statement, check_columns=True, include_joins=True, include_crud=True)
        tables = _TABLES[statement] = frozenset(
            table.name for table in found if isinstance(table, TableClause)
        )
    return tables


def _written_or_referenced(statement: UpdateBase) -> frozenset[str]:
    """The tables a write reads or writes, and those its table's foreign keys point to (a row it
    inserts may name one held back: it must be there first)."""
    table = statement.table
    referenced = {key.column.table.name for key in getattr(table, "foreign_keys", ())}
    return tables_of(statement) | referenced


# Keyed by the statements themselves, not their ids: an id may be reused once its object is gone.
_COMBINED: dict[tuple[SlotStatement, ...], Any] = {}


def _combine(parts: list[tuple[SlotStatement, list[dict[str, Any]]]]) -> tuple[Any, dict[str, Any]]:
    """One statement running every write as a CTE, and its parameters (each write's prefixed w<i>_)."""
    params: dict[str, Any] = {}
    for index, (statement, rows) in enumerate(parts):
        params.update({f"w{index}_{name}": value for name, value in statement.parameters(rows).items()})
    key = tuple(statement for statement, _rows in parts)
    combined = _COMBINED.get(key)
    if combined is None:
        combined = select(literal_column("1")).add_cte(
            *(statement(f"w{index}_").cte(f"w{index}") for index, (statement, _rows) in enumerate(parts))
        )
        if len(_COMBINED) < 4096:
            _COMBINED[key] = combined
    return combined, params
