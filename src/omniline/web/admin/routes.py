"""The admin pages: an overview, then channels, users and roles, the taxonomy and the routing rules,
each a module with its own router, included here. Every page needs the admin role (AdminPage)."""

from collections import Counter

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select

from omniline.accounts.models import User
from omniline.channels.models import Channel, Delivery
from omniline.routing.policy_store import policy_document
from omniline.taxonomy.models import Topic
from omniline.web.admin import channels, routing_rules, taxonomy, users
from omniline.web.page_access import AdminPage

router = APIRouter(include_in_schema=False)
for part in (channels, users, taxonomy, routing_rules):
    router.include_router(part.router)


@router.get("/admin")
def admin_home(page: AdminPage) -> Response:
    tenant_id = page.actor.tenant_id
    with page.container.uow() as uow:
        session = uow.session
        channel_states = Counter(
            session.scalars(select(Channel.is_active).where(Channel.tenant_id == tenant_id))
        )
        people = session.execute(select(User.role, User.is_active).where(User.tenant_id == tenant_id)).all()
        topics = session.scalar(
            select(func.count())
            .select_from(Topic)
            .where(Topic.tenant_id == tenant_id, Topic.is_active.is_(True))
        )
        failed = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.tenant_id == tenant_id, Delivery.status == "failed")
        )
        policy = policy_document(session, tenant_id)
    roles = Counter(role for role, active in people if active)
    counts = {
        "channels": sum(channel_states.values()),
        "channels_active": channel_states[True],
        "failed_deliveries": failed or 0,
        "users": len(people),
        "users_active": sum(roles.values()),
        "roles": {role: roles[role] for role in ("admin", "supervisor", "agent")},
        "topics": topics or 0,
        "rules": len(policy["rules"]),
        "policy_version": policy["version"],
    }
    return page.render(
        "admin/index.html", {"section": "admin", "admin_section": "overview", "counts": counts}
    )
