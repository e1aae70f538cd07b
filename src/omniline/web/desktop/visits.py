"""The office staff's "record a visit" form. It goes through the walk-in door's own use case
(channels/walkin/service.py): the same customer matching, case, timeline and audit as
`POST /api/v1/visits`. A form with errors is shown again with the values entered, storing nothing."""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from omniline.channels.walkin.service import record_visit
from omniline.kernel.errors import InvalidInput
from omniline.web.desktop.customers_panel import IDENTITY_ICONS
from omniline.web.desktop.visits_form import VisitChoices, check_visit_form, form_values, load_choices
from omniline.web.page_access import AgentPage, read_checked_form
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)


@router.get("/desktop/visits/new")
def new_visit(page: AgentPage, customer_id: str = "") -> Response:
    values = form_values({"customer_id": customer_id, "outcome": "resolved", "visit_id": uuid.uuid4().hex})
    with page.container.uow() as uow:
        choices = load_choices(uow.session, page, customer_id)
        if choices.customer is not None:
            values["customer_id"] = str(choices.customer.id)
        if len(choices.offices) == 1:
            values["channel_id"] = str(choices.offices[0].id)
        return _form(page, values, choices, {})


@router.post("/desktop/visits/new")
async def save_visit(page: AgentPage) -> Response:
    fields = await read_checked_form(page)
    return await run_in_threadpool(_save, page, form_values(fields))


def _save(page: Page, values: dict[str, str]) -> Response:
    with page.container.uow() as uow:
        choices = load_choices(uow.session, page, values["customer_id"])
        visit, errors = check_visit_form(uow.session, page, values, choices)
        if visit is None:
            return _form(page, values, choices, errors, status=422)
        try:
            recorded = record_visit(uow, actor=page.actor, visit=visit, now=page.container.clock())
        except InvalidInput as error:  # the door's own checks; the transaction is rolled back
            return _form(page, values, choices, {"form": error.message}, status=422)
        uow.commit()
    customer_id = recorded.ingest.customer_id
    return RedirectResponse(f"/desktop/customers/{customer_id}?done=visit", status_code=303)


def _form(
    page: Page, values: dict[str, str], choices: VisitChoices, errors: dict[str, str], *, status: int = 200
) -> Response:
    context: dict[str, Any] = {
        "section": "visits",
        "values": values,
        "choices": choices,
        "errors": errors,
        "icons": IDENTITY_ICONS,
    }
    return page.render("desktop/visit_form.html", context, status=status)
