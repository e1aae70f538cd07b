"""The browser's session at the edge: the cookie, the CSRF check, and who is behind a request."""

from datetime import timedelta

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from omniline.bootstrap import Container
from omniline.kernel.errors import PermissionDenied
from omniline.security.sessions import ActiveSession, SessionLifetime, csrf_matches, find_session

SESSION_COOKIE = "omniline_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_lifetime(container: Container) -> SessionLifetime:
    settings = container.settings
    return SessionLifetime(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
    )


def session_of(container: Container, connection: HTTPConnection) -> ActiveSession | None:
    """The live session behind the request's cookie, or None (no cookie, ended, expired)."""
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with container.uow() as uow:
        active = find_session(uow.session, token, now=container.clock(), lifetime=session_lifetime(container))
        if uow.session.dirty:  # last_seen_at, touched at most every TOUCH_EVERY: most requests only read
            uow.commit()
    return active


def require_csrf_header(request: Request, active: ActiveSession) -> None:
    """A cookie-authenticated request that changes something must carry the session's CSRF token in
    X-CSRF-Token: another site can make the browser send the cookie, but cannot read the token."""
    if request.method in SAFE_METHODS:
        return
    if not csrf_matches(active.csrf_token, request.headers.get(CSRF_HEADER)):
        raise PermissionDenied("missing or wrong CSRF token (X-CSRF-Token)", code="csrf_failed")


def set_session_cookie(response: Response, container: Container, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=container.settings.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=container.settings.base_url.startswith("https://"),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def same_origin(connection: HTTPConnection) -> bool:
    """A browser always sends Origin on a WebSocket: refuse another site's page riding our cookie."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host
