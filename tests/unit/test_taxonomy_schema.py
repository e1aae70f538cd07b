"""The taxonomy file: what a valid one becomes, every kind of mistake named with its topic and field,
and the demo taxonomy shipped with omniline."""

import re
from typing import Any

import pytest

from omniline.kernel.errors import MalformedInput
from omniline.taxonomy.schemas import (
    InvalidTaxonomy,
    TopicRow,
    dump_yaml,
    materialise,
    parse_taxonomy,
    parse_yaml,
)
from omniline.taxonomy.service import DEMO_TAXONOMY_PATH

BILLING_YAML = """
version: 1
topics:
  - code: billing
    names: {en: Billing and charges, ru: Оплата и списания, zh: 账单与扣费}
    risk: medium
    complexity: standard
    self_service: false
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
        sla:
          async: {first_response: 3600, resolution: 86400}
        keywords: {en: [charged twice], ru: [списали дважды, двойное списание], zh: [扣了两次, 重复扣款]}
        patterns: ['(?i)charged\\s+(me\\s+)?twice']
      - code: billing.invoice
        names: {en: Invoice, ru: Счёт, zh: 发票}
        complexity: simple
        self_service: true
        tags: []
"""


def billing_document() -> dict[str, Any]:
    document = parse_yaml(BILLING_YAML)
    assert isinstance(document, dict)
    return document


def problems_of(document: Any) -> list[str]:
    with pytest.raises(InvalidTaxonomy) as caught:
        parse_taxonomy(document)
    assert caught.value.status_code == 422
    return caught.value.problems


def test_a_good_file_becomes_complete_rows_with_inheritance_applied() -> None:
    # given
    document = billing_document()

    # when
    rows = materialise(parse_taxonomy(document))

    # then
    parent_sla = {
        "live": {"first_response": 60, "resolution": 3600},
        "async": {"first_response": 14400, "resolution": 172800},
        "tiers": {"vip": 0.5, "gold": 0.75},
    }
    assert rows == [
        TopicRow(
            code="billing",
            parent_code=None,
            position=0,
            names={"en": "Billing and charges", "ru": "Оплата и списания", "zh": "账单与扣费"},
            risk="medium",
            complexity="standard",
            self_service=False,
            tags=["financial"],
            skills=["billing"],
            sla=parent_sla,
            rules={"keywords": {}, "patterns": []},
        ),
        TopicRow(
            code="billing.double_charge",
            parent_code="billing",
            position=0,
            names={"en": "Charged twice", "ru": "Двойное списание", "zh": "重复扣款"},
            risk="high",
            complexity="standard",
            self_service=False,
            tags=["financial"],
            skills=["billing"],
            # Each sla key is inherited on its own: the child replaced only its async targets.
            sla=parent_sla | {"async": {"first_response": 3600, "resolution": 86400}},
            rules={
                "keywords": {
                    "en": ["charged twice"],
                    "ru": ["списали дважды", "двойное списание"],
                    "zh": ["扣了两次", "重复扣款"],
                },
                "patterns": [r"(?i)charged\s+(me\s+)?twice"],
            },
        ),
        TopicRow(
            code="billing.invoice",
            parent_code="billing",
            position=1,
            names={"en": "Invoice", "ru": "Счёт", "zh": "发票"},
            risk="medium",
            complexity="simple",
            self_service=True,
            tags=[],  # an empty list is a value, not "unset": the invoice is not financial here
            skills=["billing"],
            sla=parent_sla,
            rules={"keywords": {}, "patterns": []},
        ),
    ]
    assert rows[1].values()["name"] == "Charged twice"


def test_a_top_level_topic_that_sets_nothing_gets_the_defaults() -> None:
    rows = materialise(parse_taxonomy({"version": 1, "topics": [{"code": "misc", "names": {"en": "Misc"}}]}))

    assert rows == [
        TopicRow(
            code="misc",
            parent_code=None,
            position=0,
            names={"en": "Misc"},
            risk="low",
            complexity="standard",
            self_service=False,
            tags=[],
            skills=[],
            sla={},
            rules={"keywords": {}, "patterns": []},
        )
    ]


def test_the_exported_form_reads_back_to_the_same_rows() -> None:
    rows = materialise(parse_taxonomy(billing_document()))

    again = parse_yaml(dump_yaml(billing_document()))

    assert materialise(parse_taxonomy(again)) == rows
    assert "Оплата и списания" in dump_yaml(billing_document())  # Unicode is kept, not escaped


def _break(change: str) -> dict[str, Any]:
    document = billing_document()
    parent = document["topics"][0]
    child = parent["children"][0]
    if change == "duplicate":
        parent["children"][1]["code"] = "billing.double_charge"
    elif change == "bad regex":
        child["patterns"] = ["(?i)charged (twice"]
    elif change == "unknown name language":
        child["names"]["fr"] = "Débité deux fois"
    elif change == "unknown keyword language":
        child["keywords"]["de"] = ["doppelt"]
    elif change == "missing english":
        del child["names"]["en"]
    elif change == "not under parent":
        child["code"] = "orders.double_charge"
    elif change == "grandchild skipping a level":
        child["code"] = "billing.cards.double_charge"
    elif change == "dotted top level":
        parent["code"] = "money.billing"
    elif change == "negative sla":
        child["sla"]["async"]["first_response"] = -5
    elif change == "resolution before first response":
        parent["sla"]["live"] = {"first_response": 600, "resolution": 60}
    elif change == "zero tier factor":
        parent["sla"]["tiers"]["vip"] = 0
    elif change == "unknown field":
        child["priority"] = 1
    elif change == "bad risk":
        child["risk"] = "extreme"
    elif change == "bad code":
        child["code"] = "Billing.Double Charge"
    elif change == "string for a boolean":
        parent["self_service"] = "sometimes"
    elif change == "bad skill":
        parent["skills"] = ["Billing Team"]
    elif change == "version":
        document["version"] = 2
    return document


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("duplicate", "topic 'billing.double_charge': code: used more than once"),
        ("bad regex", "topic 'billing.double_charge': patterns: '(?i)charged (twice' does not compile"),
        (
            "unknown name language",
            "topic 'billing.double_charge': names: unknown language(s) fr (use en, ru, zh)",
        ),
        ("unknown keyword language", "topic 'billing.double_charge': keywords: unknown language(s) de"),
        ("missing english", "topic 'billing.double_charge': names: an English name ('en') is required"),
        (
            "not under parent",
            "topic 'orders.double_charge': code: a child of 'billing' must be 'billing.<segment>'",
        ),
        (
            "grandchild skipping a level",
            "topic 'billing.cards.double_charge': code: a child of 'billing' must be 'billing.<segment>'",
        ),
        (
            "dotted top level",
            "topic 'money.billing': code: a top-level code is one segment; nest it under 'money'",
        ),
        (
            "negative sla",
            "topic 'billing.double_charge': sla.async.first_response: "
            "Input should be greater than or equal to 0",
        ),
        (
            "resolution before first response",
            "topic 'billing': sla.live: resolution must not be shorter than first_response",
        ),
        ("zero tier factor", "topic 'billing': sla.tiers.vip: Input should be greater than 0"),
        ("unknown field", "topic 'billing.double_charge': priority: Extra inputs are not permitted"),
        ("bad risk", "topic 'billing.double_charge': risk: Input should be 'low', 'medium' or 'high'"),
        ("bad code", "topic 'Billing.Double Charge': code: String should match pattern"),
        ("string for a boolean", "topic 'billing': self_service: Input should be a valid boolean"),
        ("bad skill", "topic 'billing': skills.0: String should match pattern"),
        ("version", "version: Input should be 1"),
    ],
)
def test_each_kind_of_mistake_is_named_with_its_topic_and_field(change: str, problem: str) -> None:
    problems = problems_of(_break(change))

    assert any(item.startswith(problem) for item in problems), problems


def test_every_problem_is_listed_at_once() -> None:
    # given a file with four unrelated mistakes in three topics
    document = _break("duplicate")
    child = document["topics"][0]["children"][0]
    child["patterns"] = ["[unclosed"]
    child["sla"]["async"]["resolution"] = -1
    document["topics"][0]["children"].append({"names": {"en": "No code"}})

    # when
    with pytest.raises(InvalidTaxonomy) as caught:
        parse_taxonomy(document)

    # then
    assert caught.value.problems == [
        "topic 'billing.double_charge': code: used more than once",
        "topic 'billing.double_charge': sla.async.resolution: Input should be greater than or equal to 0",
        "topic 'billing.double_charge': patterns: '[unclosed' does not compile "
        "(unterminated character set at position 0)",
        "topic #3 under 'billing': code: Field required",
    ]
    assert caught.value.message.startswith("the taxonomy has 4 problem(s): topic 'billing.double_charge'")


@pytest.mark.parametrize("document", [None, [], "topics", {"topics": []}])
def test_a_document_that_is_not_a_taxonomy_is_refused(document: Any) -> None:
    assert problems_of(document)


def test_keywords_and_labels_are_trimmed_and_deduplicated() -> None:
    document = billing_document()
    child = document["topics"][0]["children"][0]
    child["keywords"] = {"ru": ["  списали дважды ", "списали дважды", "двойное списание"]}
    child["tags"] = ["financial", "financial"]

    rows = materialise(parse_taxonomy(document))

    assert rows[1].rules["keywords"] == {"ru": ["списали дважды", "двойное списание"]}
    assert rows[1].tags == ["financial"]


def test_yaml_that_does_not_parse_says_where() -> None:
    with pytest.raises(MalformedInput) as caught:
        parse_yaml("version: 1\ntopics:\n  - code: billing\n    names: {en: [Billing\n")

    assert caught.value.status_code == 400
    assert caught.value.code == "malformed_yaml"
    assert caught.value.message.startswith("the file is not valid YAML at line 5, column 1:")


# --- the demo taxonomy ---

DEMO_LEAVES = {
    "orders.status",
    "orders.change",
    "orders.cancel",
    "delivery.delay",
    "delivery.damaged",
    "delivery.address",
    "returns.request",
    "returns.refund_status",
    "billing.double_charge",
    "billing.unknown_charge",
    "billing.invoice",
    "billing.payment_failed",
    "complaints.service",
    "complaints.staff",
    "account.contact_details",
    "account.password",
    "account.delete_data",
    "technical.app_crash",
    "technical.website",
    "general.opening_hours",
}


@pytest.fixture(scope="module")
def demo() -> dict[str, TopicRow]:
    rows = materialise(parse_taxonomy(parse_yaml(DEMO_TAXONOMY_PATH.read_bytes())))
    return {row.code: row for row in rows}


def test_the_demo_has_eight_parents_and_the_twenty_leaves(demo: dict[str, TopicRow]) -> None:
    parents = {code for code, row in demo.items() if row.parent_code is None}
    assert parents == {
        "orders",
        "delivery",
        "returns",
        "billing",
        "complaints",
        "account",
        "technical",
        "general",
    }
    assert set(demo) - parents == DEMO_LEAVES
    assert all(demo[code].parent_code == code.split(".")[0] for code in DEMO_LEAVES)


def test_every_demo_topic_has_names_and_sla_for_both_channel_classes(demo: dict[str, TopicRow]) -> None:
    for row in demo.values():
        assert set(row.names) == {"en", "ru", "zh"}, row.code
        assert {"live", "async"} <= set(row.sla), row.code
        # General questions need no special skill: any agent answers them.
        assert bool(row.skills) is not row.code.startswith("general"), row.code


def test_every_demo_leaf_has_ten_to_thirty_keywords_per_language(demo: dict[str, TopicRow]) -> None:
    for code in DEMO_LEAVES:
        keywords = demo[code].rules["keywords"]
        assert set(keywords) == {"en", "ru", "zh"}, code
        # the phrases and the single words (synonyms, Russian stems) customers use for the problem
        assert all(10 <= len(words) <= 30 for words in keywords.values()), (code, keywords)
        # Chinese is written without spaces: a keyword is a short word, not a sentence.
        assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,6}", word) for word in keywords["zh"]), code


def test_every_demo_pattern_matches_its_own_keywords_and_no_other_topics(demo: dict[str, TopicRow]) -> None:
    keywords = {
        code: [w for words in row.rules["keywords"].values() for w in words] for code, row in demo.items()
    }
    for code in DEMO_LEAVES:
        patterns = demo[code].rules["patterns"]
        assert patterns, code
        for pattern in patterns:
            assert any(re.search(pattern, word) for word in keywords[code]), (code, pattern)
            strays = [
                (other, w) for other in DEMO_LEAVES - {code} for w in keywords[other] if re.search(pattern, w)
            ]
            assert strays == [], (code, pattern)


def test_the_demo_follows_the_seed_documents_on_risk_and_self_service(demo: dict[str, TopicRow]) -> None:
    status, hours = demo["orders.status"], demo["general.opening_hours"]
    assert (status.risk, status.complexity, status.self_service) == ("low", "simple", True)
    assert (hours.risk, hours.complexity, hours.self_service) == ("low", "simple", True)
    for code in (
        "billing.double_charge",
        "billing.unknown_charge",
        "billing.invoice",
        "billing.payment_failed",
    ):
        assert "financial" in demo[code].tags and demo[code].skills == ["billing"], code
    for code in ("complaints.service", "complaints.staff"):
        assert (demo[code].risk, demo[code].tags, demo[code].skills) == (
            "high",
            ["complaint"],
            ["complaints"],
        )
        assert demo[code].self_service is False
    delete = demo["account.delete_data"]
    assert (delete.risk, delete.tags, delete.self_service) == ("high", ["privacy"], False)
    assert demo["technical.app_crash"].skills == demo["technical.website"].skills == ["technical"]
    # Valuable customers get shorter targets everywhere.
    assert all(row.sla["tiers"] == {"vip": 0.5, "gold": 0.75} for row in demo.values())


def test_the_demo_russian_keywords_cover_several_word_forms(demo: dict[str, TopicRow]) -> None:
    russian = demo["orders.status"].rules["keywords"]["ru"]
    assert {"где мой заказ", "статус заказа"} <= set(russian)
    # People type "е" for "ё": both spellings are there.
    assert {"пришёл повреждённый", "пришел поврежденный"} <= set(
        demo["delivery.damaged"].rules["keywords"]["ru"]
    )


def test_a_shared_yaml_anchor_is_fine_but_a_cycle_is_refused() -> None:
    shared = parse_yaml(
        "version: 1\n"
        "topics:\n"
        "  - {code: orders, names: {en: Orders}, sla: &std {live: {first_response: 60, resolution: 600}}}\n"
        "  - {code: general, names: {en: General}, sla: *std}\n"
    )
    cyclic = parse_yaml("version: 1\ntopics: &all\n  - {code: orders, names: {en: Orders}, children: *all}\n")

    rows = materialise(parse_taxonomy(shared))

    assert rows[0].sla == rows[1].sla == {"live": {"first_response": 60, "resolution": 600}}
    assert problems_of(cyclic) == ["topic 'orders': Recursion error - cyclic reference detected"]
