"""`/hooks/{channel_id}[/subpath]`: the one door for every provider callback.

Verify (in the adapter) → ingest every message in one transaction → commit → answer. A wrong
signature or a bad body is refused before anything is stored.
"""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.channels.base import HookRequest
from omniline.channels.service import load_channel_info
from omniline.kernel.errors import NotFound
from omniline.pipeline.ingest import IngestResult, ingest_message
from omniline.web.dependencies import ContainerDep

router = APIRouter(tags=["hooks"])

# Two first-time messages of one new person racing on PostgreSQL: the loser retries and finds them.
INTEGRITY_RETRIES = 3


@router.api_route("/hooks/{channel_id}", methods=["GET", "POST"], status_code=202)
@router.api_route("/hooks/{channel_id}/{subpath:path}", methods=["GET", "POST"], status_code=202)
async def receive_hook(
    channel_id: str, request: Request, container: ContainerDep, subpath: str = ""
) -> JSONResponse:
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
    results = await run_in_threadpool(process_hook, container, parsed_id, hook)
    if len(results) == 1:
        return JSONResponse(results[0].as_json(), status_code=202)
    return JSONResponse({"items": [result.as_json() for result in results]}, status_code=202)


def process_hook(container: Container, channel_id: uuid.UUID, hook: HookRequest) -> list[IngestResult]:
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
    batch = container.channels.get(channel.kind).parse_hook(channel, hook)
    for attempt in range(INTEGRITY_RETRIES):
        with container.uow() as uow:
            try:
                now = container.clock()
                results = [ingest_message(uow, channel, message, now=now) for message in batch.messages]
                uow.commit()
                return results
            except IntegrityError:
                if attempt == INTEGRITY_RETRIES - 1:
                    raise
    return []
