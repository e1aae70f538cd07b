"""The routing policy over HTTP: read it (JSON or YAML), replace it (admin), and try it on a contact.

A policy sent as `Content-Type: application/yaml` is read as YAML, anything else as JSON. A body
that cannot be parsed is a 400; an invalid policy a 422 whose `details` list every problem; either
way nothing is stored.
"""

import json
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from omniline.kernel.errors import MalformedInput
from omniline.routing.policy import Facts, compile_policy, decide, decision_record
from omniline.routing.policy_schema import PolicyError
from omniline.routing.policy_store import load_policy, policy_document, save_policy
from omniline.taxonomy.models import Topic
from omniline.web.dependencies import ActorDep, ContainerDep
from omniline.web.errors import error_response

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_POLICY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


async def _raw_body(request: Request) -> tuple[str, bytes]:
    return request.headers.get("content-type", ""), await request.body()


RawBody = Annotated[tuple[str, bytes], Depends(_raw_body)]


def parse_policy_body(content_type: str, raw: bytes) -> Any:
    """The document in a request body; MalformedInput (400) when it is not YAML or JSON as declared."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedInput("the request body is not UTF-8 text", code="malformed_body") from None
    if media_type in YAML_TYPES:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise MalformedInput(
                f"the request body is not valid YAML: {error}", code="malformed_yaml"
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise MalformedInput("the request body is not valid JSON", code="malformed_json") from None


def _invalid(error: PolicyError) -> JSONResponse:
    return error_response(422, error.code, error.message, details=error.problems)


@router.get("/policy", response_model=None)
def get_policy(
    actor: ActorDep,
    container: ContainerDep,
    output: Literal["json", "yaml"] = Query(default="json", alias="format"),
) -> dict[str, Any] | Response:
    """The policy in force (the default, version 0, until one is saved); supervisors and admins."""
    actor.require("supervisor")
    with container.uow() as uow:
        document = policy_document(uow.session, actor.tenant_id)
    if output == "yaml":
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        return Response(text, media_type="application/yaml; charset=utf-8")
    return document


@router.put("/policy", response_model=None, openapi_extra=_POLICY_BODY)
def put_policy(actor: ActorDep, container: ContainerDep, body: RawBody) -> dict[str, Any] | JSONResponse:
    """Replace the policy (admins); the answer is the stored document with its new version."""
    actor.require("admin")
    document = parse_policy_body(*body)
    with container.uow() as uow:
        try:
            save_policy(uow.session, actor.tenant_id, document, actor=actor.ref, now=container.clock())
        except PolicyError as error:
            return _invalid(error)
        stored = policy_document(uow.session, actor.tenant_id)
        uow.commit()
    return stored


class PolicyTest(BaseModel):
    """A contact to try the policy on: any fact left out takes its default (see `Facts`). When only
    `topic_code` is given, the topic's tags, risk, complexity, self-service and skills come from the
    taxonomy. `policy`, when given, is tried instead of the stored one (and not saved)."""

    model_config = ConfigDict(extra="forbid")

    topic_code: str | None = Field(default=None, max_length=100)
    topic_tags: list[str] | None = None
    risk: Literal["low", "medium", "high"] | None = None
    complexity: Literal["simple", "standard", "complex"] | None = None
    self_service: bool | None = None
    topic_skills: list[str] | None = None
    customer_tier: str = Field(default="standard", max_length=20)
    customer_value: float = 0.0
    channel_kind: Literal[
        "api", "email", "webchat", "sms", "voice", "telegram", "wechat", "social", "walkin"
    ] = "api"
    language: str | None = Field(default=None, max_length=10)
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    urgency: Literal["normal", "high"] | None = None
    in_business_hours: bool = True
    repeat_contact: bool = False
    case_reopened: bool = False
    contacts_in_window: int = Field(default=1, ge=0)
    policy: dict[str, Any] | None = None


TOPIC_FACTS = ("topic_tags", "risk", "complexity", "self_service", "topic_skills")


@router.post("/policy/test", response_model=None)
def try_policy(actor: ActorDep, container: ContainerDep, body: PolicyTest) -> dict[str, Any] | JSONResponse:
    """The decision the policy (stored, or `policy` from the body) makes for these facts; stores nothing."""
    actor.require("supervisor")
    with container.uow() as uow:
        try:
            policy = compile_policy(body.policy) if body.policy is not None else None
        except PolicyError as error:
            return _invalid(error)
        if policy is None:
            policy = load_policy(uow.session, actor.tenant_id)
        topic = None
        if body.topic_code and not body.model_fields_set & set(TOPIC_FACTS):
            topic = uow.session.scalar(
                select(Topic).where(Topic.tenant_id == actor.tenant_id, Topic.code == body.topic_code)
            )
        facts = _facts(body, topic)
    decision = decide(policy, facts)
    return {
        "decision": decision_record(decision),
        "policy_version": None if body.policy is not None else policy.version,
        "topic_from_taxonomy": topic is not None,
        "facts": _facts_view(facts),
    }


def _facts(body: PolicyTest, topic: Topic | None) -> Facts:
    return Facts(
        topic_code=body.topic_code,
        topic_tags=frozenset(topic.tags if topic else body.topic_tags or ()),
        risk=topic.risk if topic else body.risk,
        complexity=topic.complexity if topic else body.complexity,
        self_service=topic.self_service if topic else bool(body.self_service),
        topic_skills=tuple(topic.skills if topic else body.topic_skills or ()),
        customer_tier=body.customer_tier,
        customer_value=body.customer_value,
        channel_kind=body.channel_kind,
        language=body.language,
        sentiment=body.sentiment,
        urgency=body.urgency,
        in_business_hours=body.in_business_hours,
        repeat_contact=body.repeat_contact,
        case_reopened=body.case_reopened,
        contacts_in_window=body.contacts_in_window,
    )


def _facts_view(facts: Facts) -> dict[str, Any]:
    view: dict[str, Any] = {name: getattr(facts, name) for name in Facts.__dataclass_fields__}
    view["topic_tags"] = sorted(facts.topic_tags)
    view["topic_skills"] = list(facts.topic_skills)
    return view
