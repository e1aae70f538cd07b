"""Tenant and user use cases: create them, authenticate a user, and people administration (an admin
adds, changes, disables users; every change is audited)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.accounts.models import ROLES, Tenant, User
from omniline.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, password_matches
from omniline.customers.identities import normalise_email
from omniline.kernel.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from omniline.kernel.ids import new_id
from omniline.security.access import Actor
from omniline.security.audit import record_audit
from omniline.security.models import WebSession
from omniline.security.sessions import end_user_sessions


def create_tenant(session: Session, *, slug: str, name: str, default_region: str = "RU") -> Tenant:
    slug = slug.strip().lower()
    if not slug or not slug.replace("-", "").isalnum():
        raise InvalidInput("a tenant slug is letters, digits and dashes, e.g. 'acme'")
    if len(default_region) != 2:
        raise InvalidInput("default_region is a two-letter country code, e.g. RU or CN")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict(f"tenant {slug!r} already exists")
    tenant = Tenant(id=new_id(), slug=slug, name=name, default_region=default_region.upper(), case_counter=0)
    session.add(tenant)
    return tenant


def find_tenant(session: Session, slug: str | None) -> Tenant:
    """The tenant with `slug`, or the only tenant when `slug` is None."""
    if slug is not None:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower()))
        if tenant is None:
            raise NotFound(f"no tenant {slug!r}")
        return tenant
    tenants = session.scalars(select(Tenant).limit(2)).all()
    if len(tenants) != 1:
        raise InvalidInput("there is not exactly one tenant: name one with --tenant")
    return tenants[0]


def create_user(
    session: Session, *, tenant_id: uuid.UUID, email: str, password: str, role: str, name: str | None = None
) -> User:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    address = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == address)):
        raise Conflict(f"a user with e-mail {address} already exists")
    user = User(
        id=new_id(),
        tenant_id=tenant_id,
        email=address,
        name=name or address.split("@")[0],
        role=role,
        password_hash=hash_password(password),
        is_active=True,
    )
    session.add(user)
    return user


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        raise NotFound(f"no active user with e-mail {email}")
    return user


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user with these credentials; Unauthenticated (never which part was wrong) otherwise."""
    try:
        user = find_user(session, email)
    except (NotFound, InvalidInput):
        user = None
    if user is None or not password_matches(user.password_hash, password):
        raise Unauthenticated("wrong e-mail or password", code="bad_credentials")
    return user


def count_users(session: Session, tenant_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant_id)) or 0)


# --- people administration (admins; the API in users_api.py and the admin pages) ---

USER_FIELDS = ("name", "role", "is_active", "password")


def list_users(session: Session, tenant_id: uuid.UUID) -> list[User]:
    """Everyone in the tenant, active first, then by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id)
            .order_by(User.is_active.desc(), User.name, User.id)
        )
    )


def get_tenant_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    """The user, active or not; NotFound when there is none in this tenant."""
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound(f"user {user_id} not found")
    return user


def last_logins(session: Session, tenant_id: uuid.UUID) -> dict[uuid.UUID, datetime]:
    """When each user last logged in to the pages (their newest web session), in one query."""
    rows = session.execute(
        select(WebSession.user_id, func.max(WebSession.created_at))
        .where(WebSession.tenant_id == tenant_id)
        .group_by(WebSession.user_id)
    )
    return {user_id: started for user_id, started in rows}


def add_user(session: Session, *, actor: Actor, email: str, name: str, role: str, password: str) -> User:
    """A new active user in the actor's tenant; InvalidInput for a bad field, Conflict for a taken
    e-mail (e-mails are unique across tenants: they are the login)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a name is 1 to 200 characters")
    user = create_user(
        session, tenant_id=actor.tenant_id, email=email, password=password, role=role, name=name
    )
    session.flush()
    record_audit(
        session,
        tenant_id=actor.tenant_id,
        actor=actor.ref,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        data={"email": user.email, "name": user.name, "role": user.role},
    )
    return user


def update_user(
    session: Session, *, actor: Actor, user_id: uuid.UUID, changes: dict[str, Any], now: datetime
) -> User:
    """Apply `changes` (any of name, role, is_active, password) after checking all of them; nothing
    changes on error. Conflict when admins would demote or disable themselves (a tenant must not lock
    out its last administrator by accident). Disabling a user or setting a new password ends their
    sessions: whoever held the old password or the browser is logged out."""
    user = get_tenant_user(session, actor.tenant_id, user_id)
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        name = str(changes["name"]).strip()
        if not name or len(name) > 200:
            raise InvalidInput("a name is 1 to 200 characters")
        values["name"] = name
    if changes.get("role") is not None:
        if changes["role"] not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        values["role"] = changes["role"]
    if changes.get("is_active") is not None:
        values["is_active"] = bool(changes["is_active"])
    password = changes.get("password")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if user.id == actor.user_id:
        if values.get("role", user.role) != user.role:
            raise Conflict("you cannot change your own role; ask another admin", code="own_account")
        if values.get("is_active") is False:
            raise Conflict("you cannot disable your own account; ask another admin", code="own_account")
    changed = {key: value for key, value in values.items() if getattr(user, key) != value}
    for key, value in changed.items():
        setattr(user, key, value)
    if password is not None:
        user.password_hash = hash_password(password)
    if changed.get("is_active") is False or password is not None:
        # Whoever held the old password may hold its sessions and tokens too: both end now.
        end_user_sessions(session, user.id, now=now)
        user.token_generation += 1
    if changed or password is not None:
        audited = dict(changed) | ({"password": "reset"} if password is not None else {})
        record_audit(
            session,
            tenant_id=actor.tenant_id,
            actor=actor.ref,
            action="user.updated",
            subject_type="user",
            subject_id=user.id,
            data=audited,
        )
    session.flush()
    return user


def user_view(user: User, last_login: datetime | None) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.is_active,
        "language": user.language,
        "created_at": user.created_at.isoformat(),
        "last_login_at": last_login.isoformat() if last_login else None,
    }
