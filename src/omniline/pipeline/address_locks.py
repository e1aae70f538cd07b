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
  a lock cannot close a cycle of waits.
Between them, every pipeline transaction that writes a customer's rows holds that customer's lock.
SQLite needs none: it has one writer at a time.
"""

import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy import BigInteger, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_LOCK = select(func.pg_advisory_xact_lock(func.unnest(bindparam("keys", type_=ARRAY(BigInteger)))))
# Each lock that is free is taken; the keys of those another transaction holds come back.
_TRY_LOCK = text(
    "SELECT key FROM unnest(CAST(:keys AS BIGINT[])) AS key WHERE NOT pg_try_advisory_xact_lock(key)"
)


def wait_for_locks(session: Session, names: Iterable[tuple[uuid.UUID, str]]) -> None:
    """Wait for, and hold until the transaction ends, the locks of `names`: (tenant, "KIND:ADDRESS") or
    `customer_lock` pairs, all in one statement (several statements would not take them in one global
    order)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    keys = sorted({address_key(tenant_id, name) for tenant_id, name in names})
    if keys:
        connection.execute(_LOCK, {"keys": keys}).all()


def take_free_locks(session: Session, names: Iterable[tuple[uuid.UUID, str]]) -> set[tuple[uuid.UUID, str]]:
    """Take, without waiting, the locks of `names` that no other transaction holds (until this
    transaction ends); the names whose lock is held elsewhere. Taking them in any order is safe: a
    transaction that does not wait cannot be part of a deadlock."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return set()
    of_key = {address_key(tenant_id, name): (tenant_id, name) for tenant_id, name in names}
    if not of_key:
        return set()
    busy = connection.execute(_TRY_LOCK, {"keys": sorted(of_key)}).scalars()
    return {of_key[key] for key in busy}


def customer_lock(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """The name a customer is locked by (it cannot be an address: no identity kind is "customer")."""
    return (tenant_id, f"customer:{customer_id}")


def customer_locks(tenant_id: uuid.UUID, customers: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    return {customer_lock(tenant_id, customer_id) for customer_id in customers}


def address_key(tenant_id: uuid.UUID, address: str) -> int:
    digest = hashlib.blake2b(tenant_id.bytes + address.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
