"""Linking a Telegram user to the customer a verified `/start` token names (in the hook's transaction).

By the time this runs, the pipeline has stored the `/start` message on whichever customer owns
`telegram:<id>` (a new record for a first-time user). That record is merged into the named customer,
even when it is brand new: the merge moves the identity together with the message and conversation
it brought, leaves an audited `customer.merged` entry, and can be undone like any merge.
"""

import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from omniline.customers.models import Customer
from omniline.customers.service import merge_customers
from omniline.kernel.errors import OmnilineError

log = logging.getLogger(__name__)

LINK_ACTOR = "system:telegram"
LINK_REASON = "the Telegram user opened a signed /start link issued for this customer"


def link_telegram_customer(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    telegram_customer_id: uuid.UUID,
    target_customer_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Merge the Telegram user's record into the target's; False (nothing changed) when the target
    is unknown in this tenant or it is already the same customer."""
    target = _live_customer(session, tenant_id, target_customer_id)
    if target is None:
        log.warning("telegram deep link: no customer %s in tenant %s", target_customer_id, tenant_id)
        return False
    if target == telegram_customer_id:
        return False
    try:
        merge_customers(
            session,
            tenant_id=tenant_id,
            survivor_id=target,
            merged_id=telegram_customer_id,
            actor=LINK_ACTOR,
            reason=LINK_REASON,
            now=now,
        )
    except OmnilineError as error:  # refused before anything moved: the message stays where it is
        log.warning("telegram deep link not applied: %s", error.message)
        return False
    return True


def _live_customer(session: Session, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> uuid.UUID | None:
    """The record that holds the customer now: a token issued before a merge follows the merge."""
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = customer_id
    while current is not None and current not in seen:
        seen.add(current)
        customer = session.get(Customer, current)
        if customer is None or customer.tenant_id != tenant_id:
            return None
        if customer.merged_into_id is None:
            return customer.id
        current = customer.merged_into_id
    return None
