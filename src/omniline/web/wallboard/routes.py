"""The supervisor wallboard's pages."""

from fastapi import APIRouter
from fastapi.responses import Response

from omniline.web.page_access import SupervisorPage

router = APIRouter(include_in_schema=False)


@router.get("/wallboard")
def wallboard(page: SupervisorPage) -> Response:
    return page.render("wallboard/index.html", {"section": "wallboard"})
