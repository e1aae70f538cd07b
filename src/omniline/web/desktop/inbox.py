"""The desktop's inbox column: GET /desktop (the desktop with the inbox inline) and GET /desktop/inbox
(only the inbox, for desktop-inbox.js to fetch on other desktop pages and after live events).

Reading only: offers are answered and presence is set through the JSON API (routing/work_api.py,
agents/api.py), which audit and dispatch; the page's script calls it with the session's CSRF header.
"""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from omniline.web.desktop.inbox_query import Inbox, load_inbox
from omniline.web.desktop.inbox_rows import clock_text, offer_rows, row_labels, work_rows
from omniline.web.page_access import AgentPage
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)

# Pause reasons offered by the switch; the stored reason is the key (wallboards and reports read it),
# shown translated. Any other reason (e.g. the system's "missed offers") is shown as it was set.
PAUSE_REASONS = ("break", "lunch", "training", "meeting", "coaching")


@router.get("/desktop")
def desktop(page: AgentPage) -> Response:
    return page.render("desktop/index.html", {"section": "desktop", **inbox_context(page, None)})


@router.get("/desktop/inbox")
def inbox_fragment(page: AgentPage, open: str | None = None) -> Response:
    """The inbox fragment; `open` is the id of the conversation the page shows (its row is marked).
    A malformed `open` marks nothing: it only decorates the list."""
    return page.render("desktop/_inbox.html", inbox_context(page, _id_or_none(open)))


def inbox_context(page: Page, open_conversation_id: str | None) -> dict[str, Any]:
    container = page.container
    with container.uow() as uow:
        inbox: Inbox = load_inbox(uow.session, page.actor, language=page.language, now=container.clock())
    now, since = inbox.now, inbox.presence.since
    labels = row_labels(page.gettext)
    return {
        "presence": inbox.presence,
        "presence_time": clock_text(max(0.0, (now - since).total_seconds())) if since else None,
        "pause_reasons": PAUSE_REASONS,
        "offer_count": len(inbox.offers),
        "work_count": len(inbox.work),
        "offer_rows": offer_rows(inbox.offers, now=now, labels=labels),
        "work_rows": work_rows(  # the row of the conversation the page shows is marked
            inbox.work, now=now, open_conversation_id=open_conversation_id, labels=labels
        ),
    }


def _id_or_none(value: str | None) -> str | None:
    """The id in its canonical text (the rows' form), or None when it is not an id."""
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None
