"""Topics and the taxonomy over HTTP: import (JSON and YAML), export round trips, replace, CRUD, roles,
refusals that store nothing, and the demo taxonomy on the real database."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from httpx import Response
from sqlalchemy import select

from omniline.accounts.service import create_user
from omniline.bootstrap import Container
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from omniline.taxonomy.service import DEMO_TAXONOMY_PATH, load_demo_taxonomy, topics_by_code
from tests.support import PASSWORD, ApiWorld, login, make_world, row_counts

SLA = {
    "live": {"first_response": 60, "resolution": 3600},
    "async": {"first_response": 14400, "resolution": 172800},
    "tiers": {"vip": 0.5, "gold": 0.75},
}
TAXONOMY_YAML = """\
version: 1
topics:
  - code: billing
    names: {en: Billing and charges, ru: Оплата и списания, zh: 账单与扣费}
    risk: medium
    complexity: standard
    tags: [financial]
    skills: [billing]
    sla:
      live: {first_response: 60, resolution: 3600}
      async: {first_response: 14400, resolution: 172800}
      tiers: {vip: 0.5, gold: 0.75}
    children:
      - code: billing.double_charge
        names: {en: Charged twice, ru: Двойное списание, zh: 重复扣款}
        risk: high
        keywords: {en: [charged twice], ru: [списали дважды, двойное списание], zh: [扣了两次, 重复扣款]}
        patterns: ['(?i)charged\\s+(me\\s+)?twice']
      - code: billing.invoice
        names: {en: Invoice, ru: Счёт, zh: 发票}
        complexity: simple
        self_service: true
  - code: general
    names: {en: General questions, ru: Общие вопросы, zh: 一般咨询}
    self_service: true
    skills: [general]
"""


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return dict(body["error"])


def put_yaml(
    world: ApiWorld, text: str, *, replace: bool = False, headers: dict[str, str] | None = None
) -> Response:
    response: Response = world.client.put(
        "/api/v1/taxonomy",
        params={"replace": "true"} if replace else {},
        content=text.encode(),
        headers={**(headers or world.admin_headers), "Content-Type": "application/yaml"},
    )
    return response


def imported(world: ApiWorld, text: str = TAXONOMY_YAML, **options: Any) -> dict[str, int]:
    response = put_yaml(world, text, **options)
    assert response.status_code == 200, response.text
    return dict(response.json())


def topics(world: ApiWorld, **params: Any) -> dict[str, dict[str, Any]]:
    response = world.client.get("/api/v1/topics", params=params, headers=world.agent_headers)
    assert response.status_code == 200, response.text
    return {item["code"]: item for item in response.json()["items"]}


def snapshot(container: Container) -> list[tuple[Any, ...]]:
    """Every topic column of every row: proves a refused request changed nothing, not just no row count."""
    with container.engine.connect() as connection:
        rows = connection.execute(select(Topic.__table__).order_by(Topic.code)).all()
    return [tuple(row) for row in rows]


def audit_actions(container: Container, tenant_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    with container.uow() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.id)
        )
        return [
            (entry.action, entry.data) for entry in entries if entry.subject_type in ("taxonomy", "topic")
        ]


# --- import and export ---


def test_a_yaml_import_creates_complete_topics_in_tree_order(world: ApiWorld, container: Container) -> None:
    # when
    counts = imported(world)

    # then
    assert counts == {"created": 4, "updated": 0, "deactivated": 0}
    listed = topics(world)
    assert list(listed) == ["billing", "billing.double_charge", "billing.invoice", "general"]
    charge = listed["billing.double_charge"]
    assert charge == {
        "id": charge["id"],
        "code": "billing.double_charge",
        "parent_code": "billing",
        "names": {"en": "Charged twice", "ru": "Двойное списание", "zh": "重复扣款"},
        "name": "Charged twice",
        "risk": "high",
        "complexity": "standard",
        "self_service": False,
        "tags": ["financial"],
        "skills": ["billing"],
        "sla": SLA,
        "keywords": {
            "en": ["charged twice"],
            "ru": ["списали дважды", "двойное списание"],
            "zh": ["扣了两次", "重复扣款"],
        },
        "patterns": [r"(?i)charged\s+(me\s+)?twice"],
        "position": 0,
        "is_active": True,
    }
    invoice = listed["billing.invoice"]
    assert (invoice["risk"], invoice["complexity"], invoice["self_service"], invoice["skills"]) == (
        "medium",
        "simple",
        True,
        ["billing"],
    )
    assert (invoice["position"], listed["general"]["sla"], listed["general"]["risk"]) == (1, {}, "low")
    # the rows themselves are complete: the parent link is real and routing needs no tree walk
    with container.uow() as uow:
        by_code = topics_by_code(uow.session, world.tenant_id)
        assert by_code["billing.invoice"].parent_id == by_code["billing"].id
        assert by_code["billing.invoice"].sla == SLA
    assert audit_actions(container, world.tenant_id) == [
        (
            "taxonomy.imported",
            {
                "created": 4,
                "updated": 0,
                "deactivated": 0,
                "replace": False,
                "codes": {
                    "created": ["billing", "billing.double_charge", "billing.invoice", "general"],
                    "updated": [],
                    "deactivated": [],
                },
            },
        )
    ]


def test_export_then_import_changes_nothing(world: ApiWorld, container: Container) -> None:
    # given
    imported(world)
    before = snapshot(container)

    # when the JSON export and the YAML export are imported back
    exported = world.client.get("/api/v1/taxonomy", headers=world.agent_headers)
    as_yaml = world.client.get("/api/v1/taxonomy", params={"format": "yaml"}, headers=world.agent_headers)
    again_json = world.client.put("/api/v1/taxonomy", json=exported.json(), headers=world.admin_headers)
    again_yaml = put_yaml(world, as_yaml.text)

    # then
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/json"
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert "Оплата и списания" in as_yaml.text and "重复扣款" in as_yaml.text
    assert yaml.safe_load(as_yaml.text) == exported.json()
    assert exported.json()["topics"][0]["children"][1] == {
        "code": "billing.invoice",
        "names": {"en": "Invoice", "ru": "Счёт", "zh": "发票"},
        "risk": "medium",
        "complexity": "simple",
        "self_service": True,
        "tags": ["financial"],
        "skills": ["billing"],
        "sla": SLA,
        "keywords": {},
        "patterns": [],
    }
    assert again_json.json() == again_yaml.json() == {"created": 0, "updated": 0, "deactivated": 0}
    assert snapshot(container) == before


def test_importing_again_updates_only_what_changed(world: ApiWorld, container: Container) -> None:
    # given
    imported(world)
    ids = {code: item["id"] for code, item in topics(world).items()}

    # when the parent's skill changes: every child inherits it again
    counts = imported(world, TAXONOMY_YAML.replace("skills: [billing]", "skills: [billing, payments]"))

    # then
    assert counts == {"created": 0, "updated": 3, "deactivated": 0}
    listed = topics(world)
    assert {code: item["id"] for code, item in listed.items()} == ids
    assert listed["billing.double_charge"]["skills"] == ["billing", "payments"]
    assert listed["general"]["skills"] == ["general"]


def test_replace_deactivates_what_the_file_leaves_out_and_never_deletes(world: ApiWorld) -> None:
    # given
    imported(world)
    general_id = topics(world)["general"]["id"]
    without_general = TAXONOMY_YAML.split("  - code: general")[0]

    # when: without replace, a shorter file leaves the rest alone; with replace, it deactivates it
    kept = imported(world, without_general)
    replaced = imported(world, without_general, replace=True)

    # then
    assert kept == {"created": 0, "updated": 0, "deactivated": 0}
    assert replaced == {"created": 0, "updated": 0, "deactivated": 1}
    assert "general" not in topics(world)
    inactive = topics(world, include_inactive="true")["general"]
    assert (inactive["id"], inactive["is_active"]) == (general_id, False)
    exported = world.client.get("/api/v1/taxonomy", headers=world.agent_headers).json()
    assert [topic["code"] for topic in exported["topics"]] == ["billing"]

    # and importing it again brings the same row back
    assert imported(world) == {"created": 0, "updated": 1, "deactivated": 0}
    assert topics(world)["general"]["id"] == general_id


def test_bad_yaml_is_400_and_stores_nothing(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)

    response = put_yaml(world, "version: 1\ntopics:\n  - code: billing\n    names: {en: [Оплата\n")

    error = assert_error(response, 400, "malformed_yaml")
    assert error["message"].startswith("the file is not valid YAML at line 5")
    assert row_counts(container) == before


def test_a_json_body_that_does_not_parse_is_400(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)

    response = world.client.put(
        "/api/v1/taxonomy",
        content=b"{version: 1",
        headers={**world.admin_headers, "Content-Type": "application/json"},
    )

    assert_error(response, 400, "malformed_json")
    assert row_counts(container) == before


def test_invalid_content_is_422_listing_every_problem_and_stores_nothing(
    world: ApiWorld, container: Container
) -> None:
    # given a file whose first topics are fine and whose last ones are not
    imported(world)
    before, topics_before = row_counts(container), snapshot(container)
    broken = (
        TAXONOMY_YAML.replace("risk: high", "risk: extreme")
        .replace("(?i)charged", "(?i)charged(")
        .replace("zh: 一般咨询", "fr: Questions")
    )

    # when
    response = put_yaml(world, broken, replace=True)

    # then
    error = assert_error(response, 422, "invalid_input")
    assert error["details"] == [
        "topic 'billing.double_charge': risk: Input should be 'low', 'medium' or 'high'",
        r"topic 'billing.double_charge': patterns: '(?i)charged(\s+(me\s+)?twice' does not compile "
        "(missing ), unterminated subpattern at position 11)",
        "topic 'general': names: unknown language(s) fr (use en, ru, zh)",
    ]
    assert error["message"].startswith("the taxonomy has 3 problem(s): ")
    assert row_counts(container) == before
    assert snapshot(container) == topics_before


# --- roles and tenancy ---


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


WRITES = [
    ("POST", "/api/v1/topics", {"code": "billing.refund", "names": {"en": "Refund", "ru": "Возврат"}}),
    ("PATCH", "/api/v1/topics/{billing}", {"names": {"en": "Money", "zh": "钱"}}),
    ("DELETE", "/api/v1/topics/{billing}", None),
    ("PUT", "/api/v1/taxonomy", {"version": 1, "topics": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_an_admin_changes_the_taxonomy(
    world: ApiWorld, container: Container, role: str, method: str, path: str, body: Any
) -> None:
    # given
    imported(world)
    billing = topics(world)["billing"]["id"]
    headers = headers_for(container, world, role)
    before, topics_before = row_counts(container), snapshot(container)

    # when
    response = world.client.request(
        method, path.format(billing=billing), json=body, params={"replace": "true"}, headers=headers
    )

    # then
    assert_error(response, 403, "permission_denied")
    assert row_counts(container) == before
    assert snapshot(container) == topics_before


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_everyone_reads_topics_and_the_taxonomy(world: ApiWorld, container: Container, role: str) -> None:
    imported(world)
    headers = headers_for(container, world, role)
    billing = topics(world)["billing"]["id"]

    responses = [
        world.client.get("/api/v1/topics", headers=headers),
        world.client.get(f"/api/v1/topics/{billing}", headers=headers),
        world.client.get("/api/v1/taxonomy", headers=headers),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert responses[1].json()["names"]["zh"] == "账单与扣费"


def test_without_a_token_nothing_is_served(world: ApiWorld) -> None:
    assert_error(world.client.get("/api/v1/topics"), 401, "unauthenticated")
    assert_error(world.client.get("/api/v1/taxonomy"), 401, "unauthenticated")


def test_another_tenants_topics_are_invisible(world: ApiWorld, container: Container) -> None:
    # given a topic of this tenant, and an admin of another
    imported(world)
    billing = topics(world)["billing"]["id"]
    other = make_world(container, world.client, slug=f"o{uuid.uuid4().hex[:8]}")
    topics_before = snapshot(container)

    # when / then
    assert_error(other.client.get(f"/api/v1/topics/{billing}", headers=other.admin_headers), 404, "not_found")
    patch = other.client.patch(f"/api/v1/topics/{billing}", json={"risk": "low"}, headers=other.admin_headers)
    assert_error(patch, 404, "not_found")
    assert_error(
        other.client.delete(f"/api/v1/topics/{billing}", headers=other.admin_headers), 404, "not_found"
    )
    assert other.client.get("/api/v1/topics", headers=other.admin_headers).json() == {"items": []}
    assert other.client.get("/api/v1/taxonomy", headers=other.admin_headers).json() == {
        "version": 1,
        "topics": [],
    }
    assert snapshot(container) == topics_before


# --- one topic at a time ---


def test_a_new_topic_inherits_from_its_parent(world: ApiWorld, container: Container) -> None:
    # given
    imported(world)

    # when
    response = world.client.post(
        "/api/v1/topics",
        json={
            "code": "billing.refund",
            "names": {"en": "Refund a charge", "ru": "Вернуть списание", "zh": "退还扣款"},
            "risk": "high",
            "keywords": {"ru": ["вернуть деньги", "верните деньги"], "zh": ["退钱"]},
        },
        headers=world.admin_headers,
    )

    # then
    assert response.status_code == 201, response.text
    topic = response.json()
    assert {
        key: topic[key] for key in ("parent_code", "risk", "complexity", "tags", "skills", "sla", "position")
    } == {
        "parent_code": "billing",
        "risk": "high",
        "complexity": "standard",
        "tags": ["financial"],
        "skills": ["billing"],
        "sla": SLA,
        "position": 2,  # after the two children already there
    }
    assert topic["keywords"] == {"ru": ["вернуть деньги", "верните деньги"], "zh": ["退钱"]}
    assert topics(world)["billing.refund"] == topic
    assert audit_actions(container, world.tenant_id)[-1] == ("topic.created", {"code": "billing.refund"})


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "billing.invoice", "names": {"en": "Again"}}, 409, "conflict"),
        ({"code": "orders.status", "names": {"en": "Where is my order"}}, 422, "invalid_input"),
        ({"code": "billing.x", "names": {"ru": "Без английского"}}, 422, "invalid_input"),
        ({"code": "billing.x", "names": {"en": "X"}, "patterns": ["(unclosed"]}, 422, "invalid_input"),
        ({"code": "Billing X", "names": {"en": "X"}}, 422, "invalid_input"),
        (
            {
                "code": "billing.x",
                "names": {"en": "X"},
                "sla": {"live": {"first_response": -1, "resolution": 1}},
            },
            422,
            "invalid_input",
        ),
    ],
)
def test_a_new_topic_that_breaks_a_rule_is_refused_and_stores_nothing(
    world: ApiWorld, container: Container, body: dict[str, Any], status: int, code: str
) -> None:
    imported(world)
    before, topics_before = row_counts(container), snapshot(container)

    response = world.client.post("/api/v1/topics", json=body, headers=world.admin_headers)

    assert_error(response, status, code)
    assert row_counts(container) == before
    assert snapshot(container) == topics_before


def test_patch_changes_only_what_was_sent_and_audits_it(world: ApiWorld, container: Container) -> None:
    # given
    imported(world)
    charge = topics(world)["billing.double_charge"]

    # when
    response = world.client.patch(
        f"/api/v1/topics/{charge['id']}",
        json={
            "names": {"en": "Double charge", "ru": "Списали дважды", "zh": "重复扣费"},
            "patterns": ["(?i)double\\s+charge"],
            "position": 5,
        },
        headers=world.admin_headers,
    )

    # then
    assert response.status_code == 200, response.text
    assert response.json() == charge | {
        "names": {"en": "Double charge", "ru": "Списали дважды", "zh": "重复扣费"},
        "name": "Double charge",
        "patterns": [r"(?i)double\s+charge"],
        "position": 5,
    }
    assert audit_actions(container, world.tenant_id)[-1] == (
        "topic.updated",
        {
            "code": "billing.double_charge",
            "changes": {
                "names": {"en": "Double charge", "ru": "Списали дважды", "zh": "重复扣费"},
                "name": "Double charge",
                "rules": {
                    "keywords": charge["keywords"],
                    "patterns": [r"(?i)double\s+charge"],
                },
                "position": 5,
            },
        },
    )


@pytest.mark.parametrize(
    "body",
    [{"risk": None}, {"risk": "extreme"}, {"names": {"ru": "Без английского"}}, {"code": "billing.other"}],
)
def test_a_bad_patch_is_422_and_changes_nothing(
    world: ApiWorld, container: Container, body: dict[str, Any]
) -> None:
    imported(world)
    charge = topics(world)["billing.double_charge"]["id"]
    before, topics_before = row_counts(container), snapshot(container)

    response = world.client.patch(f"/api/v1/topics/{charge}", json=body, headers=world.admin_headers)

    assert_error(response, 422, "invalid_input")
    assert row_counts(container) == before
    assert snapshot(container) == topics_before


def test_delete_deactivates_the_topic_and_everything_under_it(world: ApiWorld, container: Container) -> None:
    # given
    imported(world)
    billing = topics(world)["billing"]

    # when
    response = world.client.delete(f"/api/v1/topics/{billing['id']}", headers=world.admin_headers)
    again = world.client.delete(f"/api/v1/topics/{billing['id']}", headers=world.admin_headers)

    # then
    assert response.status_code == 200, response.text
    assert response.json() == billing | {"is_active": False}
    assert list(topics(world)) == ["general"]
    everything = topics(world, include_inactive="true")
    assert [(code, item["is_active"]) for code, item in everything.items()] == [
        ("billing", False),
        ("billing.double_charge", False),
        ("billing.invoice", False),
        ("general", True),
    ]
    assert_error(again, 409, "conflict")
    assert audit_actions(container, world.tenant_id)[-1] == (
        "topic.deactivated",
        {"code": "billing", "deactivated": ["billing", "billing.double_charge", "billing.invoice"]},
    )


def test_a_child_comes_back_only_after_its_parent(world: ApiWorld) -> None:
    # given a deactivated branch
    imported(world)
    listed = topics(world)
    world.client.delete(f"/api/v1/topics/{listed['billing']['id']}", headers=world.admin_headers)

    # when
    child_first = world.client.patch(
        f"/api/v1/topics/{listed['billing.invoice']['id']}",
        json={"is_active": True},
        headers=world.admin_headers,
    )
    parent = world.client.patch(
        f"/api/v1/topics/{listed['billing']['id']}", json={"is_active": True}, headers=world.admin_headers
    )

    # then
    assert_error(child_first, 422, "invalid_input")
    assert parent.status_code == 200, parent.text
    assert list(topics(world)) == ["billing", "general"]  # the children stay off until asked


# --- the demo taxonomy on a real database ---


def test_the_demo_taxonomy_loads_once_and_again_changes_nothing(
    world: ApiWorld, container: Container
) -> None:
    # given
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with container.uow() as uow:
        load_demo_taxonomy(uow.session, world.tenant_id, now=now)
        uow.commit()
    loaded = snapshot(container)

    # when
    with container.uow() as uow:
        load_demo_taxonomy(uow.session, world.tenant_id, now=now)
        uow.commit()

    # then
    assert snapshot(container) == loaded
    listed = topics(world)
    assert len(listed) == 28
    assert listed["billing.double_charge"]["names"]["zh"] == "重复扣款"
    assert listed["orders.status"]["self_service"] is True
    # and the file itself goes through the API the same way
    response = put_yaml(world, DEMO_TAXONOMY_PATH.read_text(encoding="utf-8"))
    assert response.json() == {"created": 0, "updated": 0, "deactivated": 0}
