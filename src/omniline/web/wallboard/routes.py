"""The supervisor wallboard's pages: the board, and its fragment (tiles, agents table, charts) that
wallboard.js fetches again on live events and every 15 seconds."""

from fastapi import APIRouter
from fastapi.responses import Response

from omniline.web.page_access import SupervisorPage
from omniline.web.rendering import Page
from omniline.web.wallboard.board import build_board

router = APIRouter(include_in_schema=False)


@router.get("/wallboard")
def wallboard(page: SupervisorPage) -> Response:
    return _render(page, "wallboard/index.html")


@router.get("/wallboard/fragment")
def wallboard_fragment(page: SupervisorPage) -> Response:
    return _render(page, "wallboard/board.html")


def _render(page: Page, template: str) -> Response:
    container = page.container
    with container.uow() as uow:
        board = build_board(uow.session, page.actor.tenant_id, container.clock())
    return page.render(template, {"section": "wallboard", "board": board})
