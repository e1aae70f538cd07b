"""Background job: every `settings.routing_poll_seconds`, end offers nobody answered in time, move work
that waited too long (overflow), and offer waiting work in every tenant that has some.

Each step is its own transaction, so one tenant's failure does not hold back the others, and an error
is logged and the next pass tries again: the loop outlives database hiccups.
"""

import asyncio
import logging
import uuid
from datetime import datetime

from sqlalchemy import select

from omniline.agents.models import AgentProfile
from omniline.bootstrap import Container
from omniline.routing.dispatch import dispatch
from omniline.routing.handoff import apply_overflow
from omniline.routing.models import Task
from omniline.routing.offers import expire_offers

log = logging.getLogger(__name__)


def run_routing_pass(container: Container, now: datetime | None = None) -> int:
    """One pass of the job; returns how many offers it made (timeouts re-offered included)."""
    now = now or container.clock()
    offered = 0
    with container.uow() as uow:
        expired = expire_offers(uow, now=now)
        uow.commit()
    with container.uow() as uow:
        apply_overflow(uow, now=now)
        uow.commit()
    for tenant_id in tenants_with_waiting_work(container):
        try:
            with container.uow() as uow:
                offered += len(dispatch(uow, tenant_id, now=now))
                uow.commit()
        except Exception:  # one tenant's trouble must not stop routing for the rest
            log.exception("dispatch failed for tenant %s", tenant_id)
    if expired:
        log.info("%d offers expired", len(expired))
    return offered


def tenants_with_waiting_work(container: Container) -> list[uuid.UUID]:
    """Tenants with open work and at least one available agent (the only ones dispatch can serve)."""
    with container.uow() as uow:
        waiting = select(Task.tenant_id).where(Task.status == "open").distinct()
        query = (
            select(AgentProfile.tenant_id)
            .where(AgentProfile.presence == "available", AgentProfile.tenant_id.in_(waiting))
            .distinct()
        )
        return sorted(uow.session.scalars(query))


async def dispatch_service(container: Container) -> None:
    """Run routing passes until cancelled."""
    while True:
        try:
            await asyncio.to_thread(run_routing_pass, container)
        except Exception:  # a database hiccup must not kill routing; the next pass tries again
            log.exception("routing pass failed")
        await asyncio.sleep(container.settings.routing_poll_seconds)
