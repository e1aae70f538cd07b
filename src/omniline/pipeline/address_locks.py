"""PostgreSQL: a batch's addresses are locked before it looks them up, so concurrent batches that
share an address take turns instead of both creating the same identity.

Without it, two writers (pipeline/group_commit.py runs two on PostgreSQL) that both receive the first
message of one person each insert the identity, and the later one fails on the unique index and runs
again, its whole group with it. With it, the later one waits at the lock until the earlier commits,
then finds the identity. The locks are transaction-scoped advisory locks on a 64-bit hash of (tenant,
kind, address), taken in one statement, in ascending order, so two batches can never hold each
other's. SQLite needs none: it has one writer at a time.
"""

import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_LOCK = select(func.pg_advisory_xact_lock(func.unnest(bindparam("keys", type_=ARRAY(BigInteger)))))


def lock_addresses(session: Session, addresses: Iterable[tuple[uuid.UUID, str]]) -> None:
    """Wait for, and hold until the transaction ends, the locks of `addresses`: (tenant, "KIND:ADDRESS")
    pairs, all in one statement (several statements would not take them in one global order)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    keys = sorted({address_key(tenant_id, address) for tenant_id, address in addresses})
    if keys:
        connection.execute(_LOCK, {"keys": keys}).all()


def address_key(tenant_id: uuid.UUID, address: str) -> int:
    digest = hashlib.blake2b(tenant_id.bytes + address.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
