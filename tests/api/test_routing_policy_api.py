"""The routing policy over HTTP: roles, JSON and YAML, refusals that store nothing, trying a policy,
and the store behind it (versions, audit, the per-process cache)."""

import uuid
from typing import Any

import pytest
import yaml
from httpx import Response
from sqlalchemy import select

from omniline.accounts.service import create_user
from omniline.agents.service import create_team
from omniline.bootstrap import Container
from omniline.routing.models import RoutingPolicy
from omniline.routing.policy_store import PolicyCache, load_policy, save_policy
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from tests.support import PASSWORD, ApiWorld, agent_email, login, make_world, row_counts

URL = "/api/v1/routing/policy"

POLICY: dict[str, Any] = {
    "settings": {"default_queue": "общая", "repeat_contact": {"contacts": 3, "days": 14}},
    "rules": [
        {"name": "повтор", "when": {"repeat_contact": True}, "then": {"priority": 5}, "continue": True},
        {"name": "vip", "when": {"customer_tier": ["vip"]}, "then": {"queue": "priority", "priority": 10}},
        {"name": "中文", "when": {"language": "zh", "channel_class": "live"}, "then": {"team": "上海团队"}},
    ],
}
YAML_POLICY = """
# Написано вручную: комментарии не мешают
settings:
  default_queue: general
rules:
  - name: деньги
    when: {topic_tags: financial}
    then: {queue: billing, priority: 3, skills: [billing]}
  - name: бот
    when: {risk: low, complexity: simple, self_service: true, not: {sentiment: negative}}
    then: {bot: self_service}
"""
YAML_HEADERS = {"Content-Type": "application/yaml"}


@pytest.fixture(autouse=True)
def shanghai_team(world: ApiWorld, container: Container) -> None:
    """The team POLICY's third rule names: a saved policy may name only teams the tenant has."""
    with container.uow() as uow:
        create_team(uow.session, actor="test", tenant_id=world.tenant_id, name="上海团队")
        uow.commit()


def agent_of(container: Container, world: ApiWorld) -> str:
    """The world's agent's e-mail."""
    return agent_email(container, world)


def headers_for(container: Container, world: ApiWorld, role: str) -> dict[str, str]:
    if role == "admin":
        return world.admin_headers
    if role == "agent":
        return world.agent_headers
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
    with container.uow() as uow:
        create_user(uow.session, tenant_id=world.tenant_id, email=email, password=PASSWORD, role=role)
        uow.commit()
    return login(world.client, email)


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


def stored_policy(container: Container, tenant_id: uuid.UUID) -> RoutingPolicy | None:
    with container.uow() as uow:
        row = uow.session.scalar(select(RoutingPolicy).where(RoutingPolicy.tenant_id == tenant_id))
        if row is not None:
            uow.session.expunge(row)
        return row


# --- roles ---


@pytest.mark.parametrize(
    ("role", "get", "put", "test"),
    [("agent", 403, 403, 403), ("supervisor", 200, 403, 200), ("admin", 200, 200, 200)],
)
def test_role_matrix(world: ApiWorld, container: Container, role: str, get: int, put: int, test: int) -> None:
    headers = headers_for(container, world, role)

    assert world.client.get(URL, headers=headers).status_code == get
    assert world.client.put(URL, json=POLICY, headers=headers).status_code == put
    assert world.client.post(f"{URL}/test", json={}, headers=headers).status_code == test
    assert (stored_policy(container, world.tenant_id) is not None) is (put == 200)


@pytest.mark.parametrize(("method", "path"), [("GET", URL), ("PUT", URL), ("POST", f"{URL}/test")])
def test_no_token_is_refused(world: ApiWorld, method: str, path: str) -> None:
    assert_error(world.client.request(method, path, json={}), 401, "unauthenticated")


# --- reading ---


def test_without_a_saved_policy_the_default_is_in_force_as_version_0(world: ApiWorld) -> None:
    response = world.client.get(URL, headers=world.admin_headers)

    assert response.status_code == 200, response.text
    document = response.json()
    assert set(document) == {"version", "settings", "rules"}
    assert document["version"] == 0
    assert document["settings"] == {"default_queue": "general", "repeat_contact": {"contacts": 2, "days": 7}}
    assert document["rules"][0]["name"] == "repeat-contacts-first"


def test_yaml_export_reads_back_as_the_json_document(world: ApiWorld) -> None:
    world.client.put(URL, json=POLICY, headers=world.admin_headers)

    response = world.client.get(URL, params={"format": "yaml"}, headers=world.admin_headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml; charset=utf-8"
    assert "上海团队" in response.text and "повтор" in response.text  # readable, not \u-escaped
    assert yaml.safe_load(response.text) == world.client.get(URL, headers=world.admin_headers).json()


# --- saving ---


def test_put_json_stores_the_normalised_policy_with_version_1_and_audits(
    world: ApiWorld, container: Container
) -> None:
    response = world.client.put(URL, json=POLICY, headers=world.admin_headers)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "version": 1,
        "settings": {"default_queue": "общая", "repeat_contact": {"contacts": 3, "days": 14}},
        "rules": [
            {"name": "повтор", "when": {"repeat_contact": True}, "then": {"priority": 5}, "continue": True},
            {
                "name": "vip",
                "when": {"customer_tier": ["vip"]},
                "then": {"queue": "priority", "priority": 10},
            },
            {
                "name": "中文",
                "when": {"channel_class": ["live"], "language": ["zh"]},
                "then": {"team": "上海团队"},
            },
        ],
    }
    assert world.client.get(URL, headers=world.admin_headers).json() == response.json()
    with container.uow() as uow:
        audits = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "routing_policy.updated")
        ).all()
        assert [(a.tenant_id, a.subject_type, a.data) for a in audits] == [
            (world.tenant_id, "routing_policy", {"version": 1, "rules": ["повтор", "vip", "中文"]})
        ]
        assert audits[0].actor.startswith("user:")


def test_put_yaml_replaces_the_policy_and_bumps_the_version(world: ApiWorld, container: Container) -> None:
    world.client.put(URL, json=POLICY, headers=world.admin_headers)

    response = world.client.put(
        URL, content=YAML_POLICY.encode(), headers={**world.admin_headers, **YAML_HEADERS}
    )

    assert response.status_code == 200, response.text
    document = response.json()
    assert document["version"] == 2
    assert [rule["name"] for rule in document["rules"]] == ["деньги", "бот"]
    assert document["rules"][0] == {
        "name": "деньги",
        "when": {"topic_tags": ["financial"]},
        "then": {"queue": "billing", "priority": 3, "skills": ["billing"]},
    }
    assert document["rules"][1]["when"]["not"] == {"sentiment": ["negative"]}
    row = stored_policy(container, world.tenant_id)
    assert row is not None and row.version == 2


def test_exported_yaml_imports_back_unchanged(world: ApiWorld) -> None:
    exported = world.client.get(URL, params={"format": "yaml"}, headers=world.admin_headers).text

    first = world.client.put(URL, content=exported.encode(), headers={**world.admin_headers, **YAML_HEADERS})
    again = world.client.put(
        URL,
        content=world.client.get(URL, params={"format": "yaml"}, headers=world.admin_headers).text.encode(),
        headers={**world.admin_headers, **YAML_HEADERS},
    )

    assert (first.status_code, again.status_code) == (200, 200)
    assert {**first.json(), "version": 2} == again.json()


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"rules: [unclosed", YAML_HEADERS, 400, "malformed_yaml"),
        (b"{not json", {"Content-Type": "application/json"}, 400, "malformed_json"),
        (b"\xff\xfe", YAML_HEADERS, 400, "malformed_body"),
        (b"- just\n- a list\n", YAML_HEADERS, 422, "invalid_policy"),
        (
            b'{"rules": [{"name": "x", "when": {"tier": "vip"}, "then": {"queue": "q"}}]}',
            {},
            422,
            "invalid_policy",
        ),
    ],
)
def test_a_bad_body_is_refused_and_nothing_is_stored(
    world: ApiWorld, container: Container, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    world.client.put(URL, json=POLICY, headers=world.admin_headers)
    before = row_counts(container)

    response = world.client.put(URL, content=content, headers={**world.admin_headers, **headers})

    assert_error(response, status, code)
    assert row_counts(container) == before
    assert world.client.get(URL, headers=world.admin_headers).json()["version"] == 1


def test_an_invalid_policy_lists_every_problem(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)
    document = {
        "rules": [
            {"name": "vip", "when": {"tier": "vip"}, "then": {"queue": "priority"}},
            {"name": "два", "when": {"risk": "огромный"}, "then": {"queue": "a", "bot": "b"}},
            {"name": "два", "then": {"queue": "q", "priority": 1}, "continue": True},
        ]
    }

    error = assert_error(
        world.client.put(URL, json=document, headers=world.admin_headers), 422, "invalid_policy"
    )

    assert error["details"] == [
        "rule 1 'vip': unknown condition 'tier' in when (did you mean customer_tier?)",
        "rule 2 'два': when.risk: input should be 'low', 'medium' or 'high' (got 'огромный')",
        "rule 3 'два': a continue rule may carry only priority, skills and sticky, not queue",
        "rule 3 'два': the name is already used by rule 2",
    ]
    assert error["message"] == "; ".join(error["details"])
    assert row_counts(container) == before


def test_a_policy_naming_a_team_or_agent_the_tenant_lacks_is_refused(
    world: ApiWorld, container: Container
) -> None:
    agent = agent_of(container, world)
    document = {
        "rules": [
            {"name": "москва", "when": {"language": "ru"}, "then": {"team": "Команда Москва"}},
            {"name": "上海", "when": {"language": "zh"}, "then": {"team": "上海团队"}},
            {"name": "ольга", "when": {"customer_tier": "vip"}, "then": {"agent": "olga@nowhere.test"}},
            {"name": "свой", "when": {"urgency": "high"}, "then": {"agent": agent.upper()}},
        ]
    }
    before = row_counts(container)

    error = assert_error(
        world.client.put(URL, json=document, headers=world.admin_headers), 422, "invalid_policy"
    )

    assert error["details"] == [
        "rule 1 'москва': then.team: there is no team 'Команда Москва'",
        "rule 3 'ольга': then.agent: there is no active user 'olga@nowhere.test'",
    ]
    assert row_counts(container) == before
    assert stored_policy(container, world.tenant_id) is None
    # the same document without the two unknown names is saved
    document["rules"] = document["rules"][1::2]
    saved = world.client.put(URL, json=document, headers=world.admin_headers)
    assert saved.status_code == 200, saved.text
    stored = [rule["then"] for rule in saved.json()["rules"]]
    assert stored[0] == {"team": "上海团队"}
    assert stored[1]["agent"].casefold() == agent


def test_each_tenant_has_its_own_policy(world: ApiWorld, container: Container) -> None:
    other = make_world(container, world.client, slug=f"o{uuid.uuid4().hex[:8]}")

    world.client.put(URL, json=POLICY, headers=world.admin_headers)

    assert world.client.get(URL, headers=other.admin_headers).json()["version"] == 0
    assert world.client.get(URL, headers=world.admin_headers).json()["version"] == 1


# --- trying a policy ---


def test_try_the_stored_policy(world: ApiWorld) -> None:
    world.client.put(URL, json=POLICY, headers=world.admin_headers)

    response = world.client.post(
        f"{URL}/test",
        json={"customer_tier": "vip", "repeat_contact": True, "language": "zh", "channel_kind": "wechat"},
        headers=world.admin_headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision"] == {
        "rule": "vip",
        "destination": "queue",
        "target": "priority",
        "priority": 15,
        "skills": [],
        "sticky": True,
        "reasons": ["this is a repeat contact", "customer tier is vip"],
        "matched": ["повтор", "vip"],
    }
    assert body["policy_version"] == 1
    assert body["topic_from_taxonomy"] is False
    assert body["facts"]["channel_kind"] == "wechat"


def test_try_an_unsaved_policy_stores_nothing(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)

    response = world.client.post(
        f"{URL}/test",
        json={"language": "zh", "channel_kind": "voice", "policy": POLICY},
        headers=world.admin_headers,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["decision"]["destination"], response.json()["decision"]["target"]) == (
        "team",
        "上海团队",
    )
    assert response.json()["policy_version"] is None
    assert row_counts(container) == before


def test_try_with_a_topic_code_takes_the_topic_from_the_taxonomy(
    world: ApiWorld, container: Container
) -> None:
    with container.uow() as uow:
        uow.session.add(
            Topic(
                tenant_id=world.tenant_id,
                code="billing.double_charge",
                name="Double charge",
                names={"ru": "Двойное списание", "zh": "重复扣款"},
                risk="high",
                complexity="standard",
                tags=["financial"],
                skills=["billing"],
            )
        )
        uow.commit()

    response = world.client.post(
        f"{URL}/test", json={"topic_code": "billing.double_charge"}, headers=world.admin_headers
    )

    body = response.json()
    assert body["topic_from_taxonomy"] is True
    assert (body["facts"]["risk"], body["facts"]["topic_tags"], body["facts"]["topic_skills"]) == (
        "high",
        ["financial"],
        ["billing"],
    )
    assert body["decision"]["rule"] == "money-to-billing-humans"
    assert body["decision"]["skills"] == ["billing"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"policy": {"rules": [{"name": "x", "then": {"queu": "q"}}]}}, "invalid_policy"),
        ({"tier": "vip"}, "invalid_input"),
        ({"channel_kind": "fax"}, "invalid_input"),
    ],
)
def test_try_with_bad_input_is_a_422(
    world: ApiWorld, container: Container, body: dict[str, Any], code: str
) -> None:
    before = row_counts(container)

    assert_error(world.client.post(f"{URL}/test", json=body, headers=world.admin_headers), 422, code)
    assert row_counts(container) == before


# --- the store: what intake loads ---


def test_load_policy_follows_saves_and_the_cache_recompiles_only_on_a_new_version(
    world: ApiWorld, container: Container
) -> None:
    cache = PolicyCache(ttl_seconds=0)
    with container.uow() as uow:
        default = load_policy(uow.session, world.tenant_id, cache=cache)
        assert (default.version, default.default_queue) == (0, "general")
        assert load_policy(uow.session, world.tenant_id, cache=cache) is default

        save_policy(uow.session, world.tenant_id, POLICY, actor="cli", now=container.clock())
        saved = load_policy(uow.session, world.tenant_id, cache=cache)
        assert (saved.version, saved.default_queue) == (1, "общая")
        assert (saved.repeat_window.contacts, saved.repeat_window.days) == (3, 14)
        assert load_policy(uow.session, world.tenant_id, cache=cache) is saved
        assert load_policy(uow.session, world.tenant_id).version == 1  # the shared cache was told
        uow.commit()


def test_within_its_ttl_the_cache_answers_without_the_database(world: ApiWorld, container: Container) -> None:
    cache = PolicyCache(ttl_seconds=60)
    with container.uow() as uow:
        first = load_policy(uow.session, world.tenant_id, cache=cache)
        save_policy(uow.session, world.tenant_id, POLICY, actor="cli", now=container.clock())

        assert load_policy(uow.session, world.tenant_id, cache=cache) is first
        cache.forget(world.tenant_id)
        assert load_policy(uow.session, world.tenant_id, cache=cache).version == 1
