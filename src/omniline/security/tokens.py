"""API access tokens: HS256 JWTs signed with the installation's secret key."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from omniline.kernel.errors import Unauthenticated

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    generation: int = 0  # the user's token_generation when issued; a later one voids the token


def issue_token(claims: TokenClaims, *, secret_key: str, now: datetime, lifetime: timedelta) -> str:
    payload = {
        "sub": str(claims.user_id),
        "tid": str(claims.tenant_id),
        "role": claims.role,
        "gen": claims.generation,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(payload, secret_key, algorithm=ALGORITHM)


def read_token(token: str, *, secret_key: str) -> TokenClaims:
    """The claims of a valid, unexpired token; Unauthenticated otherwise."""
    try:
        payload = jwt.decode(token, secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return TokenClaims(
            uuid.UUID(payload["sub"]),
            uuid.UUID(payload["tid"]),
            str(payload["role"]),
            int(payload.get("gen", 0)),
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the access token has expired", code="token_expired") from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthenticated("the access token is not valid", code="bad_token") from None
