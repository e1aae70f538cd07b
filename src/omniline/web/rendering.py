"""Server-rendered pages: the Jinja environment (autoescaped everywhere), the per-request page context
(who is logged in, their language and CSRF token) and `render`.

Everything a customer wrote reaches a template as data and is escaped by Jinja's autoescape; no page
marks customer text `|safe`. Scripts read data from `data-*` attributes or JSON in
`<script type="application/json">` (escaped by `|tojson`), never from inline code.
"""

import gettext
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from omniline import __version__
from omniline.bootstrap import Container
from omniline.security.access import ROLE_RANK, Actor
from omniline.security.sessions import ActiveSession
from omniline.web.i18n import LANGUAGES

BABEL_LOCALES = {"en": "en", "ru": "ru", "zh": "zh_Hans_CN"}

# Only our own scripts and styles run, even if some markup slipped past escaping; no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["translations"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return str(context["translations"].ngettext(singular, plural, count))


@pass_context
def _format_datetime(context: Context, value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    zone: tzinfo = context.get("timezone") or ZoneInfo("UTC")
    return str(format_datetime(value, format, tzinfo=zone, locale=BABEL_LOCALES[context["language"]]))


def _build_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("omniline.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["datetime"] = _format_datetime
    environment.globals["version"] = __version__
    environment.globals["languages"] = LANGUAGES
    return environment


templates = _build_environment()


@dataclass
class Page:
    """What a page handler knows about its request: the container, the session and the language."""

    request: Request
    container: Container
    session: ActiveSession | None
    language: str
    translations: gettext.NullTranslations
    timezone: tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def actor(self) -> Actor:
        assert self.session is not None, "a page that needs a login takes LoggedInPage"
        return self.session.actor

    def can(self, role: str) -> bool:
        return self.session is not None and ROLE_RANK.get(self.session.actor.role, 0) >= ROLE_RANK[role]

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def render(
        self, template: str, context: dict[str, Any] | None = None, *, status: int = 200
    ) -> HTMLResponse:
        values: dict[str, Any] = {
            "request": self.request,
            "page": self,
            "session": self.session,
            "actor": self.session.actor if self.session else None,
            "csrf_token": self.session.csrf_token if self.session else "",
            "language": self.language,
            "translations": self.translations,
            "timezone": self.timezone,
        }
        values.update(context or {})
        html = templates.get_template(template).render(values)
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
