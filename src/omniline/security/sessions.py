"""Browser sessions: log in with a password, then a cookie; they expire when idle and at a fixed end,
and logging out ends them at once (the row is kept, marked ended, for the audit trail)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.security.access import Actor
from omniline.security.models import WebSession

# Only touch last_seen_at this often: a page that polls must not turn every read into a write.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SessionLifetime:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class ActiveSession:
    id: uuid.UUID
    actor: Actor
    csrf_token: str
    language: str | None  # the user's chosen page language, if any


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, user: User, *, now: datetime, lifetime: SessionLifetime, user_agent: str | None
) -> tuple[str, WebSession]:
    """A new session for an authenticated user; the token goes into the cookie and is never stored."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=hash_token(token),
        tenant_id=user.tenant_id,
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime.absolute,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    session.flush()
    return token, row


def find_session(
    session: Session, token: str, *, now: datetime, lifetime: SessionLifetime
) -> ActiveSession | None:
    """The live session behind a cookie token, or None when it is unknown, ended, expired or idle too long,
    or its user was disabled."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + lifetime.idle <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.tenant_id != row.tenant_id:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return ActiveSession(
        id=row.id,
        actor=Actor(user.id, user.tenant_id, user.role, user.name),
        csrf_token=row.csrf_token,
        language=user.language,
    )


def end_session(session: Session, session_id: uuid.UUID, *, now: datetime) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_user_sessions(session: Session, user_id: uuid.UUID, *, now: datetime) -> None:
    """End every session of a user (disabled, role changed, password reset)."""
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """True when both tokens are present and equal (a missing token on either side never matches)."""
    return (
        bool(expected) and bool(given) and secrets.compare_digest(str(expected).encode(), str(given).encode())
    )
