"""find_known_identities: the addresses a batch claims that already exist, with their owners, in one
statement on either backend (PostgreSQL: pairs looked up on the unique index; SQLite: a UNION of IN
lists per kind)."""

import uuid
from datetime import UTC, datetime

from omniline.bootstrap import Container
from omniline.customers.identities import IdentityClaim
from omniline.customers.repository import find_known_identities
from omniline.customers.service import resolve_customer

NAME = "Ли Мин / 李明"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_known_pairs_are_found_with_their_owner_and_nothing_else(
    container: Container, tenant_id: uuid.UUID
) -> None:
    email = IdentityClaim("email", "олег@пример.рф")
    app = IdentityClaim("app", "100001")
    telegram = IdentityClaim("telegram", "100002")
    with container.uow() as uow:
        first = resolve_customer(
            uow.session, tenant_id=tenant_id, claims=[email, app], name=NAME, now=NOW, actor="test"
        )
        second = resolve_customer(
            uow.session, tenant_id=tenant_id, claims=[telegram], name="王芳", now=NOW, actor="test"
        )
        uow.commit()
    claims = [
        email,
        app,
        telegram,
        IdentityClaim("telegram", "100001"),  # the app user's address under another kind: not known
        IdentityClaim("app", "100002"),
        IdentityClaim("phone", "+79160000000"),  # nobody's
    ]
    with container.uow() as uow:
        found = find_known_identities(uow.session, tenant_id, claims)
        elsewhere = find_known_identities(uow.session, uuid.uuid4(), claims)
    owners = {known.claim_key: known.customer_id for known, _identity_id in found}
    assert owners == {
        "email:олег@пример.рф": first.customer_id,
        "app:100001": first.customer_id,
        "telegram:100002": second.customer_id,
    }
    assert {known.customer_name for known, _ in found} == {NAME, "王芳"}
    assert len({identity_id for _, identity_id in found}) == 3
    assert elsewhere == []  # never across tenants
