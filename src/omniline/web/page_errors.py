"""Errors on the pages render as pages in the user's language (the API keeps its JSON errors);
a missing login is a redirect to the login page."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniline.kernel.errors import OmnilineError
from omniline.web.i18n import translations
from omniline.web.page_access import LoginRequired, is_page_path
from omniline.web.rendering import Page

__all__ = ["is_page_path", "page_error_response"]


def page_error_response(request: Request, status: int, error: OmnilineError | None) -> Response:
    if isinstance(error, LoginRequired):
        return RedirectResponse(error.login_url, status_code=303)
    page: Page | None = getattr(request.state, "page", None)
    if page is None:  # the error came before the page knew its user (e.g. a bad path parameter)
        page = Page(request, request.app.state.container, None, "en", translations("en"))
    message = error.message if error is not None and status < 500 else None
    response: HTMLResponse = page.render("error.html", {"status": status, "message": message}, status=status)
    return response
