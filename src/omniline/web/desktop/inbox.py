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
    return page.render("desktop/_inbox.html", inbox_context(page, _uuid_or_none(open)))


def inbox_context(page: Page, open_conversation_id: uuid.UUID | None) -> dict[str, Any]:
    container = page.container
    now = container.clock()
    with container.uow() as uow:
        inbox: Inbox = load_inbox(uow.session, page.actor, language=page.language, now=now)
    open_task_id = next(
        (
            row.task_id
            for row in inbox.work
            if open_conversation_id and row.conversation_id == open_conversation_id
        ),
        None,
    )
    return {
        "inbox": inbox,
        "open_task_id": open_task_id,  # the row of the conversation the page shows
        "pause_reasons": PAUSE_REASONS,
        "time_left": lambda deadline: clock_text((deadline - now).total_seconds()),
        "time_since": lambda moment: clock_text(max(0.0, (now - moment).total_seconds())),
    }


def clock_text(seconds: float) -> str:
    """12:30, 1:02:03, or -3:05 once past: the first text of a countdown or a stopwatch, the same
    as omniline.js writes every second after (and all a page without scripts shows)."""
    sign = "-" if seconds < 0 else ""
    minutes, second = divmod(int(abs(seconds)), 60)
    hours, minute = divmod(minutes, 60)
    return f"{sign}{hours}:{minute:02d}:{second:02d}" if hours else f"{sign}{minute}:{second:02d}"


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
