"""The agent desktop's pages. Each part of the desktop is a module with its own router, included here."""

from fastapi import APIRouter

from omniline.web.desktop import conversation, customers, inbox, visits

router = APIRouter(include_in_schema=False)
for part in (inbox, conversation, customers, visits):
    router.include_router(part.router)
