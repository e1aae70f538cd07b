"""`/hooks/{channel_id}[/subpath]`: the one door for every provider callback.

Verify and parse (the adapter; nothing is stored before the signature checks out) → ingest every
message and apply every delivery report in one transaction → commit → answer the provider, with the
adapter's own response when it needs one (WeChat's echo, Twilio's TwiML), else `202 {ids}`.

The transaction is shared with the hooks that arrive at the same time (group commit, see
pipeline/group_commit.py); a hook whose messages fail is answered alone and changes nothing.
"""

import asyncio
import re
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from omniline.bootstrap import Container
from omniline.channels.base import ChannelAdapter, ChannelInfo, DeliveryUpdate, HookRequest, InboundBatch
from omniline.channels.outbox import (
    apply_provider_report,
    delivery_view,
    find_delivery_by_provider_id,
    record_delivery_failure,
)
from omniline.channels.service import load_channel_info
from omniline.db.unit_of_work import UnitOfWork
from omniline.kernel.errors import NotFound, OmnilineError
from omniline.kernel.events import DomainEvent
from omniline.pipeline.ingest import IngestResult
from omniline.web.errors import api_error_response, unexpected_error_response

router = APIRouter(tags=["hooks"])


async def receive_hook(request: Request) -> Response:
    """A plain Starlette endpoint rather than a FastAPI one: providers post here at the highest rate of
    any route, and the dependency machinery cost more per request than the parsing (errors still
    leave through the app's handlers)."""
    container: Container = request.app.state.container
    channel_id = str(request.path_params["channel_id"])
    subpath = str(request.path_params.get("subpath", ""))
    try:
        parsed_id = uuid.UUID(channel_id)
    except ValueError:
        raise NotFound(f"channel {channel_id} not found") from None
    hook = HookRequest(
        method=request.method,
        subpath=subpath,
        url=f"{container.settings.base_url}{request.url.path}"
        + (f"?{request.url.query}" if request.url.query else ""),
        headers={name.lower(): value for name, value in request.headers.items()},
        query=dict(request.query_params),
        body=await request.body(),
    )
    parsed = parse_in_memory(container, parsed_id, hook)
    if parsed is None:
        parsed = await run_in_threadpool(parse_hook_request, container, parsed_id, hook)
    # The messages are stored by the group-commit writer; this request holds no thread meanwhile.
    results = await asyncio.wrap_future(store_parsed(container, parsed)) if parsed.has_work else []
    batch = parsed.batch
    if batch.response is not None:
        reply = batch.response
        return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
    if len(results) == 1:
        return JSONResponse(results[0].as_json(), status_code=202)
    return JSONResponse({"items": [result.as_json() for result in results]}, status_code=202)


router.add_route("/hooks/{channel_id}", receive_hook, methods=["GET", "POST"])
router.add_route("/hooks/{channel_id}/{subpath:path}", receive_hook, methods=["GET", "POST"])

_HOOK_PATH = re.compile(r"^/hooks/(?P<channel_id>[^/]+)(?:/(?P<subpath>.*))?$")


class HookFastPath:
    """Middleware that hands `/hooks/…` requests straight to `receive_hook`, past the inner layers
    (exception middleware, exit stack, router, route wrappers) that every request otherwise crosses:
    providers call this door at the highest rate. It sits inside the body-size limit. Errors leave
    as the API's JSON errors, as through the app's handlers; anything but GET or POST on a hook path
    goes on to the router (405)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _HOOK_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"channel_id": match["channel_id"], "subpath": match["subpath"] or ""}
        try:
            response = await receive_hook(Request(scope, receive))
        except OmnilineError as error:
            response = api_error_response(error)
        except Exception as error:
            response = unexpected_error_response(error)
        await response(scope, receive, send)


@dataclass(frozen=True, slots=True)
class ParsedHook:
    channel: ChannelInfo
    adapter: ChannelAdapter
    batch: InboundBatch

    @property
    def has_work(self) -> bool:
        return bool(self.batch.messages or self.batch.delivery_updates)


def parse_in_memory(container: Container, channel_id: uuid.UUID, hook: HookRequest) -> ParsedHook | None:
    """`parse_hook_request` right here, when that cannot block: the channel is cached and its adapter
    only computes. None otherwise (the caller parses in the thread pool)."""
    channel = container.channel_cache.peek(channel_id)
    if channel is None:
        return None
    adapter = container.channels.get(channel.kind)
    if not adapter.parses_in_memory:
        return None
    return ParsedHook(channel, adapter, adapter.parse_hook(channel, hook, container.adapter_context))


def parse_hook_request(container: Container, channel_id: uuid.UUID, hook: HookRequest) -> ParsedHook:
    """The channel and what its adapter made of the request (signature checked): nothing stored."""
    channel = container.channel_cache.get(channel_id, lambda _stale: _load_channel(container, channel_id))
    adapter = container.channels.get(channel.kind)
    return ParsedHook(channel, adapter, adapter.parse_hook(channel, hook, container.adapter_context))


def store_parsed(container: Container, parsed: ParsedHook) -> "Future[list[IngestResult]]":
    """Hand the messages, delivery reports and the adapter's bookkeeping to the group-commit writer."""
    channel, adapter, batch = parsed.channel, parsed.adapter, parsed.batch

    def also(uow: UnitOfWork, results: list[IngestResult]) -> None:
        apply_delivery_updates(uow, channel, batch.delivery_updates, now=container.clock())
        adapter.after_ingest(uow.session, channel, batch, results)

    return container.ingest_writer.submit(channel, batch.messages, also=also)


def process_hook(
    container: Container, channel_id: uuid.UUID, hook: HookRequest
) -> tuple[InboundBatch, list[IngestResult]]:
    """Parse and store in one blocking call (the benchmarks, and any caller off the event loop)."""
    parsed = parse_hook_request(container, channel_id, hook)
    return parsed.batch, store_parsed(container, parsed).result() if parsed.has_work else []


def _load_channel(container: Container, channel_id: uuid.UUID) -> ChannelInfo:
    with container.uow() as uow:
        return load_channel_info(uow.session, channel_id)


def apply_delivery_updates(
    uow: UnitOfWork, channel: ChannelInfo, updates: list[DeliveryUpdate], *, now: datetime
) -> None:
    session: Session = uow.session
    for update in updates:
        delivery = find_delivery_by_provider_id(session, channel.id, update.provider_message_id)
        if delivery is None:
            continue  # a report about a message we no longer know (or never sent): nothing to update
        failed = apply_provider_report(
            delivery,
            outcome=update.outcome,
            provider_status=update.provider_status,
            error=update.error,
            now=now,
        )
        if failed:
            record_delivery_failure(session, delivery)
        uow.emit(DomainEvent("delivery.updated", channel.tenant_id, {"delivery": delivery_view(delivery)}))
