"""Signing in with an e-mail and a password, for the token API and the login form alike, with a brake
on guessing.

After `sign_in_max_failures` wrong passwords for one e-mail within `sign_in_window_minutes`, that
e-mail cannot sign in, not even with the right password (or the guessing would simply go on), until
its oldest failure leaves the window: TooManyAttempts (429) says in how many seconds. Nobody is
locked out for good by someone else's guessing; an attacker gets a handful of tries per window.

The failures are kept in the database, so every process of an installation counts the same ones. They
are counted per e-mail whether or not such a user exists, so the answer never tells which accounts
exist; only a hash of the folded e-mail is stored. A successful sign-in forgets the e-mail's failures.
Each attempt is its own short transaction: a failure must be kept although the attempt fails.
"""

import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.accounts.service import authenticate
from omniline.customers.identities import normalise_email
from omniline.kernel.clock import as_utc
from omniline.kernel.errors import InvalidInput, TooManyAttempts, Unauthenticated
from omniline.kernel.ids import new_id
from omniline.security.models import SignInFailure

if TYPE_CHECKING:
    from omniline.bootstrap import Container


def sign_in(container: "Container", *, email: str, password: str) -> User:
    """The user with these credentials (read in a transaction that is already over: use its plain
    columns, or load it again). Unauthenticated for wrong credentials, TooManyAttempts when the
    e-mail has failed too often lately; in both cases nothing but the failure is stored."""
    settings = container.settings
    window = timedelta(minutes=settings.sign_in_window_minutes)
    key = email_key(email)
    with container.uow() as uow:
        now = container.clock()
        _refuse_while_braked(uow.session, key, now=now, window=window, limit=settings.sign_in_max_failures)
        try:
            user = authenticate(uow.session, email=email, password=password)
        except Unauthenticated:
            uow.session.add(SignInFailure(id=new_id(), email_key=key, failed_at=now))
            uow.commit()
            raise
        uow.session.execute(delete(SignInFailure).where(SignInFailure.email_key == key))
        uow.commit()
        return user


def email_key(email: str) -> str:
    """What failures are filed under: the e-mail folded as find_user folds it, hashed."""
    try:
        folded = normalise_email(email)
    except InvalidInput:  # not an e-mail at all: still counted, under what was typed
        folded = email.strip().casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _refuse_while_braked(session: Session, key: str, *, now: datetime, window: timedelta, limit: int) -> None:
    since = now - window
    # Failures that no longer count are dropped as they age, so the table stays small.
    session.execute(
        delete(SignInFailure).where(SignInFailure.email_key == key, SignInFailure.failed_at < since)
    )
    count, oldest = session.execute(
        select(func.count(), func.min(SignInFailure.failed_at)).where(
            SignInFailure.email_key == key, SignInFailure.failed_at >= since
        )
    ).one()
    if count < limit or oldest is None:
        return
    retry_after = max(1, math.ceil((as_utc(oldest) + window - now).total_seconds()))
    raise TooManyAttempts(
        f"too many failed sign-ins for this e-mail; try again in {retry_after} seconds",
        retry_after_seconds=retry_after,
    )
