"""Queries about customers and identities; the only place in this slice that builds SQL."""

import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Uuid,
    bindparam,
    case,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from omniline.cases.models import Case
from omniline.conversations.models import Conversation
from omniline.customers.identities import IdentityClaim
from omniline.customers.matching import KnownIdentity
from omniline.customers.models import Customer, CustomerMerge, Identity
from omniline.customers.search import SearchTerms
from omniline.db.base import table_of
from omniline.db.bulk import RowsInsert, RowsUpdate, one_of
from omniline.messages.models import Message
from omniline.routing.models import Task
from omniline.timeline.models import TimelineEvent

# The tables whose rows follow their customer through a merge, in the order they are moved. Tasks
# (the work on the cases) follow too: routing reads a customer's work by customer (the last agent who
# helped, work already waiting).
OWNED_TABLES: dict[
    str, type[Identity] | type[Conversation] | type[Case] | type[Message] | type[TimelineEvent] | type[Task]
] = {
    "identities": Identity,
    "conversations": Conversation,
    "cases": Case,
    "messages": Message,
    "events": TimelineEvent,
    "tasks": Task,
}


_KNOWN_COLUMNS = (
    Identity.id,
    Identity.kind,
    Identity.address,
    Customer.id,
    Customer.created_at,
    Customer.name,
)


@cache
def _find_known_statement(kinds: tuple[str, ...]) -> Any:
    """SQLite's statement, built once per set of identity kinds (a handful): for each kind, its
    addresses as one expanding IN list, so one statement serves any number of messages. One SELECT per
    kind, joined by UNION ALL: each is a lookup on the unique (tenant, kind, address) index, where
    SQLite would search an OR of IN lists by the tenant alone."""
    return union_all(
        *(
            select(
                Identity.id, Identity.kind, Identity.address, Customer.id, Customer.created_at, Customer.name
            )
            .join(Customer, Customer.id == Identity.customer_id)
            .where(
                Identity.tenant_id == bindparam("tenant_id", type_=Uuid()),
                Identity.kind == kind,
                one_of(Identity.address, f"addresses_{index}", String()),
            )
            for index, kind in enumerate(kinds)
        )
    )


# PostgreSQL: the (kind, address) pairs as two arrays, each pair looked up on the unique index by a
# LATERAL subquery (its LIMIT keeps the planner from turning it into a join, which on a small table it
# would answer with a scan of the whole tenant). One statement for any mix of kinds: the server plans it
# once per connection, where the UNION above took a new plan for every call. Plain SQL, because the
# pipeline also uses it as part of a larger statement (pipeline/address_locks.py).
KNOWN_PAIRS_SQL = """
SELECT known.identity_id, known.kind, known.address, known.customer_id, known.created_at, known.name
FROM unnest(CAST(:kinds AS VARCHAR[]), CAST(:addresses AS VARCHAR[])) AS claimed(kind, address)
JOIN LATERAL (
    SELECT identities.id AS identity_id, identities.kind, identities.address,
           customers.id AS customer_id, customers.created_at, customers.name
    FROM identities JOIN customers ON customers.id = identities.customer_id
    WHERE identities.tenant_id = :tenant_id
      AND identities.kind = claimed.kind AND identities.address = claimed.address
    LIMIT 1
) AS known ON true
"""
_FIND_KNOWN_PAIRS = text(KNOWN_PAIRS_SQL)


def known_pairs_parameters(tenant_id: uuid.UUID, claims: Iterable[IdentityClaim]) -> dict[str, Any]:
    """`KNOWN_PAIRS_SQL`'s parameters: each distinct (kind, address) once, in a stable order."""
    pairs = sorted({(claim.kind, claim.address) for claim in claims})
    return {
        "tenant_id": tenant_id,
        "kinds": [kind for kind, _ in pairs],
        "addresses": [address for _, address in pairs],
    }


def known_identities(rows: Iterable[Any]) -> list[tuple[KnownIdentity, uuid.UUID]]:
    """Rows of (identity id, kind, address, customer id, customer created at, customer name), as
    `find_known_identities` returns them."""
    return [
        (KnownIdentity(f"{kind}:{address}", customer_id, created_at, name), identity_id)
        for identity_id, kind, address, customer_id, created_at, name in rows
    ]


def find_known_identities(
    session: Session, tenant_id: uuid.UUID, claims: Iterable[IdentityClaim]
) -> list[tuple[KnownIdentity, uuid.UUID]]:
    """The claims that already exist, with their owner, and each identity row's id."""
    claims = list(claims)
    if not claims:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return known_identities(
            connection.execute(_FIND_KNOWN_PAIRS, known_pairs_parameters(tenant_id, claims)).all()
        )
    by_kind: dict[str, set[str]] = {}
    for claim in claims:
        by_kind.setdefault(claim.kind, set()).add(claim.address)
    kinds = tuple(sorted(by_kind))
    params: dict[str, Any] = {"tenant_id": tenant_id}
    for index, kind in enumerate(kinds):
        params[f"addresses_{index}"] = sorted(by_kind[kind])
    return known_identities(connection.execute(_find_known_statement(kinds), params).all())


def find_customer_by_identity(
    session: Session, tenant_id: uuid.UUID, claim: IdentityClaim
) -> Customer | None:
    return session.scalars(
        select(Customer)
        .join(Identity, Identity.customer_id == Customer.id)
        .where(
            Identity.tenant_id == tenant_id, Identity.kind == claim.kind, Identity.address == claim.address
        )
    ).first()


def find_identity(session: Session, tenant_id: uuid.UUID, claim: IdentityClaim) -> Identity | None:
    return session.scalars(
        select(Identity).where(
            Identity.tenant_id == tenant_id, Identity.kind == claim.kind, Identity.address == claim.address
        )
    ).first()


def search_customers(
    session: Session, tenant_id: uuid.UUID, terms: SearchTerms, *, limit: int
) -> list[Customer]:
    """The tenant's customers (not merged away) the terms find, in one query: whoever has the exact
    identity first, then name or address matches, newest first."""
    tenant_identities = select(Identity.customer_id).where(Identity.tenant_id == tenant_id)
    conditions: list[ColumnElement[bool]] = []
    exact = None
    if terms.exact is not None:
        exact = Customer.id.in_(
            tenant_identities.where(
                Identity.kind == terms.exact.kind, Identity.address == terms.exact.address
            )
        )
        conditions.append(exact)
    if terms.fragments:
        patterns = [f"%{_escape_like(fragment)}%" for fragment in terms.fragments]
        conditions.append(or_(*(Customer.name.ilike(pattern, escape="\\") for pattern in patterns)))
        addresses = or_(*(Identity.address.ilike(pattern, escape="\\") for pattern in patterns))
        conditions.append(Customer.id.in_(tenant_identities.where(addresses)))
    if not conditions:
        return []
    query = select(Customer).where(
        Customer.tenant_id == tenant_id, Customer.merged_into_id.is_(None), or_(*conditions)
    )
    ordering = [Customer.id.desc()] if exact is None else [case((exact, 0), else_=1), Customer.id.desc()]
    return list(session.scalars(query.order_by(*ordering).limit(limit)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def identities_of(session: Session, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Identity]]:
    found: dict[uuid.UUID, list[Identity]] = {customer_id: [] for customer_id in customer_ids}
    if customer_ids:
        query = select(Identity).where(Identity.customer_id.in_(customer_ids)).order_by(Identity.id)
        for identity in session.scalars(query):
            found[identity.customer_id].append(identity)
    return found


def cases_of(session: Session, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Case]]:
    """Each customer's cases, newest first."""
    found: dict[uuid.UUID, list[Case]] = {customer_id: [] for customer_id in customer_ids}
    if customer_ids:
        query = select(Case).where(Case.customer_id.in_(customer_ids)).order_by(Case.id.desc())
        for item in session.scalars(query):
            found[item.customer_id].append(item)
    return found


def list_merges(session: Session, customer_id: uuid.UUID) -> list[CustomerMerge]:
    """The merges this customer took part in, either side, newest first."""
    return list(
        session.scalars(
            select(CustomerMerge)
            .where((CustomerMerge.survivor_id == customer_id) | (CustomerMerge.merged_id == customer_id))
            .order_by(CustomerMerge.created_at.desc(), CustomerMerge.id.desc())
        )
    )


def list_identities(session: Session, customer_id: uuid.UUID) -> list[Identity]:
    return list(
        session.scalars(select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id))
    )


def ids_owned_by(session: Session, customer_id: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    """For each table that follows a customer, the ids of the rows that belong to `customer_id`."""
    return {
        name: list(session.scalars(select(model.id).where(model.customer_id == customer_id)))
        for name, model in OWNED_TABLES.items()
    }


def reassign(session: Session, table: str, ids: list[uuid.UUID], customer_id: uuid.UUID) -> None:
    model = OWNED_TABLES[table]
    for start in range(0, len(ids), 500):  # stay under the backends' bound-parameter limits
        chunk = ids[start : start + 500]
        session.execute(
            update(model).where(model.id.in_(chunk)).values(customer_id=customer_id),
            execution_options={"synchronize_session": False},
        )


CUSTOMER_INSERT = RowsInsert(table_of(Customer))
IDENTITY_INSERT = RowsInsert(table_of(Identity))
_CUSTOMERS = table_of(Customer)
# A name only fills a gap: a name the customer already has (or an agent gave) is kept.
FILL_MISSING_NAME = RowsUpdate(
    lambda p: (
        update(_CUSTOMERS)
        .where(_CUSTOMERS.c.id == p.customer_id, _CUSTOMERS.c.name.is_(None))
        .values(name=p.name)
    ),
    key="customer_id",
    customer_id=Uuid(),
    name=_CUSTOMERS.c.name.type,
)
