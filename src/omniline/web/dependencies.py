"""Dependencies shared by the API routes: the container and the acting user."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.kernel.errors import Unauthenticated
from omniline.security.access import Actor
from omniline.security.tokens import read_token
from omniline.web.sessions import require_csrf_header, session_of

_bearer = HTTPBearer(auto_error=False)


async def get_container(request: Request) -> Container:
    """Async although it awaits nothing: FastAPI runs a plain function dependency in the thread pool,
    a thread round trip on every request for an attribute read."""
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
        if claims.generation != user.token_generation:
            raise Unauthenticated(
                "the access token was issued before the password was changed; sign in again",
                code="token_revoked",
            )
        return Actor(user.id, user.tenant_id, user.role, user.name)


def get_actor(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """A bearer token (programs), or the browser's session cookie (the pages' own scripts), which must
    bring the session's CSRF token for anything that changes state."""
    if credentials is not None:
        return actor_from_token(container, credentials.credentials)
    active = session_of(container, request)
    if active is None:
        raise Unauthenticated("send an access token as 'Authorization: Bearer …' (POST /api/v1/auth/token)")
    require_csrf_header(request, active)
    return active.actor


ActorDep = Annotated[Actor, Depends(get_actor)]
