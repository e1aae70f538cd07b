"""Topics and the whole taxonomy over the API. Every agent reads; only an admin changes anything."""

import json
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from omniline.bootstrap import Container
from omniline.kernel.errors import MalformedInput
from omniline.security.access import Actor
from omniline.taxonomy.schemas import InvalidTaxonomy, NewTopic, TopicChanges, dump_yaml, parse_yaml
from omniline.taxonomy.service import (
    create_topic,
    deactivate_topic,
    export_taxonomy,
    get_topic,
    import_taxonomy,
    list_topics,
    topic_view,
    update_topic,
)
from omniline.web.dependencies import ActorDep, ContainerDep
from omniline.web.errors import error_response

router = APIRouter(prefix="/api/v1", tags=["taxonomy"])

YAML_MEDIA_TYPE = "application/yaml"


@router.get("/topics")
def get_topics(actor: ActorDep, container: ContainerDep, include_inactive: bool = False) -> dict[str, Any]:
    """The tenant's topics in tree order (parents before children); inactive ones only when asked."""
    with container.uow() as uow:
        topics = list_topics(uow.session, actor.tenant_id, include_inactive=include_inactive)
        return {"items": [topic_view(topic) for topic in topics]}


@router.get("/topics/{topic_id}")
def get_one_topic(topic_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return topic_view(get_topic(uow.session, actor.tenant_id, topic_id))


@router.post("/topics", status_code=201)
def add_topic(body: NewTopic, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """A new topic; its parent is its code without the last segment (`billing` for `billing.refund`)."""
    actor.require("admin")
    with container.uow() as uow:
        topic = create_topic(uow.session, actor.tenant_id, body, actor=actor.ref, now=container.clock())
        view = topic_view(topic)
        uow.commit()
        return view


@router.patch("/topics/{topic_id}")
def change_topic(
    topic_id: uuid.UUID, body: TopicChanges, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    """Change the fields sent; `is_active: false` deactivates the topic and everything under it."""
    actor.require("admin")
    with container.uow() as uow:
        topic = update_topic(
            uow.session, actor.tenant_id, topic_id, body, actor=actor.ref, now=container.clock()
        )
        view = topic_view(topic)
        uow.commit()
        return view


@router.delete("/topics/{topic_id}")
def remove_topic(topic_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Deactivate the topic and its descendants (never deleted: cases point at them); 409 if inactive."""
    actor.require("admin")
    with container.uow() as uow:
        topic = deactivate_topic(
            uow.session, actor.tenant_id, topic_id, actor=actor.ref, now=container.clock()
        )
        view = topic_view(topic)
        uow.commit()
        return view


@router.get("/taxonomy")
def get_taxonomy(
    actor: ActorDep, container: ContainerDep, format: Literal["json", "yaml"] = "json"
) -> Response:
    """The active topic tree as a version 1 document; `?format=yaml` gives the file people edit."""
    with container.uow() as uow:
        document = export_taxonomy(uow.session, actor.tenant_id)
    if format == "yaml":
        return Response(dump_yaml(document), media_type=YAML_MEDIA_TYPE)
    return Response(json.dumps(document, ensure_ascii=False), media_type="application/json")


@router.put("/taxonomy")
async def put_taxonomy(
    request: Request, actor: ActorDep, container: ContainerDep, replace: bool = False
) -> Response:
    """Import a JSON body, or YAML with `Content-Type: application/yaml`: topics are upserted by code,
    and with `?replace=true` the active topics it leaves out are deactivated. 400 when the body does not
    parse, 422 with `details` listing every problem; nothing is stored on error."""
    actor.require("admin")
    raw = await request.body()
    content_type = request.headers.get("content-type", "").lower()
    document = parse_yaml(raw) if "yaml" in content_type else _parse_json(raw)
    try:
        counts = await run_in_threadpool(_import, container, actor, document, replace)
    except InvalidTaxonomy as error:
        return error_response(error.status_code, error.code, error.message, error.problems)
    return Response(json.dumps(counts), media_type="application/json")


def _import(container: Container, actor: Actor, document: Any, replace: bool) -> dict[str, int]:
    with container.uow() as uow:
        counts = import_taxonomy(
            uow.session, actor.tenant_id, document, actor=actor.ref, now=container.clock(), replace=replace
        )
        uow.commit()
        return counts


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise MalformedInput(
            "the body is not valid JSON (send YAML with 'Content-Type: application/yaml')"
        ) from None
