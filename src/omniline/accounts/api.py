"""POST /api/v1/auth/token: e-mail and password → a bearer token."""

from datetime import timedelta

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.accounts.sign_in import sign_in
from omniline.security.tokens import TokenClaims, issue_token
from omniline.web.dependencies import ContainerDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=500)


@router.post("/token")
def create_token(body: TokenRequest, container: ContainerDep) -> dict[str, object]:
    user = sign_in(container, email=body.email, password=body.password)
    claims = TokenClaims(user.id, user.tenant_id, user.role, user.token_generation)
    lifetime = timedelta(minutes=container.settings.access_token_minutes)
    token = issue_token(
        claims, secret_key=container.settings.secret_key, now=container.clock(), lifetime=lifetime
    )
    return {"access_token": token, "token_type": "bearer", "expires_in": int(lifetime.total_seconds())}
