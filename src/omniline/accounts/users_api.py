"""People administration over the API (admins only): list, add and change the tenant's users.

GET   /api/v1/users             every user with their last login
POST  /api/v1/users             {"email", "name", "role", "password"} → 201 the user
PATCH /api/v1/users/{id}        {"name"?, "role"?, "is_active"?, "password"?} → the user;
                                409 when admins would demote or disable themselves
"""

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.accounts.service import add_user, last_logins, list_users, update_user, user_view
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1", tags=["users"])

Role = Literal["admin", "supervisor", "agent"]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=500)


class UserChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=500)


@router.get("/users")
def get_users(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require("admin")
    with container.uow() as uow:
        logins = last_logins(uow.session, actor.tenant_id)
        users = list_users(uow.session, actor.tenant_id)
        return {"items": [user_view(user, logins.get(user.id)) for user in users]}


@router.post("/users", status_code=201)
def post_user(body: NewUser, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require("admin")
    with container.uow() as uow:
        user = add_user(
            uow.session, actor=actor, email=body.email, name=body.name, role=body.role, password=body.password
        )
        uow.commit()
        return user_view(user, None)


@router.patch("/users/{user_id}")
def patch_user(
    user_id: uuid.UUID, body: UserChanges, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Only the fields sent change. Disabling a user or setting their password ends their sessions."""
    actor.require("admin")
    with container.uow() as uow:
        user = update_user(
            uow.session,
            actor=actor,
            user_id=user_id,
            changes=body.model_dump(exclude_unset=True),
            now=container.clock(),
        )
        uow.commit()
        return user_view(user, last_logins(uow.session, actor.tenant_id).get(user.id))
