"""Who may see a page: the session behind the cookie (else a redirect to the login page), the role,
the CSRF token of a form post, and the page's language and time zone."""

from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from omniline.kernel.errors import OmnilineError, PermissionDenied
from omniline.routing.sla_service import load_business_hours
from omniline.security.sessions import csrf_matches
from omniline.web.dependencies import ContainerDep
from omniline.web.i18n import LANGUAGE_COOKIE, pick_language, translations
from omniline.web.rendering import Page
from omniline.web.sessions import CSRF_FIELD, session_of

# Paths served as HTML pages: their errors render as pages, not JSON.
PAGE_PREFIXES = ("/desktop", "/wallboard", "/admin", "/login", "/logout", "/language")


class LoginRequired(OmnilineError):
    """No live session: the page answers with a redirect to /login?next=…"""

    status_code = 303
    code = "login_required"

    def __init__(self, next_url: str) -> None:
        super().__init__("log in to see this page")
        self.next_url = next_url

    @property
    def login_url(self) -> str:
        return "/login?next=" + quote(self.next_url, safe="/")


def is_page_path(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)


def get_public_page(request: Request, container: ContainerDep) -> Page:
    """A page anyone may see (the login page); knows the session if there is one."""
    active = session_of(container, request)
    language = pick_language(
        active.language if active else None,
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )
    page = Page(request, container, active, language, translations(language))
    if active is not None:
        with container.uow() as uow:
            page.timezone = ZoneInfo(load_business_hours(uow.session, active.actor.tenant_id).timezone)
    request.state.page = page  # the page error handler renders in the same language
    return page


def get_page(page: Annotated[Page, Depends(get_public_page)]) -> Page:
    if page.session is None:
        url = page.request.url
        raise LoginRequired(url.path + (f"?{url.query}" if url.query else ""))
    return page


def _page_for(role: str):  # type: ignore[no-untyped-def]
    def require(page: Annotated[Page, Depends(get_page)]) -> Page:
        if not page.can(role):
            raise PermissionDenied(page.gettext("This page is for the %(role)s role.") % {"role": role})
        return page

    return require


PublicPage = Annotated[Page, Depends(get_public_page)]
AgentPage = Annotated[Page, Depends(get_page)]
SupervisorPage = Annotated[Page, Depends(_page_for("supervisor"))]
AdminPage = Annotated[Page, Depends(_page_for("admin"))]


async def read_checked_form(page: Page) -> dict[str, str]:
    """The fields of a form post, after checking its CSRF token against the session's."""
    form = await page.request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    expected = page.session.csrf_token if page.session else None
    if not csrf_matches(expected, fields.get(CSRF_FIELD)):
        raise PermissionDenied(
            page.gettext("This form has expired; reload the page and try again."), code="csrf_failed"
        )
    return fields
