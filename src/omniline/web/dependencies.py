"""Dependencies shared by the API routes: the container and the acting user."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.kernel.errors import Unauthenticated
from omniline.security.access import Actor
from omniline.security.tokens import read_token

_bearer = HTTPBearer(auto_error=False)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def actor_from_token(container: Container, token: str) -> Actor:
    """The active user behind a bearer token; Unauthenticated when the token or user is not valid."""
    claims = read_token(token, secret_key=container.settings.secret_key)
    with container.uow() as uow:
        user = uow.session.get(User, claims.user_id)
        if user is None or not user.is_active or user.tenant_id != claims.tenant_id:
            raise Unauthenticated("the user of this token no longer exists or is disabled", code="bad_token")
        return Actor(user.id, user.tenant_id, user.role, user.name)


def get_actor(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise Unauthenticated("send an access token as 'Authorization: Bearer …' (POST /api/v1/auth/token)")
    return actor_from_token(container, credentials.credentials)


ActorDep = Annotated[Actor, Depends(get_actor)]
