"""RowsInsert and RowsUpdate (db/bulk.py): many rows in one statement on PostgreSQL, an executemany on
SQLite, and the same rows stored either way: UUIDs, aware and naive datetimes, text in three languages,
JSON values (None as JSON null, as SQLAlchemy writes it), and an UPDATE's own conditions."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Uuid, event, select, update

from omniline.bootstrap import Container
from omniline.customers.models import Customer
from omniline.customers.repository import FILL_MISSING_NAME
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate
from omniline.kernel.ids import new_id
from omniline.security.models import AuditEntry

CUSTOMERS = table_of(Customer)
AUDIT = table_of(AuditEntry)
NOW = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)

RENAME = RowsUpdate(
    lambda p: update(CUSTOMERS).where(CUSTOMERS.c.id == p.customer_id).values(name=p.name, updated_at=p.now),
    key="customer_id",
    customer_id=Uuid(),
    name=CUSTOMERS.c.name.type,
    now=UTCDateTime(),
)


@pytest.fixture
def statements(container: Container) -> Iterator[list[tuple[str, bool]]]:
    """Each statement sent to the database, with whether it went as an executemany."""
    seen: list[tuple[str, bool]] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        seen.append((statement.split()[0].upper(), many))

    event.listen(container.engine, "before_cursor_execute", record)
    yield seen
    event.remove(container.engine, "before_cursor_execute", record)


def customer_row(tenant_id: uuid.UUID, name: str | None, at: datetime = NOW) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "name": name,
        "tier": "standard",
        "value": 1.5,
        "notes": None,
        "merged_into_id": None,
        "created_at": at,
        "updated_at": at,
    }


def insert_customers(connection: Connection, rows: list[dict[str, Any]]) -> None:
    RowsInsert(CUSTOMERS).execute(connection, rows)


def names(connection: Connection, rows: list[dict[str, Any]]) -> list[str | None]:
    found = dict(connection.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.name)).all())
    return [found[row["id"]] for row in rows]


def test_rows_insert_stores_every_value_as_given(
    container: Container, tenant_id: uuid.UUID, statements: list[tuple[str, bool]]
) -> None:
    moscow = timezone(timedelta(hours=3))
    rows = [
        customer_row(tenant_id, "Анна Петрова"),
        customer_row(tenant_id, "王芳", at=datetime(2026, 11, 24, 12, 30, 15, 123456, tzinfo=moscow)),
        customer_row(tenant_id, None, at=datetime(2026, 11, 24, 9, 30, 15, 123456)),  # naive: taken as UTC
    ]
    with container.engine.begin() as connection:
        statements.clear()
        insert_customers(connection, rows)
        sent = list(statements)
        stored = {row.id: row for row in connection.execute(select(CUSTOMERS))}
    on_postgresql = container.engine.dialect.name == "postgresql"
    assert sent == ([("INSERT", False)] if on_postgresql else [("INSERT", True)])
    assert len(stored) == 3
    for row in rows:
        got = stored[row["id"]]
        assert (got.tenant_id, got.name, got.tier, got.value, got.notes) == (
            tenant_id,
            row["name"],
            "standard",
            1.5,
            None,
        )
        assert got.created_at == NOW  # the same instant, however it was written
        assert got.created_at.tzinfo is not None


def test_a_json_none_is_json_null_and_nested_values_survive(
    container: Container, tenant_id: uuid.UUID
) -> None:
    told = {"причина": "дубликат", "原因": ["重复", 2], "nested": {"ok": True, "n": None}}
    rows = [
        {
            "id": new_id(),
            "tenant_id": tenant_id,
            "actor": "system",
            "action": "test.bulk",
            "subject_type": "customer",
            "subject_id": None,
            "data": data,
            "at": NOW,
        }
        for data in (told, None)
    ]
    with container.engine.begin() as connection:
        RowsInsert(AUDIT).execute(connection, rows)
        stored = dict(connection.execute(select(AUDIT.c.id, AUDIT.c.data)).all())
        # JSON null, not SQL NULL: the column is NOT NULL, and an executemany writes the same.
        assert connection.execute(select(AUDIT.c.id).where(AUDIT.c.data.is_(None))).all() == []
    assert stored == {rows[0]["id"]: told, rows[1]["id"]: None}


def test_rows_update_changes_each_row_by_its_key(
    container: Container, tenant_id: uuid.UUID, statements: list[tuple[str, bool]]
) -> None:
    rows = [customer_row(tenant_id, f"old {n}") for n in range(3)]
    later = NOW + timedelta(minutes=5)
    with container.engine.begin() as connection:
        insert_customers(connection, rows)
        statements.clear()
        RENAME.execute(
            connection,
            [
                {"customer_id": rows[0]["id"], "name": "Иван", "now": later},
                {"customer_id": rows[2]["id"], "name": "李娜", "now": later},
            ],
        )
        sent = list(statements)
        assert names(connection, rows) == ["Иван", "old 1", "李娜"]
        stamps = dict(connection.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.updated_at)).all())
    assert [stamps[row["id"]] for row in rows] == [later, NOW, later]
    on_postgresql = container.engine.dialect.name == "postgresql"
    assert sent == ([("UPDATE", False)] if on_postgresql else [("UPDATE", True)])


def test_rows_naming_one_key_twice_are_applied_in_order(container: Container, tenant_id: uuid.UUID) -> None:
    rows = [customer_row(tenant_id, "first")]
    with container.engine.begin() as connection:
        insert_customers(connection, rows)
        RENAME.execute(
            connection,
            [
                {"customer_id": rows[0]["id"], "name": "second", "now": NOW},
                {"customer_id": rows[0]["id"], "name": "third", "now": NOW},
            ],
        )
        assert names(connection, rows) == ["third"]


def test_an_updates_own_condition_holds_for_every_row(container: Container, tenant_id: uuid.UUID) -> None:
    rows = [
        customer_row(tenant_id, None),
        customer_row(tenant_id, "Agent-given name"),
        customer_row(tenant_id, None),
    ]
    with container.engine.begin() as connection:
        insert_customers(connection, rows)
        FILL_MISSING_NAME.execute(connection, [{"customer_id": row["id"], "name": "Анна"} for row in rows])
        assert names(connection, rows) == ["Анна", "Agent-given name", "Анна"]


def test_nothing_to_write_sends_nothing(container: Container, statements: list[tuple[str, bool]]) -> None:
    with container.engine.begin() as connection:
        statements.clear()
        RowsInsert(CUSTOMERS).execute(connection, [])
        RENAME.execute(connection, [])
    assert statements == []


def test_an_update_key_must_be_a_parameter() -> None:
    with pytest.raises(ValueError, match="key"):
        RowsUpdate(
            lambda p: update(CUSTOMERS).values(name=p.name), key="customer_id", name=CUSTOMERS.c.name.type
        )


def test_insert_new_leaves_out_rows_already_stored_and_answers_the_others(
    container: Container, tenant_id: uuid.UUID
) -> None:
    claims = RowsInsert(CUSTOMERS, skip_existing_on=("id",))
    first = [customer_row(tenant_id, "Анна"), customer_row(tenant_id, "王芳")]
    retried = {**first[1], "name": "changed on the retry"}
    fresh = customer_row(tenant_id, "John")
    with container.engine.begin() as connection:
        assert claims.insert_new(connection, first) == {row["id"] for row in first}
        assert claims.insert_new(connection, [retried, fresh]) == {fresh["id"]}
        assert claims.insert_new(connection, [retried]) == set()
        assert names(connection, [*first, fresh]) == ["Анна", "王芳", "John"]  # the retry changed nothing


def test_insert_new_needs_the_unique_columns(container: Container, tenant_id: uuid.UUID) -> None:
    with container.engine.begin() as connection, pytest.raises(TypeError, match="skip_existing_on"):
        RowsInsert(CUSTOMERS).insert_new(connection, [customer_row(tenant_id, None)])
    with container.engine.connect() as connection:
        assert connection.execute(select(CUSTOMERS.c.id)).all() == []


def test_rows_that_leave_out_a_defaulted_column_get_its_default(
    container: Container, tenant_id: uuid.UUID
) -> None:
    rows = [
        {key: value for key, value in customer_row(tenant_id, name).items() if key not in ("tier", "value")}
        for name in ("Анна", "王芳")
    ]
    with container.engine.begin() as connection:
        insert_customers(connection, rows)
        stored = connection.execute(select(CUSTOMERS.c.name, CUSTOMERS.c.tier, CUSTOMERS.c.value)).all()
    assert sorted(stored) == [("Анна", "standard", 0.0), ("王芳", "standard", 0.0)]


def test_an_update_of_a_few_rows_looks_them_up_rather_than_reading_the_table(
    container: Container, tenant_id: uuid.UUID
) -> None:
    """PostgreSQL takes a recordset for 100 rows unless told how many: for an UPDATE of a handful of
    rows it then hashed them and read the whole table, so every run's UPDATE grew with the table."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite runs an executemany of single-row updates")
    rows = [customer_row(tenant_id, f"Клиент {index}") for index in range(3000)]
    with container.engine.begin() as connection:
        insert_customers(connection, rows)
        connection.exec_driver_sql("ANALYZE customers")
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    renamed = [{"customer_id": row["id"], "name": "新名字", "now": NOW} for row in rows[:4]]
    event.listen(container.engine, "before_cursor_execute", record)
    try:
        with container.engine.begin() as connection:
            RENAME.execute(connection, renamed)
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    with container.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        assert names(connection, rows[:5]) == ["新名字"] * 4 + ["Клиент 4"]
    assert not any("Seq Scan on customers" in line for line in plan), "\n".join(plan)
    assert any("Index Scan using pk_customers" in line for line in plan), "\n".join(plan)
