"""Write-behind (db/write_behind.py): inside the block, PostgreSQL gets a run's set-based writes as one
statement, sent before anything that could see them; what is stored is what writing at once stores.
SQLite writes at once, so every test's stored result holds on both backends and only the statements
sent differ."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Uuid, event, func, select, update

from omniline.bootstrap import Container
from omniline.customers.models import Customer
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
from omniline.db.write_behind import keyed_read, write_behind
from omniline.kernel.ids import new_id
from omniline.security.models import AuditEntry
from tests.db.test_bulk_writes import NOW, RENAME, customer_row

CUSTOMERS = table_of(Customer)
AUDIT = table_of(AuditEntry)
INSERT_CUSTOMERS = RowsInsert(CUSTOMERS)
INSERT_AUDIT = RowsInsert(AUDIT)
# Names every customer of a tenant: its rows are not known by key.
RENAME_TENANT = RowsUpdate(
    lambda p: update(CUSTOMERS).where(CUSTOMERS.c.tenant_id == p.of_tenant).values(name=p.new_name),
    key="of_tenant",
    of_tenant=Uuid(),
    new_name=CUSTOMERS.c.name.type,
)
# Leaves out updated_at, which SQLAlchemy stamps in Python (`onupdate`).
RENAME_UNSTAMPED = RowsUpdate(
    lambda p: update(CUSTOMERS).where(CUSTOMERS.c.id == p.customer_id).values(name=p.name),
    key="customer_id",
    customer_id=Uuid(),
    name=CUSTOMERS.c.name.type,
)
# Stamps a customer's updated_at only: a column NAMES_OF does not read.
TOUCH = RowsUpdate(
    lambda p: update(CUSTOMERS).where(CUSTOMERS.c.id == p.customer_id).values(updated_at=p.now),
    key="customer_id",
    customer_id=Uuid(),
    now=UTCDateTime(),
)
# Reads, of customers, only the rows `ids` lists, and only their id and name.
NAMES_OF = keyed_read(
    select(CUSTOMERS.c.id, CUSTOMERS.c.name).where(one_of(CUSTOMERS.c.id, "ids")),
    table="customers",
    key="ids",
)


@pytest.fixture
def sent(container: Container) -> Iterator[list[str]]:
    """The first word of each statement sent to the database."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.split()[0].upper()
        if verb != "BEGIN":  # SQLite's own BEGIN IMMEDIATE
            seen.append(verb)

    event.listen(container.engine, "before_cursor_execute", record)
    yield seen
    event.remove(container.engine, "before_cursor_execute", record)


def on_postgresql(container: Container) -> bool:
    return container.engine.dialect.name == "postgresql"


def audit_row(tenant_id: uuid.UUID, action: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "actor": "test",
        "action": action,
        "subject_type": "customer",
        "subject_id": new_id(),
        "data": {"текст": "проверка", "文本": "检查"},
        "at": NOW,
    }


def stored_customer(container: Container, tenant_id: uuid.UUID, sent: list[str]) -> dict[str, Any]:
    """A customer named "before", stored beforehand (its statements are not counted)."""
    row = customer_row(tenant_id, "before")
    with container.engine.begin() as connection:
        INSERT_CUSTOMERS.execute(connection, [row])
    sent.clear()
    return row


def stored_names(connection: Connection, tenant_id: uuid.UUID) -> dict[uuid.UUID, str | None]:
    return dict(
        connection.execute(
            select(CUSTOMERS.c.id, CUSTOMERS.c.name).where(CUSTOMERS.c.tenant_id == tenant_id)
        ).all()
    )


def test_writes_to_different_tables_go_as_one_statement_at_the_end(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    customers = [customer_row(tenant_id, name) for name in ("Анна", "王芳", "Ann")]
    entries = [audit_row(tenant_id, "customer.created") for _ in customers]
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, customers)
        INSERT_AUDIT.execute(connection, entries)
        INSERT_AUDIT.execute(connection, [audit_row(tenant_id, "customer.noted")])
        held_back = list(sent)
    assert held_back == ([] if on_postgresql(container) else ["INSERT", "INSERT", "INSERT"])
    assert sent == (["WITH"] if on_postgresql(container) else ["INSERT", "INSERT", "INSERT"])
    with container.engine.connect() as connection:
        assert sorted(filter(None, stored_names(connection, tenant_id).values())) == sorted(
            ["Анна", "王芳", "Ann"]
        )
        actions = connection.execute(
            select(AUDIT.c.action, AUDIT.c.data).where(AUDIT.c.tenant_id == tenant_id)
        ).all()
    assert sorted(action for action, _ in actions) == ["customer.created"] * 3 + ["customer.noted"]
    assert all(data == {"текст": "проверка", "文本": "检查"} for _, data in actions)


def test_an_update_by_key_of_a_row_inserted_in_the_block_is_folded_into_it(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    customers = [customer_row(tenant_id, f"old {n}") for n in range(3)]
    later = NOW.replace(hour=11)
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, customers)
        RENAME.execute(connection, [{"customer_id": customers[1]["id"], "name": "Иван", "now": later}])
    assert sent == (["INSERT"] if on_postgresql(container) else ["INSERT", "UPDATE"])
    with container.engine.connect() as connection:
        names = stored_names(connection, tenant_id)
        stamps = dict(connection.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.updated_at)).all())
    assert [names[row["id"]] for row in customers] == ["old 0", "Иван", "old 2"]
    assert [stamps[row["id"]] for row in customers] == [NOW, later, NOW]


def test_an_update_of_other_rows_joins_the_statement_and_one_of_unknown_rows_waits(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    earlier = stored_customer(container, tenant_id, sent)
    fresh = customer_row(tenant_id, "new")
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, [fresh])
        RENAME.execute(connection, [{"customer_id": earlier["id"], "name": "другой", "now": NOW}])
        together = list(sent)
        RENAME_TENANT.execute(connection, [{"of_tenant": tenant_id, "new_name": "全部"}])
    if on_postgresql(container):
        # The insert and the update of another row went together when the tenant-wide update came;
        # it names its rows by another column, so it had to see the new row: it went after them.
        assert together == []
        assert sent == ["WITH", "UPDATE"]
    with container.engine.connect() as connection:
        assert stored_names(connection, tenant_id) == {earlier["id"]: "全部", fresh["id"]: "全部"}


def test_a_read_in_the_block_sees_what_was_written_before_it(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    customers = [customer_row(tenant_id, name) for name in ("Мария", "李娜")]
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, customers)
        INSERT_AUDIT.execute(connection, [audit_row(tenant_id, "customer.created")])
        counted = connection.execute(
            select(func.count()).select_from(CUSTOMERS).where(CUSTOMERS.c.tenant_id == tenant_id)
        ).scalar_one()
        after_read = list(sent)
    assert counted == 2
    if on_postgresql(container):
        assert after_read == ["WITH", "SELECT"]


def test_a_read_of_other_tables_does_not_send_the_writes(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    if not on_postgresql(container):
        pytest.skip("SQLite writes at once: nothing is held back")
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_AUDIT.execute(connection, [audit_row(tenant_id, "customer.created")])
        connection.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.tenant_id == tenant_id)).all()
        assert sent == ["SELECT"]
    assert sent == ["SELECT", "INSERT"]


def test_an_error_in_the_block_stores_and_sends_nothing(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    class Failed(Exception):
        pass

    with pytest.raises(Failed), container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, [customer_row(tenant_id, "lost")])
        raise Failed
    assert sent == ([] if on_postgresql(container) else ["INSERT"])
    with container.engine.connect() as connection:
        assert stored_names(connection, tenant_id) == {}
        assert not connection.info.get("omniline.write_behind")


def test_committing_while_writes_are_held_back_is_refused(container: Container, tenant_id: uuid.UUID) -> None:
    if not on_postgresql(container):
        pytest.skip("SQLite writes at once: nothing is held back")
    with container.engine.connect() as connection:
        connection.begin()
        with pytest.raises(RuntimeError, match="held back"), write_behind(connection):
            INSERT_CUSTOMERS.execute(connection, [customer_row(tenant_id, "never")])
            connection.commit()
        connection.rollback()
        assert stored_names(connection, tenant_id) == {}


def test_an_update_that_needs_a_python_stamp_is_not_held_back(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    row = stored_customer(container, tenant_id, sent)
    with container.engine.begin() as connection, write_behind(connection):
        RENAME_UNSTAMPED.execute(connection, [{"customer_id": row["id"], "name": "после"}])
        assert sent == ["UPDATE"]
    with container.engine.connect() as connection:
        name, stamp = connection.execute(
            select(CUSTOMERS.c.name, CUSTOMERS.c.updated_at).where(CUSTOMERS.c.id == row["id"])
        ).one()
    assert name == "после"
    assert stamp > NOW


def names_of(connection: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    return {customer_id: name for customer_id, name in connection.execute(NAMES_OF, {"ids": ids})}


def test_a_keyed_read_waits_only_for_writes_to_its_rows_and_columns(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    first = stored_customer(container, tenant_id, sent)
    second = customer_row(tenant_id, "второй")
    with container.engine.begin() as connection:
        INSERT_CUSTOMERS.execute(connection, [second])
    sent.clear()
    fresh = customer_row(tenant_id, "新的")
    later = NOW.replace(hour=12)
    ids = [first["id"], second["id"]]
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, [fresh])  # another row
        TOUCH.execute(connection, [{"customer_id": first["id"], "now": later}])  # a column it does not read
        untouched = names_of(connection, ids)
        before_rename = list(sent)
        RENAME.execute(connection, [{"customer_id": second["id"], "name": "переименован", "now": later}])
        renamed = names_of(connection, ids)
        new_one = names_of(connection, [fresh["id"]])
    assert untouched == {first["id"]: "before", second["id"]: "второй"}
    assert renamed == {first["id"]: "before", second["id"]: "переименован"}
    assert new_one == {fresh["id"]: "新的"}
    if on_postgresql(container):
        assert before_rename == ["SELECT"]
        # The rename touches a column the read uses: everything went ahead of the second read.
        assert sent == ["SELECT", "WITH", "SELECT", "SELECT"]
    with container.engine.connect() as connection:
        stamps = dict(connection.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.updated_at)).all())
    assert stamps[first["id"]] == later


def test_an_update_that_overwrites_a_held_back_one_of_the_same_row_replaces_it(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    row = stored_customer(container, tenant_id, sent)
    touched, renamed = NOW.replace(hour=11), NOW.replace(hour=12)
    with container.engine.begin() as connection, write_behind(connection):
        INSERT_CUSTOMERS.execute(connection, [customer_row(tenant_id, "ещё")])
        TOUCH.execute(connection, [{"customer_id": row["id"], "now": touched}])
        RENAME.execute(connection, [{"customer_id": row["id"], "name": "Пётр", "now": renamed}])
    # The rename sets every column the touch set: the row is changed once, in the one statement.
    assert sent == (["WITH"] if on_postgresql(container) else ["INSERT", "UPDATE", "UPDATE"])
    with container.engine.connect() as connection:
        assert connection.execute(
            select(CUSTOMERS.c.name, CUSTOMERS.c.updated_at).where(CUSTOMERS.c.id == row["id"])
        ).one() == ("Пётр", renamed)


def test_an_update_of_fewer_columns_of_a_held_back_row_goes_after_it(
    container: Container, tenant_id: uuid.UUID, sent: list[str]
) -> None:
    row = stored_customer(container, tenant_id, sent)
    renamed, touched = NOW.replace(hour=11), NOW.replace(hour=12)
    with container.engine.begin() as connection, write_behind(connection):
        RENAME.execute(connection, [{"customer_id": row["id"], "name": "Ольга", "now": renamed}])
        TOUCH.execute(connection, [{"customer_id": row["id"], "now": touched}])
    assert sent == (["UPDATE", "UPDATE"])  # the touch leaves the name: the rename must stay, and go first
    with container.engine.connect() as connection:
        assert connection.execute(
            select(CUSTOMERS.c.name, CUSTOMERS.c.updated_at).where(CUSTOMERS.c.id == row["id"])
        ).one() == ("Ольга", touched)
