"""Tenant and user use cases: create them, authenticate a user."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.accounts.models import ROLES, Tenant, User
from omniline.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, password_matches
from omniline.customers.identities import normalise_email
from omniline.kernel.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from omniline.kernel.ids import new_id


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
