"""Admin pages for channels: the list, a new channel (its secret shown once, on the page that answers
the form, never again), a channel's page with enable/disable and a test send through the outbox."""

import uuid
from typing import Any

import yaml
from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from omniline.accounts.models import Tenant
from omniline.channels.activation import set_channel_active
from omniline.channels.models import Channel
from omniline.channels.outbox import delivery_view
from omniline.channels.registry import CHANNEL_KINDS
from omniline.channels.service import channel_view, create_channel, get_channel, list_channels
from omniline.channels.test_send import can_send_tests, queue_test_message, recent_test_deliveries
from omniline.kernel.errors import Conflict, InvalidInput
from omniline.kernel.events import DomainEvent
from omniline.web.admin.channel_kinds import CONFIG_EXAMPLES, kind_notes, recipient_hints
from omniline.web.admin.notices import notice_for
from omniline.web.page_access import AdminPage, read_checked_form
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)


@router.get("/admin/channels")
def channels_page(page: AdminPage) -> Response:
    return _list_page(page, form={"kind": "api", "name": "", "config": CONFIG_EXAMPLES["api"]})


@router.post("/admin/channels")
async def add_channel(page: AdminPage) -> Response:
    form = await read_checked_form(page)
    values = {key: form.get(key, "") for key in ("kind", "name", "config")}
    try:
        config = _parse_config(page, values["config"])
        with page.container.uow() as uow:
            channel = create_channel(
                uow.session,
                page.container.channels,
                tenant_id=page.actor.tenant_id,
                kind=values["kind"],
                name=values["name"][:200],
                config=config,
                actor=page.actor.ref,
            )
            uow.commit()
            # The only time the secret is shown: this answer is stored nowhere and not cached (no-store).
            view = channel_view(channel, base_url=page.container.settings.base_url, with_secret=True)
    except InvalidInput as error:
        return _list_page(page, form=values, error=error.message, status=422)
    return page.render(
        "admin/channel_created.html",
        {**_frame(page), "channel": view, "note": kind_notes(page).get(view["kind"])},
        status=201,
    )


@router.get("/admin/channels/{channel_id}")
def channel_page(page: AdminPage, channel_id: uuid.UUID, done: str | None = None) -> Response:
    return _channel_page(page, channel_id, notice=notice_for(page, done))


@router.post("/admin/channels/{channel_id}/active")
async def change_channel_state(page: AdminPage, channel_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    active = form.get("active") == "true"
    with page.container.uow() as uow:
        channel = get_channel(uow.session, page.actor.tenant_id, channel_id)
        set_channel_active(uow.session, actor=page.actor, channel=channel, active=active)
        uow.commit()
    page.container.channel_cache.forget(channel_id)
    done = "channel_enabled" if active else "channel_disabled"
    return RedirectResponse(f"/admin/channels/{channel_id}?done={done}", status_code=303)


@router.post("/admin/channels/{channel_id}/test")
async def send_test(page: AdminPage, channel_id: uuid.UUID) -> Response:
    form = await read_checked_form(page)
    to, text = form.get("to", "")[:320], form.get("text", "")[:2000]
    container = page.container
    try:
        with container.uow() as uow:
            channel = get_channel(uow.session, page.actor.tenant_id, channel_id)
            region = uow.session.get_one(Tenant, page.actor.tenant_id).default_region
            delivery = queue_test_message(
                uow.session,
                actor=page.actor,
                channel=channel,
                to=to,
                text=text,
                region=region,
                now=container.clock(),
            )
            uow.emit(DomainEvent("delivery.queued", page.actor.tenant_id, {"delivery_id": str(delivery.id)}))
            uow.commit()
    except (InvalidInput, Conflict) as error:
        return _channel_page(page, channel_id, error=error.message, test={"to": to, "text": text}, status=422)
    return RedirectResponse(f"/admin/channels/{channel_id}?done=test_queued#tests", status_code=303)


def _frame(page: Page) -> dict[str, Any]:
    return {"section": "admin", "admin_section": "channels"}


def _list_page(page: Page, *, form: dict[str, str], error: str | None = None, status: int = 200) -> Response:
    base_url = page.container.settings.base_url
    with page.container.uow() as uow:
        channels = [
            channel_view(channel, base_url=base_url) | {"created": channel.created_at}
            for channel in list_channels(uow.session, page.actor.tenant_id)
        ]
    kinds = page.container.channels.kinds
    return page.render(
        "admin/channels.html",
        {
            **_frame(page),
            "channels": channels,
            "kinds": [kind for kind in CHANNEL_KINDS if kind in kinds],
            "examples": CONFIG_EXAMPLES,
            "notes": kind_notes(page),
            "form": form,
            "error": error,
        },
        status=status,
    )


def _channel_page(
    page: Page,
    channel_id: uuid.UUID,
    *,
    notice: str | None = None,
    error: str | None = None,
    test: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with page.container.uow() as uow:
        channel: Channel = get_channel(uow.session, page.actor.tenant_id, channel_id)
        deliveries = [
            delivery_view(row) | {"to": row.payload.get("recipient"), "created": row.created_at}
            for row in recent_test_deliveries(uow.session, channel.id)
        ]
        view = channel_view(channel, base_url=page.container.settings.base_url) | {
            "created": channel.created_at
        }
        kind = channel.kind
    return page.render(
        "admin/channel.html",
        {
            **_frame(page),
            "channel": view,
            "config_yaml": yaml.safe_dump(view["config"], allow_unicode=True, sort_keys=False)
            if view["config"]
            else "",
            "note": kind_notes(page).get(kind),
            "can_send": can_send_tests(kind),
            "recipient_hint": recipient_hints().get(kind, ""),
            "deliveries": deliveries,
            "test": test or {"to": "", "text": ""},
            "notice": notice,
            "error": error,
        },
        status=status,
    )


def _parse_config(page: Page, text: str) -> dict[str, Any]:
    """The config the admin typed (YAML, or JSON which is YAML too); empty means none."""
    try:
        config = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" ({mark.line + 1}:{mark.column + 1})" if mark is not None else ""
        raise InvalidInput(page.gettext("The configuration is not valid YAML or JSON.") + where) from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise InvalidInput(page.gettext("The configuration must be a mapping of keys to values."))
    return config
