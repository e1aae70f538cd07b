"""The admin pages: channels, users and roles, the taxonomy, the routing rules."""

from fastapi import APIRouter
from fastapi.responses import Response

from omniline.web.page_access import AdminPage

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_home(page: AdminPage) -> Response:
    return page.render("admin/index.html", {"section": "admin"})
