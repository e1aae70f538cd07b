"""Logging in and out of the pages, and the language switch."""

import math
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from omniline.accounts.models import User
from omniline.accounts.sign_in import sign_in
from omniline.kernel.errors import TooManyAttempts, Unauthenticated
from omniline.security.audit import record_audit
from omniline.security.sessions import csrf_matches, end_session, start_session
from omniline.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from omniline.web.page_access import AgentPage, PublicPage, read_checked_form
from omniline.web.sessions import CSRF_FIELD, clear_session_cookie, session_lifetime, set_session_cookie

router = APIRouter(include_in_schema=False)

# The login form has no session yet: its CSRF token is a cookie that must match the form field
# (a "double submit"), so another site cannot log a browser into an account of its choosing.
LOGIN_CSRF_COOKIE = "omniline_login_csrf"
HOME_BY_ROLE = {"agent": "/desktop", "supervisor": "/wallboard", "admin": "/admin"}


def _safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: an open redirect would let a phishing link bounce through our login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "") if not parts.netloc else fallback


@router.get("/")
def home(page: PublicPage) -> Response:
    if page.session is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(page.actor.role, "/desktop"), status_code=303)


@router.get("/login")
def login_form(page: PublicPage, next: str | None = None) -> Response:
    if page.session is not None:
        return RedirectResponse(
            _safe_next(next, HOME_BY_ROLE.get(page.actor.role, "/desktop")), status_code=303
        )
    return _login_page(page, next=next, error=None, email="")


def _login_page(
    page: PublicPage, *, next: str | None, error: str | None, email: str, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page.render(
        "login.html",
        {"login_csrf": token, "next": _safe_next(next, ""), "error": error, "email": email},
        status=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
async def login(page: PublicPage, request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "")[:320]
    password = str(form.get("password") or "")[:500]
    next_url = str(form.get("next") or "")
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
        return _login_page(
            page,
            next=next_url,
            email=email,
            status=403,
            error=page.gettext("The login form expired. Please try again."),
        )
    container = page.container
    try:
        signed_in = sign_in(container, email=email, password=password)
        with container.uow() as uow:
            user = uow.session.get_one(User, signed_in.id)
            token, row = start_session(
                uow.session,
                user,
                now=container.clock(),
                lifetime=session_lifetime(container),
                user_agent=request.headers.get("user-agent"),
            )
            record_audit(
                uow.session,
                tenant_id=user.tenant_id,
                actor=f"user:{user.id}",
                action="session.started",
                subject_type="user",
                subject_id=user.id,
                data={"session_id": str(row.id)},
            )
            role = user.role
            uow.commit()
    except Unauthenticated:
        return _login_page(
            page, next=next_url, email=email, status=401, error=page.gettext("Wrong e-mail or password.")
        )
    except TooManyAttempts as braked:
        minutes = max(1, math.ceil(braked.retry_after_seconds / 60))
        error = page.gettext("Too many failed sign-ins for this e-mail. Try again in %(minutes)s min.")
        response = _login_page(
            page, next=next_url, email=email, status=429, error=error % {"minutes": minutes}
        )
        response.headers["Retry-After"] = str(braked.retry_after_seconds)
        return response
    response = RedirectResponse(_safe_next(next_url, HOME_BY_ROLE.get(role, "/desktop")), status_code=303)
    set_session_cookie(response, container, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(page: AgentPage) -> Response:
    await read_checked_form(page)
    container = page.container
    assert page.session is not None
    with container.uow() as uow:
        end_session(uow.session, page.session.id, now=container.clock())
        record_audit(
            uow.session,
            tenant_id=page.actor.tenant_id,
            actor=page.actor.ref,
            action="session.ended",
            subject_type="user",
            subject_id=page.actor.user_id,
            data={"session_id": str(page.session.id)},
        )
        uow.commit()
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.post("/language")
async def choose_language(page: PublicPage) -> Response:
    """Anyone may switch the login page's language (a cookie); a logged-in user's choice is kept on
    their account, so it follows them to another browser."""
    if page.session is not None:
        fields = await read_checked_form(page)
    else:
        form = await page.request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    language = fields.get("language", "")
    back = _safe_next(fields.get("back"), "/")
    response = RedirectResponse(back, status_code=303)
    if language not in LANGUAGES:
        return response
    if page.session is not None:
        with page.container.uow() as uow:
            user = uow.session.get(User, page.actor.user_id)
            if user is not None:
                user.language = language
            uow.commit()
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
