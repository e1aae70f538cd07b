"""The admin taxonomy page: the topic tree in the page's language, the whole tree as YAML to edit
(every problem of a bad file listed next to the editor, naming topic and field; nothing is stored
then), and deactivating a topic with everything under it."""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.models import Topic
from omniline.taxonomy.schemas import InvalidTaxonomy, dump_yaml, parse_yaml
from omniline.taxonomy.service import deactivate_topic, export_taxonomy, import_taxonomy, list_topics
from omniline.web.admin.notices import notice_for
from omniline.web.page_access import AdminPage, read_checked_form
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)

MAX_DOCUMENT_CHARACTERS = 1_000_000


@router.get("/admin/taxonomy")
def taxonomy_page(page: AdminPage, done: str | None = None) -> Response:
    return _page(page, notice=notice_for(page, done))


@router.post("/admin/taxonomy")
async def save_taxonomy(page: AdminPage) -> Response:
    form = await read_checked_form(page)
    text = form.get("document", "")
    replace = form.get("replace") == "on"
    container = page.container
    try:
        if len(text) > MAX_DOCUMENT_CHARACTERS:
            raise InvalidInput(page.gettext("The file is too long."))
        document = parse_yaml(text)
        with container.uow() as uow:
            import_taxonomy(
                uow.session,
                page.actor.tenant_id,
                document,
                actor=page.actor.ref,
                now=container.clock(),
                replace=replace,
            )
            uow.commit()
    except InvalidTaxonomy as error:
        return _page(
            page,
            text=text,
            replace=replace,
            error=page.gettext("Nothing was saved: the file has problems."),
            details=error.problems,
            status=422,
        )
    except InvalidInput as error:  # MalformedInput (not YAML) is one
        return _page(
            page,
            text=text,
            replace=replace,
            error=page.gettext("Nothing was saved:"),
            details=[error.message],
            status=error.status_code,
        )
    return RedirectResponse("/admin/taxonomy?done=taxonomy_saved", status_code=303)


@router.post("/admin/taxonomy/topics/{topic_id}/deactivate")
async def deactivate(page: AdminPage, topic_id: uuid.UUID) -> Response:
    await read_checked_form(page)
    container = page.container
    with container.uow() as uow:
        deactivate_topic(
            uow.session, page.actor.tenant_id, topic_id, actor=page.actor.ref, now=container.clock()
        )
        uow.commit()
    return RedirectResponse("/admin/taxonomy?done=topic_deactivated", status_code=303)


def _page(
    page: Page,
    *,
    text: str | None = None,
    replace: bool = False,
    notice: str | None = None,
    error: str | None = None,
    details: list[str] | None = None,
    status: int = 200,
) -> Response:
    with page.container.uow() as uow:
        topics = list_topics(uow.session, page.actor.tenant_id, include_inactive=True)
        rows = _tree_rows(page, topics)
        if text is None:
            text = dump_yaml(export_taxonomy(uow.session, page.actor.tenant_id))
    return page.render(
        "admin/taxonomy.html",
        {
            "section": "admin",
            "admin_section": "taxonomy",
            "topics": rows,
            "document": text,
            "replace": replace,
            "notice": notice,
            "error": error,
            "details": details or [],
        },
        status=status,
    )


def _tree_rows(page: Page, topics: list[Topic]) -> list[dict[str, Any]]:
    """The topics in tree order with their depth, name in the page's language and SLA as text."""
    depth: dict[uuid.UUID, int] = {}
    rows = []
    for topic in topics:  # parents come before their children
        depth[topic.id] = depth.get(topic.parent_id, -1) + 1 if topic.parent_id else 0
        rows.append(
            {
                "id": topic.id,
                "code": topic.code,
                "depth": min(depth[topic.id], 5),
                "name": topic.names.get(page.language) or topic.name,
                "risk": topic.risk,
                "complexity": topic.complexity,
                "self_service": topic.self_service,
                "skills": topic.skills,
                "sla": _sla_text(page, topic.sla),
                "is_active": topic.is_active,
            }
        )
    return rows


def _sla_text(page: Page, sla: dict[str, Any]) -> list[str]:
    """["live: 1 min / 30 min", "async: 4 h / 1 d"]: first response / resolution per channel class."""
    lines = []
    for key, label in (("live", page.gettext("live")), ("async", page.gettext("async"))):
        targets = sla.get(key)
        if isinstance(targets, dict):
            first, resolution = targets.get("first_response", 0), targets.get("resolution", 0)
            lines.append(f"{label}: {_duration(page, first)} / {_duration(page, resolution)}")
    return lines


def _duration(page: Page, seconds: int) -> str:
    for size, unit in (
        (86400, page.gettext("%(count)s d")),
        (3600, page.gettext("%(count)s h")),
        (60, page.gettext("%(count)s min")),
    ):
        if seconds >= size and seconds % size == 0:
            return unit % {"count": seconds // size}
    return page.gettext("%(count)s s") % {"count": seconds}
