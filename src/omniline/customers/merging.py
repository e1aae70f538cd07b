"""Merging customers: everything of the merged records moves onto the survivor, recorded so that
`unmerge_customer` can give it back.

`merge_many` merges several pairs with one statement per step for all of them (the pipeline merges the
senders of a run of messages at once; an agent's merge is one pair). Each merge of a customer is:
- its identities, conversations, cases, messages, events and tasks move to the survivor (the ids
  moved are kept in the merge record);
- customers merged into it earlier now point at the survivor (`redirected`);
- it points at the survivor (`merged_into_id`), and a survivor without a name takes its name;
- a `customer_merges` row, a `customer.merged` event on the survivor's timeline, an audit entry.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, literal_column, select, union_all, update
from sqlalchemy.orm import Session

from omniline.customers.models import Customer, CustomerMerge
from omniline.customers.repository import OWNED_TABLES
from omniline.db.base import UTCDateTime, table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
from omniline.kernel.clock import utcnow
from omniline.kernel.errors import Conflict, InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.security.audit import audit_row, insert_audit_rows
from omniline.timeline.service import insert_events, timeline_row


@dataclass(frozen=True, slots=True)
class MergeRequest:
    """Merge `merged_ids` (in this order) into `survivor_id`. `name`: a name the message that found
    them gave, which fills the survivor's missing name before any merged record's name does."""

    survivor_id: uuid.UUID
    merged_ids: tuple[uuid.UUID, ...]
    name: str | None = None


_CUSTOMERS = table_of(Customer)
_INVOLVED = select(
    _CUSTOMERS.c.id, _CUSTOMERS.c.tenant_id, _CUSTOMERS.c.name, _CUSTOMERS.c.merged_into_id
).where(one_of(_CUSTOMERS.c.id, "ids"))
_POINT = RowsUpdate(
    lambda p: (
        update(_CUSTOMERS)
        .where(_CUSTOMERS.c.id == p.customer_id)
        .values(merged_into_id=p.into, updated_at=p.now)
    ),
    key="customer_id",
    customer_id=Uuid(),
    into=Uuid(),
    now=UTCDateTime(),
)
_RENAME = RowsUpdate(
    lambda p: (
        update(_CUSTOMERS).where(_CUSTOMERS.c.id == p.customer_id).values(name=p.name, updated_at=p.now)
    ),
    key="customer_id",
    customer_id=Uuid(),
    name=_CUSTOMERS.c.name.type,
    now=UTCDateTime(),
)
_RECORD = RowsInsert(table_of(CustomerMerge))


def _move_rows(model: Any) -> RowsUpdate:
    table = table_of(model)
    return RowsUpdate(
        lambda p: update(table).where(table.c.customer_id == p.merged_id).values(customer_id=p.survivor_id),
        key="merged_id",
        merged_id=Uuid(),
        survivor_id=Uuid(),
    )


def _rows_of(name: str, table: Any, owner: Any) -> Any:
    """(name, row id, owner) of the rows of `table` whose `owner` column is one of the ids."""
    return select(literal_column(f"'{name}'"), table.c.id, owner).where(one_of(owner, "ids"))


_MOVES = {name: _move_rows(model) for name, model in OWNED_TABLES.items()}
_REDIRECTED = "customers merged into them"
# What the merged customers own, table by table, and the customers merged into them earlier, in one
# statement.
_OWNED_AND_REDIRECTED = union_all(
    *(_rows_of(name, table_of(model), table_of(model).c.customer_id) for name, model in OWNED_TABLES.items()),
    _rows_of(_REDIRECTED, _CUSTOMERS, _CUSTOMERS.c.merged_into_id),
)


def merge_many(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    requests: list[MergeRequest],
    actor: str,
    reason: str,
    now: datetime,
) -> list[list[uuid.UUID]]:
    """Carry out the merges; for each request, the ids of its merge records (one per merged customer).
    Every customer named must be another (survivors and merged ones all differ).

    Raises NotFound when a customer is not one of `tenant_id` (merges never cross tenants),
    InvalidInput when a customer would be merged with itself, Conflict when one is already merged away.
    """
    pairs = [(request.survivor_id, merged_id) for request in requests for merged_id in request.merged_ids]
    if not pairs:
        return [[] for _ in requests]
    if any(survivor_id == merged_id for survivor_id, merged_id in pairs):
        raise InvalidInput("a customer cannot be merged with itself")
    session.flush()  # statements below must see, and objects must not later overwrite, what they change
    names = _check_involved(session, tenant_id, {customer for pair in pairs for customer in pair})
    merged_ids = [merged_id for _, merged_id in pairs]
    connection = session.connection()
    found: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for table, row_id, owner in connection.execute(_OWNED_AND_REDIRECTED, {"ids": merged_ids}):
        found[table].append((row_id, owner))
    moved: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(dict)
    for table, move in _MOVES.items():
        rows = sorted(found[table])  # ids are made in time order: the order the rows were made
        for merged_id in merged_ids:
            moved[merged_id][table] = [str(row_id) for row_id, owner in rows if owner == merged_id]
        if rows:
            move.execute(connection, [{"merged_id": m, "survivor_id": s} for s, m in pairs])
    redirected: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for customer_id, into in sorted(found[_REDIRECTED]):
        redirected[into].append(customer_id)
    stamp = utcnow()  # as the ORM stamps a changed customer
    survivor_of = {merged_id: survivor_id for survivor_id, merged_id in pairs}
    points = [{"customer_id": m, "into": s, "now": stamp} for s, m in pairs]
    points += [
        {"customer_id": customer_id, "into": survivor_of[into], "now": stamp}
        for into, customer_ids in redirected.items()
        for customer_id in customer_ids
    ]
    _POINT.execute(connection, points)
    renames = _renames(requests, names, stamp)
    _RENAME.execute(connection, renames)
    records, events, audits = [], [], []
    record_ids: list[list[uuid.UUID]] = []
    for request in requests:
        mine = []
        for merged_id in request.merged_ids:
            record_id = new_id()
            mine.append(record_id)
            follows = {"redirected": [str(item) for item in redirected.get(merged_id, [])]}
            records.append(
                {
                    "id": record_id,
                    "tenant_id": tenant_id,
                    "survivor_id": request.survivor_id,
                    "merged_id": merged_id,
                    "actor": actor,
                    "reason": reason,
                    "moved": moved[merged_id] | follows,
                    "created_at": now,
                    "undone_at": None,
                    "undone_by": None,
                }
            )
            told = {"merge_id": str(record_id), "merged_customer_id": str(merged_id), "reason": reason}
            events.append(
                timeline_row(
                    tenant_id=tenant_id,
                    customer_id=request.survivor_id,
                    type="customer.merged",
                    at=now,
                    actor=actor,
                    data=told,
                )
            )
            audits.append(
                audit_row(tenant_id, actor, "customer.merged", "customer", request.survivor_id, told)
            )
        record_ids.append(mine)
    _RECORD.execute(connection, records)
    insert_events(session, events)
    insert_audit_rows(session, audits)
    _forget_loaded(session, names)
    return record_ids


def _check_involved(
    session: Session, tenant_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Every customer exists in the tenant and is not merged away; their names."""
    rows = session.connection().execute(_INVOLVED, {"ids": sorted(ids)}).all()
    found = {row[0]: row for row in rows if row[1] == tenant_id}
    for customer_id in sorted(ids):
        row = found.get(customer_id)
        if row is None:
            raise NotFound(f"customer {customer_id} not found")
        if row[3] is not None:
            raise Conflict(f"customer {customer_id} is already merged into {row[3]}")
    return {customer_id: row[2] for customer_id, row in found.items()}


def _renames(
    requests: list[MergeRequest], names: dict[uuid.UUID, str | None], stamp: datetime
) -> list[dict[str, Any]]:
    """A survivor without a name takes the message's name, else the first merged record's that has one."""
    renames = []
    for request in requests:
        if names[request.survivor_id]:
            continue
        candidates = [request.name, *(names[merged_id] for merged_id in request.merged_ids)]
        name = next((candidate for candidate in candidates if candidate), None)
        if name:
            renames.append({"customer_id": request.survivor_id, "name": name, "now": stamp})
    return renames


def _forget_loaded(session: Session, customer_ids: dict[uuid.UUID, Any]) -> None:
    """Customers this session holds as objects are read again when next used: statements changed them."""
    for customer_id in customer_ids:
        loaded = session.identity_map.get(session.identity_key(Customer, customer_id))
        if loaded is not None:
            session.expire(loaded)
