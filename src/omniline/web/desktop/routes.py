"""The agent desktop's pages. Each part of the desktop is a module with its own router, included here."""

from fastapi import APIRouter
from fastapi.responses import Response

from omniline.web.desktop import conversation, customers, inbox, visits
from omniline.web.page_access import AgentPage

router = APIRouter(include_in_schema=False)
for part in (inbox, conversation, customers, visits):
    router.include_router(part.router)


@router.get("/desktop")
def desktop(page: AgentPage) -> Response:
    return page.render("desktop/index.html", {"section": "desktop"})
