"""The desktop's customer pages: search, the customer page (edit, addresses, merge and unmerge, all
through the JSON API from static/customer-page.js), and the customer panel with its timeline pages.

Reading a customer's data is audited like the API does it: one `customer.viewed` row per page or
panel load (further timeline pages are not audited again).
"""

import uuid
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.cases.lifecycle import OPEN_STATUSES
from omniline.customers import repository
from omniline.customers.editing import KNOWN_TIERS
from omniline.customers.models import Customer
from omniline.customers.search import MAX_QUERY, parse_search
from omniline.kernel.errors import InvalidInput
from omniline.security.audit import record_audit
from omniline.web.desktop.customers_panel import IDENTITY_ICONS, load_panel, load_timeline_page
from omniline.web.page_access import AgentPage
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 50
# Kinds staff add by hand on the customer page (channel user ids arrive with messages instead).
ADDABLE_KINDS = ("phone", "email", "telegram", "wechat", "document", "social", "app")
DONE_MESSAGES = {"merged", "unmerged", "visit"}


@router.get("/desktop/customers")
def search_page(page: AgentPage, q: str = Query(default="", max_length=MAX_QUERY)) -> Response:
    found: list[Customer] = []
    with page.container.uow() as uow:
        session = uow.session
        if q.strip():
            region = session.get_one(Tenant, page.actor.tenant_id).default_region
            terms = parse_search(q, region=region)
            found = repository.search_customers(session, page.actor.tenant_id, terms, limit=SEARCH_LIMIT)
            _audit(page, session, "customer.searched", None, {"query": q.strip(), "found": len(found)})
        ids = [customer.id for customer in found]
        identities = repository.identities_of(session, ids)
        cases = repository.cases_of(session, ids)
        uow.commit()
        return page.render(
            "desktop/customers.html",
            {
                "section": "customers",
                "query": q,
                "results": [
                    (
                        customer,
                        identities[customer.id],
                        [case for case in cases[customer.id] if case.status in OPEN_STATUSES],
                    )
                    for customer in found
                ],
                "limit": SEARCH_LIMIT,
                "icons": IDENTITY_ICONS,
            },
        )


@router.get("/desktop/customers/{customer_id}")
def customer_page(customer_id: uuid.UUID, page: AgentPage, done: str = "") -> Response:
    with page.container.uow() as uow:
        session = uow.session
        panel = load_panel(session, page, customer_id)
        merges = repository.list_merges(session, customer_id)
        involved = {merge.survivor_id for merge in merges} | {merge.merged_id for merge in merges}
        others = {row.id: row for row in session.scalars(select(Customer).where(Customer.id.in_(involved)))}
        _audit(page, session, "customer.viewed", customer_id)
        uow.commit()
        context: dict[str, Any] = panel.context() | {
            "section": "desktop",
            "customer": panel.customer,
            "merges": [
                (merge, others.get(merge.survivor_id), others.get(merge.merged_id)) for merge in merges
            ],
            "tiers": _tiers(panel.customer.tier),
            "addable_kinds": ADDABLE_KINDS,
            "done": done if done in DONE_MESSAGES else "",
        }
        return page.render("desktop/customer.html", context)


@router.get("/desktop/customers/{customer_id}/panel")
def customer_panel(customer_id: uuid.UUID, page: AgentPage) -> Response:
    """The panel alone, for the desktop's right column (customer-panel.js swaps it in)."""
    with page.container.uow() as uow:
        panel = load_panel(uow.session, page, customer_id)
        _audit(page, uow.session, "customer.viewed", customer_id)
        uow.commit()
        return page.render("desktop/_customer_panel.html", panel.context())


@router.get("/desktop/customers/{customer_id}/timeline")
def timeline_page(customer_id: uuid.UUID, page: AgentPage, before: str = Query(max_length=40)) -> Response:
    """Older timeline entries (`before` is the cursor of the "more" link), as list items."""
    try:
        cursor = uuid.UUID(before)
    except ValueError:
        raise InvalidInput(page.gettext("This link to older entries is broken; reload the page.")) from None
    with page.container.uow() as uow:
        items, next_cursor = load_timeline_page(uow.session, page, customer_id, cursor)
        return page.render(
            "desktop/_customer_timeline.html",
            {"items": items, "next_cursor": next_cursor, "customer_id": customer_id},
        )


def _tiers(current: str) -> list[str]:
    """The tiers the edit form offers; a tenant's own tier stays selectable."""
    return [*KNOWN_TIERS, current] if current not in KNOWN_TIERS else list(KNOWN_TIERS)


def _audit(
    page: Page,
    session: Session,
    action: str,
    customer_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    # Reads of personal data are audited too, as the API does: most leaks come from inside.
    record_audit(
        session,
        tenant_id=page.actor.tenant_id,
        actor=page.actor.ref,
        action=action,
        subject_type="customer",
        subject_id=customer_id,
        data=data,
    )
