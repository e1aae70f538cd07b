"""The admin routing page: the tenant's policy as YAML in an editor with "Validate" and "Save" (every
problem names the rule and field; nothing is saved then), and a dry run that shows which rule the text
in the editor would fire for a contact, and why. One form, so the dry run tries the draft being
edited, not only what is saved."""

from typing import Any

import yaml
from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from omniline.kernel.errors import InvalidInput
from omniline.routing.models import RoutingPolicy
from omniline.routing.policy import compile_policy
from omniline.routing.policy_api import PolicyTest, parse_policy_body, try_policy
from omniline.routing.policy_schema import PolicyError, parse_policy
from omniline.routing.policy_store import policy_document, save_policy
from omniline.taxonomy.service import list_topics
from omniline.web.admin.notices import notice_for
from omniline.web.admin.policy_meta import policy_meta
from omniline.web.page_access import AdminPage, read_checked_form
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)

DRY_RUN_DEFAULTS = {"channel_kind": "webchat", "customer_tier": "standard", "in_business_hours": "on"}
DRY_RUN_FLAGS = ("in_business_hours", "repeat_contact", "case_reopened")
DRY_RUN_CHOICES = ("topic_code", "channel_kind", "language", "sentiment", "urgency")


@router.get("/admin/routing")
def routing_page(page: AdminPage, done: str | None = None) -> Response:
    return _page(page, notice=notice_for(page, done))


@router.post("/admin/routing")
async def routing_action(page: AdminPage) -> Response:
    form = await read_checked_form(page)
    text, action = form.get("document", ""), form.get("action", "validate")
    try:
        document = _parse(page, text)
        if action == "save":
            return _save(page, form, text, document)
        compile_policy(document)
        if action == "try":
            return _page(page, text=text, dry_run=form, result=_try(page, form, document))
        return _page(page, text=text, dry_run=form, valid=True)
    except PolicyError as error:
        problems = error.problems
        return _page(
            page,
            text=text,
            dry_run=form,
            error=page.gettext("The rules have problems; nothing was saved."),
            details=problems,
            status=422,
        )
    except InvalidInput as error:
        return _page(
            page,
            text=text,
            dry_run=form,
            error=page.gettext("Nothing was saved:"),
            details=[error.message],
            status=error.status_code,
        )


def _parse(page: Page, text: str) -> dict[str, Any]:
    document = parse_policy_body("application/yaml", text.encode())
    if not isinstance(document, dict):
        raise InvalidInput(
            page.gettext("The policy must be a mapping with 'rules' (and optionally 'settings').")
        )
    return document


def _save(page: Page, form: dict[str, str], text: str, document: dict[str, Any]) -> Response:
    container = page.container
    with container.uow() as uow:
        current = (
            uow.session.scalar(
                select(RoutingPolicy.version).where(RoutingPolicy.tenant_id == page.actor.tenant_id)
            )
            or 0
        )
        # Two admins editing at once: the second save must not silently undo the first.
        stale = form.get("base_version") != str(current)
        if not stale:
            save_policy(
                uow.session, page.actor.tenant_id, document, actor=page.actor.ref, now=container.clock()
            )
            uow.commit()
    if stale:
        message = page.gettext(
            "Someone saved version %(version)s while you were editing. "
            "Copy your changes, reload and apply them again."
        )
        return _page(page, text=text, dry_run=form, error=message % {"version": current}, status=409)
    return RedirectResponse("/admin/routing?done=policy_saved", status_code=303)


def _try(page: Page, form: dict[str, str], document: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: form[name] for name in DRY_RUN_CHOICES if form.get(name)}
    values |= {name: form.get(name) == "on" for name in DRY_RUN_FLAGS}
    values["customer_tier"] = form.get("customer_tier") or "standard"
    try:
        body = PolicyTest(**values, policy=document)
    except ValidationError as error:
        fields = ", ".join(sorted({str(item["loc"][0]) for item in error.errors()}))
        raise InvalidInput(
            page.gettext("The dry run's fields are not valid: %(fields)s") % {"fields": fields}
        ) from None
    answer = try_policy(page.actor, page.container, body)
    assert isinstance(answer, dict), "the policy was compiled above"
    return answer


def _page(
    page: Page,
    *,
    text: str | None = None,
    dry_run: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    valid: bool = False,
    notice: str | None = None,
    error: str | None = None,
    details: list[str] | None = None,
    status: int = 200,
) -> Response:
    tenant_id = page.actor.tenant_id
    with page.container.uow() as uow:
        stored = policy_document(uow.session, tenant_id)
        meta = policy_meta(uow.session, tenant_id)
        topics = [
            (topic.code, topic.names.get(page.language) or topic.name)
            for topic in list_topics(uow.session, tenant_id)
        ]
    saved_text = _as_yaml(stored)
    return page.render(
        "admin/routing.html",
        {
            "section": "admin",
            "admin_section": "routing",
            "document": saved_text if text is None else text,
            "draft": text is not None and _differs(text, stored),
            "version": stored["version"],
            # The version the editor started from, kept across failed attempts so a save notices
            # that someone else saved meanwhile.
            "base_version": (dry_run or {}).get("base_version") or stored["version"],
            "meta": meta,
            "topics": topics,
            "dry_run": dry_run or DRY_RUN_DEFAULTS,
            "result": result,
            "valid": valid,
            "notice": notice,
            "error": error,
            "details": details or [],
        },
        status=status,
    )


def _differs(text: str, stored: dict[str, Any]) -> bool:
    """Whether the editor's rules mean something else than the saved ones (spelling aside)."""
    try:
        draft = parse_policy(yaml.safe_load(text))
    except (yaml.YAMLError, PolicyError):
        return True
    return draft.model_dump(exclude={"version"}) != parse_policy(stored).model_dump(exclude={"version"})


def _as_yaml(document: dict[str, Any]) -> str:
    """The policy people edit: settings and rules (the version is shown beside the editor, not in it)."""
    body = {"settings": document["settings"], "rules": document["rules"]}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110)
