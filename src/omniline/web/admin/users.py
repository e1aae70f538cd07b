"""Admin pages for users and roles: the list with last logins, a new user, and a user's page (name and
role, disable/enable, a new password, and for people who take work their agent profile)."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from omniline.accounts.models import ROLES, User
from omniline.accounts.service import add_user, get_tenant_user, last_logins, list_users, update_user
from omniline.agents.models import AgentProfile
from omniline.agents.service import list_teams, read_agent, update_agent
from omniline.channels.registry import CHANNEL_KINDS
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.web.admin.agent_form import profile_changes, profile_form
from omniline.web.admin.notices import notice_for
from omniline.web.page_access import AdminPage, read_checked_form
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def users_page(page: AdminPage) -> Response:
    return _list_page(page, form={"role": "agent"})


@router.post("/admin/users")
async def create_user_from_form(page: AdminPage) -> Response:
    form = await read_checked_form(page)
    try:
        with page.container.uow() as uow:
            user = add_user(
                uow.session,
                actor=page.actor,
                email=form.get("email", "")[:320],
                name=form.get("name", "")[:200],
                role=form.get("role", ""),
                password=form.get("password", "")[:500],
            )
            uow.commit()
    except (InvalidInput, Conflict) as error:
        kept = {key: form.get(key, "") for key in ("email", "name", "role")}  # never the password
        return _list_page(page, form=kept, error=error.message, status=422)
    return RedirectResponse(f"/admin/users/{user.id}?done=user_created", status_code=303)


@router.get("/admin/users/{user_id}")
def user_page(page: AdminPage, user_id: uuid.UUID, done: str | None = None) -> Response:
    return _user_page(page, user_id, notice=notice_for(page, done))


@router.post("/admin/users/{user_id}")
async def change_user(page: AdminPage, user_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    changes: dict[str, Any] = {"name": form.get("name", "")[:200]}
    if "role" in form:  # the select is disabled (not sent) on the admin's own page
        changes["role"] = form["role"]
    return _apply(page, user_id, changes, done="user_saved", section="details")


@router.post("/admin/users/{user_id}/active")
async def change_user_state(page: AdminPage, user_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    active = form.get("active") == "true"
    return _apply(
        page,
        user_id,
        {"is_active": active},
        done="user_enabled" if active else "user_disabled",
        section="details",
    )


@router.post("/admin/users/{user_id}/password")
async def set_password(page: AdminPage, user_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    return _apply(
        page, user_id, {"password": form.get("password", "")[:500]}, done="password_set", section="password"
    )


@router.post("/admin/users/{user_id}/profile")
async def change_profile(page: AdminPage, user_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    try:
        changes = profile_changes(page, form)
        with page.container.uow() as uow:
            update_agent(
                uow.session,
                actor=page.actor.ref,
                tenant_id=page.actor.tenant_id,
                user_id=user_id,
                changes=changes,
            )
            uow.commit()
    except InvalidInput as error:
        return _user_page(page, user_id, error=error.message, section="profile", profile=form, status=422)
    return RedirectResponse(f"/admin/users/{user_id}?done=profile_saved", status_code=303)


def _apply(page: Page, user_id: uuid.UUID, changes: dict[str, Any], *, done: str, section: str) -> Response:
    try:
        with page.container.uow() as uow:
            update_user(
                uow.session, actor=page.actor, user_id=user_id, changes=changes, now=page.container.clock()
            )
            uow.commit()
    except (InvalidInput, Conflict) as error:
        return _user_page(page, user_id, error=error.message, section=section, status=error.status_code)
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


def _list_page(page: Page, *, form: dict[str, str], error: str | None = None, status: int = 200) -> Response:
    with page.container.uow() as uow:
        logins = last_logins(uow.session, page.actor.tenant_id)
        users = [_person(user, logins.get(user.id)) for user in list_users(uow.session, page.actor.tenant_id)]
    return page.render(
        "admin/users.html",
        {
            "section": "admin",
            "admin_section": "users",
            "users": users,
            "roles": ROLES,
            "form": form,
            "error": error,
        },
        status=status,
    )


def _user_page(
    page: Page,
    user_id: uuid.UUID,
    *,
    notice: str | None = None,
    error: str | None = None,
    section: str | None = None,
    profile: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    tenant_id = page.actor.tenant_id
    with page.container.uow() as uow:
        session = uow.session
        user = get_tenant_user(session, tenant_id, user_id)
        has_profile = (
            session.scalar(select(AgentProfile.id).where(AgentProfile.user_id == user.id)) is not None
        )
        agent = read_agent(session, tenant_id, user.id) if user.is_active else None
        teams = [team.name for team in list_teams(session, tenant_id)]
        person = _person(user, last_logins(session, tenant_id).get(user.id))
    return page.render(
        "admin/user.html",
        {
            "section": "admin",
            "admin_section": "users",
            "user": person,
            "roles": ROLES,
            "is_self": person["id"] == page.actor.user_id,
            "agent": agent,
            "show_profile": agent is not None and (person["role"] == "agent" or has_profile),
            "profile": profile or (profile_form(agent) if agent else {}),
            "teams": teams,
            "kinds": CHANNEL_KINDS,
            "notice": notice,
            "error": error,
            "error_section": section,
        },
        status=status,
    )


def _person(user: User, last_login: datetime | None) -> dict[str, Any]:
    """What the templates show of a user (read inside the transaction: rows expire after it)."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "last_login": last_login,
    }
