"""Helpers for page tests: log a TestClient in through the login form and read the page's CSRF token."""

import re

from fastapi.testclient import TestClient
from httpx import Response

from tests.support import PASSWORD

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def form_token(html: str) -> str:
    """The first non-empty CSRF field of a page's forms."""
    match = _CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def meta_token(html: str) -> str:
    match = _CSRF_META.search(html)
    assert match and match.group(1), "the page carries no CSRF token"
    return match.group(1)


def page_login(client: TestClient, email: str, password: str = PASSWORD, next_url: str = "") -> Response:
    """Log in through the form as a browser would; the client keeps the session cookie."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    return client.post(
        "/login",
        data={"csrf_token": form_token(form.text), "email": email, "password": password, "next": next_url},
        follow_redirects=False,
    )


def logged_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in and return the session's CSRF token (for X-CSRF-Token and form posts)."""
    response = page_login(client, email, password)
    assert response.status_code == 303, response.text
    return meta_token(client.get(response.headers["location"]).text)
