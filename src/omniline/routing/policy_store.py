"""Each tenant's routing policy: the stored one, else the default shipped beside this module.

Intake asks for the policy on every routed message, so compiled policies are kept per process for a
few seconds (`PolicyCache`); a saved change takes effect within that time in every process, and at
once in the process that saved it.
"""

import copy
import functools
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import Team
from omniline.kernel.ttl_cache import TtlCache
from omniline.routing.models import RoutingPolicy
from omniline.routing.policy import Policy, compile_policy
from omniline.routing.policy_schema import PolicyDocument, PolicyError, parse_policy
from omniline.security.audit import record_audit

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.yaml")
DEFAULT_TTL_SECONDS = 5.0


@functools.cache
def _default_document() -> dict[str, Any]:
    document = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "default_policy.yaml must be a mapping"
    return document


@functools.cache
def default_policy() -> Policy:
    """The shipped policy (version 0), compiled once per process."""
    return compile_policy(copy.deepcopy(_default_document()))


class PolicyCache:
    """Compiled policies by tenant. After `ttl_seconds` one cheap query checks the version; the policy
    is compiled again only when the version changed."""

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self._policies: TtlCache[uuid.UUID, Policy] = TtlCache(ttl_seconds)

    def get(self, session: Session, tenant_id: uuid.UUID) -> Policy:
        def load(previous: Policy | None) -> Policy:
            version = (
                session.scalar(select(RoutingPolicy.version).where(RoutingPolicy.tenant_id == tenant_id)) or 0
            )
            if previous is not None and previous.version == version:
                return previous
            return _compile_stored(session, tenant_id)

        return self._policies.get(tenant_id, load)

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._policies.forget(tenant_id)


_cache = PolicyCache()


def _stored(session: Session, tenant_id: uuid.UUID, *, for_update: bool = False) -> RoutingPolicy | None:
    query = select(RoutingPolicy).where(RoutingPolicy.tenant_id == tenant_id)
    return session.scalar(query.with_for_update() if for_update else query)


def _compile_stored(session: Session, tenant_id: uuid.UUID) -> Policy:
    row = _stored(session, tenant_id)
    if row is None:
        return default_policy()
    return compile_policy({"settings": row.settings, "rules": row.rules}, version=row.version)


def load_policy(session: Session, tenant_id: uuid.UUID, *, cache: PolicyCache | None = None) -> Policy:
    """The tenant's policy in force (the default, version 0, until one is saved), compiled."""
    return (cache or _cache).get(session, tenant_id)


def policy_document(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    """What is in force as a document (`version`, `settings`, `rules`): it can be saved back as it is."""
    row = _stored(session, tenant_id)
    if row is None:
        default = copy.deepcopy(_default_document())
        return {"version": 0, "settings": default.get("settings", {}), "rules": default.get("rules", [])}
    return {
        "version": row.version,
        "settings": copy.deepcopy(row.settings),
        "rules": copy.deepcopy(row.rules),
    }


def save_policy(
    session: Session, tenant_id: uuid.UUID, document: dict[str, Any], *, actor: str, now: datetime
) -> RoutingPolicy:
    """Validate, then store the document as the tenant's policy with the next version and audit it.
    PolicyError (422, every problem listed) and nothing stored when the document is invalid. The
    document's own `version` is ignored. Rules are stored in their normalised form (lists for "any of")."""
    parsed = parse_policy(document)
    unknown = unknown_names(session, tenant_id, parsed)
    if unknown:
        raise PolicyError(unknown)
    settings = parsed.settings.model_dump()
    rules = [_normalised_rule(rule.model_dump(by_alias=True, exclude_none=True)) for rule in parsed.rules]
    row = _stored(session, tenant_id, for_update=True)
    if row is None:
        row = RoutingPolicy(tenant_id=tenant_id, version=1, rules=rules, settings=settings, updated_by=actor)
        session.add(row)
    else:
        row.version += 1
        row.rules = rules
        row.settings = settings
        row.updated_by = actor
    row.updated_at = now
    session.flush()
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="routing_policy.updated",
        subject_type="routing_policy",
        subject_id=row.id,
        data={"version": row.version, "rules": [rule["name"] for rule in rules]},
    )
    _cache.forget(tenant_id)
    return row


def unknown_names(session: Session, tenant_id: uuid.UUID, parsed: PolicyDocument) -> list[str]:
    """The teams and agents the rules send work to that the tenant does not have (a typo there would
    leave the work in the default queue, unnoticed). Queues need no definition: a queue that has none
    is a plain queue."""
    teams = {rule.then.team for rule in parsed.rules if rule.then.team is not None}
    agents = {rule.then.agent.casefold() for rule in parsed.rules if rule.then.agent is not None}
    known_teams = set(
        session.scalars(select(Team.name).where(Team.tenant_id == tenant_id, Team.name.in_(teams)))
        if teams
        else ()
    )
    known_agents = set(
        session.scalars(
            select(User.email).where(User.tenant_id == tenant_id, User.email.in_(agents), User.is_active)
        )
        if agents
        else ()
    )
    problems = []
    for number, rule in enumerate(parsed.rules, start=1):
        where = f"rule {number} {rule.name!r}"
        if rule.then.team is not None and rule.then.team not in known_teams:
            problems.append(f"{where}: then.team: there is no team {rule.then.team!r}")
        if rule.then.agent is not None and rule.then.agent.casefold() not in known_agents:
            problems.append(f"{where}: then.agent: there is no active user {rule.then.agent!r}")
    return problems


def _normalised_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """Leave out what only repeats a default, so an exported file stays as short as the one written."""
    then = rule["then"]
    if then.get("priority") == 0:
        del then["priority"]
    if not then.get("skills"):
        then.pop("skills", None)
    normalised = {"name": rule["name"], "when": rule["when"], "then": then}
    if rule.get("continue"):
        normalised["continue"] = True
    return normalised
