"""PostgreSQL: concurrent batches that share a person take turns, through locks on the person's
addresses and customers, instead of failing or deadlocking on each other's rows.

Without them, two writers (pipeline/group_commit.py runs two on PostgreSQL) that both receive the first
message of one person each insert the identity, and the later one fails on the unique index and runs
again, its whole group with it; two that receive messages of one customer under different addresses
update the same case and conversation rows in opposite orders and deadlock (PostgreSQL notices after
a second). The locks are transaction-scoped advisory locks on a 64-bit hash of (tenant, name), where
the name is an address ("KIND:ADDRESS") or a customer ("customer:<id>").

Two ways to take them, both free of deadlocks:
- waiting (`ingest_batch`): the addresses in one statement, in ascending order, then the customers
  they belong to, the same way, before anything is written;
- not waiting (`ingest_unhindered`): each lock that is free is taken, and the messages whose locks
  another transaction holds are set aside for a later transaction. A transaction that never waits at
  a lock cannot close a cycle of waits. `find_taking_free_locks` does it in one statement with the
  lookup of the senders' identities: it tries the addresses' locks, looks the identities up, and tries
  the locks of the customers it found.
Between them, every pipeline transaction that writes a customer's rows holds that customer's lock.
SQLite needs none: it has one writer at a time.

In that one statement the lookup reads a snapshot taken before the addresses' locks were tried. If
the transaction that held one commits in between (microseconds), the lookup misses the identity it
created, and this transaction's insert of the same address fails on the unique index: the group is
rolled back and its messages stored one by one (pipeline/group_commit.py), waiting at the locks. A
rare retry, never a wrong customer.
"""

import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy import BigInteger, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from omniline.customers.identities import IdentityClaim
from omniline.customers.matching import KnownIdentity
from omniline.customers.repository import (
    KNOWN_PAIRS_SQL,
    find_known_identities,
    known_identities,
    known_pairs_parameters,
)

LockName = tuple[uuid.UUID, str]  # (tenant, "KIND:ADDRESS") or (tenant, "customer:<id>")

_LOCK = select(func.pg_advisory_xact_lock(func.unnest(bindparam("keys", type_=ARRAY(BigInteger)))))


def wait_for_locks(session: Session, names: Iterable[LockName]) -> None:
    """Wait for, and hold until the transaction ends, the locks of `names`: (tenant, "KIND:ADDRESS") or
    `customer_lock` pairs, all in one statement (several statements would not take them in one global
    order)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    keys = sorted({lock_key(tenant_id, name) for tenant_id, name in names})
    if keys:
        connection.execute(_LOCK, {"keys": keys}).all()


# The statement of `find_taking_free_locks`. Its parts run in this order: the address locks (the
# lookup's one-time filter waits for them), the lookup, then the locks of the customers found, whose
# keys the server derives as `lock_key` does (md5 of "<tenant>/customer:<id>", the first 8 bytes as a
# signed integer).
_FIND_TAKING_FREE_LOCKS = text(
    f"""
WITH busy_addresses AS MATERIALIZED (
    SELECT key FROM unnest(CAST(:address_keys AS BIGINT[])) AS key WHERE NOT pg_try_advisory_xact_lock(key)
),
found AS MATERIALIZED (
    SELECT * FROM ({KNOWN_PAIRS_SQL}) AS pairs WHERE (SELECT count(*) FROM busy_addresses) >= 0
)
SELECT found.*, NULL::BIGINT AS busy_key, NULL::UUID AS busy_customer FROM found
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, key, NULL FROM busy_addresses
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, theirs.customer_id
FROM (SELECT DISTINCT customer_id FROM found) AS theirs
WHERE NOT pg_try_advisory_xact_lock(
    ('x' || left(md5(CAST(:tenant_id AS TEXT) || '/customer:' || CAST(theirs.customer_id AS TEXT)), 16))
    ::BIT(64)::BIGINT
)
"""
)


def find_taking_free_locks(
    session: Session,
    tenant_id: uuid.UUID,
    claims: list[IdentityClaim],
    addresses: Iterable[LockName] = (),
) -> tuple[list[tuple[KnownIdentity, uuid.UUID]], set[LockName]]:
    """`find_known_identities` for `claims` (of `tenant_id`), in one statement that also takes, without
    waiting, the free locks of `addresses` (of any tenant; tried first) and of the customers the
    identities found belong to (tried last), until this transaction ends; the identities, and the names
    whose lock another transaction holds. Taking them in any order is safe: a transaction that does not
    wait cannot be part of a deadlock. SQLite: the lookup alone."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return find_known_identities(session, tenant_id, claims), set()
    of_key = {lock_key(tenant, name): (tenant, name) for tenant, name in addresses}
    rows = connection.execute(
        _FIND_TAKING_FREE_LOCKS,
        known_pairs_parameters(tenant_id, claims) | {"address_keys": sorted(of_key)},
    ).all()
    busy: set[LockName] = set()
    for row in rows:
        if row.busy_key is not None:
            busy.add(of_key[row.busy_key])
        elif row.busy_customer is not None:
            busy.add(customer_lock(tenant_id, row.busy_customer))
    return known_identities(row[:6] for row in rows if row[0] is not None), busy


def customer_lock(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> LockName:
    """The name a customer is locked by (it cannot be an address: no identity kind is "customer")."""
    return (tenant_id, f"customer:{customer_id}")


def customer_locks(tenant_id: uuid.UUID, customers: Iterable[uuid.UUID]) -> set[LockName]:
    return {customer_lock(tenant_id, customer_id) for customer_id in customers}


def lock_key(tenant_id: uuid.UUID, name: str) -> int:
    """The advisory lock's 64-bit key for a name: md5, not for secrecy, but because the server computes
    the same for customers in `_FIND_TAKING_FREE_LOCKS`."""
    digest = hashlib.md5(f"{tenant_id}/{name}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
