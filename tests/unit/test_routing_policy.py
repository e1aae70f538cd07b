"""The routing policy, pure: conditions, actions, rule order, defaults, reasons and validation."""

from typing import Any

import pytest
import yaml

from omniline.kernel.errors import InvalidInput
from omniline.routing.policy import Decision, Facts, channel_class, compile_policy, decide
from omniline.routing.policy_schema import PolicyError
from omniline.routing.policy_store import DEFAULT_POLICY_FILE, default_policy

DOUBLE_CHARGE = Facts(
    topic_code="billing.double_charge",
    topic_tags=frozenset({"financial"}),
    risk="high",
    complexity="standard",
    topic_skills=("billing",),
)


def one_rule(when: dict[str, Any], then: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"rules": [{"name": "r", "when": when, "then": then or {"queue": "matched"}}]}


def route(document: dict[str, Any], facts: Facts) -> Decision:
    return decide(compile_policy(document), facts)


# --- conditions: each one, holding and not holding, and what it says ---

CONDITIONS = [
    (
        {"topic": "billing.double_charge"},
        DOUBLE_CHARGE,
        Facts(topic_code="billing.invoice"),
        "topic is billing.double_charge",
    ),
    (
        {"topic": "billing.*"},
        DOUBLE_CHARGE,
        Facts(topic_code="billingx.y"),
        "topic billing.double_charge matches billing.*",
    ),
    (
        {"topic": "*.double_*"},
        DOUBLE_CHARGE,
        Facts(topic_code="billing.invoice"),
        "topic billing.double_charge matches *.double_*",
    ),
    (
        {"topic": ["orders.status", "billing.*"]},
        DOUBLE_CHARGE,
        Facts(),
        "topic billing.double_charge matches one of orders.status, billing.*",
    ),
    ({"topic_known": True}, DOUBLE_CHARGE, Facts(), "topic is known"),
    ({"topic_known": False}, Facts(), DOUBLE_CHARGE, "topic is unknown"),
    (
        {"topic_tags": ["complaint", "financial"]},
        DOUBLE_CHARGE,
        Facts(topic_code="orders.status"),
        "topic billing.double_charge is tagged financial",
    ),
    ({"risk": "high"}, DOUBLE_CHARGE, Facts(risk="medium"), "risk is high"),
    ({"risk": ["low", "medium"]}, Facts(risk="medium"), DOUBLE_CHARGE, "risk is medium"),
    ({"risk_at_least": "medium"}, DOUBLE_CHARGE, Facts(risk="low"), "risk high is at least medium"),
    ({"risk_at_least": "medium"}, Facts(risk="medium"), Facts(), "risk medium is at least medium"),
    ({"complexity": "simple"}, Facts(complexity="simple"), DOUBLE_CHARGE, "complexity is simple"),
    ({"self_service": True}, Facts(self_service=True), Facts(), "topic allows self-service"),
    ({"self_service": False}, Facts(), Facts(self_service=True), "topic does not allow self-service"),
    ({"customer_tier": ["vip", "gold"]}, Facts(customer_tier="gold"), Facts(), "customer tier is gold"),
    (
        {"customer_value_at_least": 10000},
        Facts(customer_value=12500.5),
        Facts(customer_value=9999.99),
        "customer value 12500.5 is at least 10000",
    ),
    (
        {"channel_kind": ["voice", "walkin"]},
        Facts(channel_kind="walkin"),
        Facts(channel_kind="email"),
        "channel is walkin",
    ),
    (
        {"channel_class": "live"},
        Facts(channel_kind="telegram"),
        Facts(channel_kind="sms"),
        "channel telegram is live",
    ),
    (
        {"channel_class": "async"},
        Facts(channel_kind="social"),
        Facts(channel_kind="wechat"),
        "channel social is async",
    ),
    ({"language": ["ru", "zh"]}, Facts(language="zh"), Facts(language="en"), "language is zh"),
    (
        {"sentiment": "negative"},
        Facts(sentiment="negative"),
        Facts(sentiment="neutral"),
        "sentiment is negative",
    ),
    ({"urgency": "high"}, Facts(urgency="high"), Facts(urgency="normal"), "urgency is high"),
    ({"business_hours": False}, Facts(in_business_hours=False), Facts(), "outside business hours"),
    ({"business_hours": True}, Facts(), Facts(in_business_hours=False), "within business hours"),
    ({"repeat_contact": True}, Facts(repeat_contact=True), Facts(), "this is a repeat contact"),
    ({"case_reopened": True}, Facts(case_reopened=True), Facts(), "the case was reopened"),
    (
        {"contacts_at_least": 3},
        Facts(contacts_in_window=3),
        Facts(contacts_in_window=2),
        "3 contacts in the repeat window, at least 3",
    ),
]


@pytest.mark.parametrize(("when", "holds", "fails", "reason"), CONDITIONS)
def test_each_condition_matches_what_it_says_and_explains_why(
    when: dict[str, Any], holds: Facts, fails: Facts, reason: str
) -> None:
    document = one_rule(when)

    matched = route(document, holds)
    missed = route(document, fails)

    assert (matched.rule, matched.target, matched.reasons) == ("r", "matched", (reason,))
    assert (missed.rule, missed.target, missed.reasons) == ("default", "general", ("no rule matched",))


def test_every_condition_must_hold() -> None:
    document = one_rule({"customer_tier": "vip", "channel_class": "live"})

    assert route(document, Facts(customer_tier="vip", channel_kind="voice")).reasons == (
        "customer tier is vip",
        "channel voice is live",
    )
    assert route(document, Facts(customer_tier="vip", channel_kind="email")).rule == "default"
    assert route(document, Facts(customer_tier="gold", channel_kind="voice")).rule == "default"


def test_any_holds_when_one_branch_holds_and_names_that_branch() -> None:
    document = one_rule({"any": [{"topic_tags": ["complaint"]}, {"risk": "high", "urgency": "high"}]})

    decision = route(document, Facts(topic_code="x.y", risk="high", urgency="high"))

    assert decision.reasons == ("risk is high and urgency is high",)
    assert route(document, Facts(topic_code="x.y", risk="high", urgency="normal")).rule == "default"


def test_not_holds_when_its_conditions_do_not_and_says_which_failed() -> None:
    document = one_rule({"not": {"sentiment": "negative"}})

    assert route(document, Facts(sentiment="positive")).reasons == ("sentiment is positive, not negative",)
    assert route(document, Facts()).reasons == ("sentiment is unknown, not negative",)
    assert route(document, Facts(sentiment="negative")).rule == "default"


def test_not_of_any_explains_every_branch() -> None:
    document = one_rule({"not": {"any": [{"repeat_contact": True}, {"case_reopened": True}]}})

    assert route(document, Facts()).reasons == ("this is not a repeat contact; the case was not reopened",)
    assert route(document, Facts(case_reopened=True)).rule == "default"


def test_a_rule_without_conditions_applies_to_every_contact() -> None:
    decision = route({"rules": [{"name": "all", "then": {"queue": "everything"}}]}, Facts())

    assert (decision.rule, decision.target, decision.reasons) == (
        "all",
        "everything",
        ("the rule applies to every contact",),
    )


def test_topic_conditions_never_match_an_unknown_topic() -> None:
    document = one_rule({"topic": "*"})

    assert route(document, Facts()).rule == "default"
    assert route(document, Facts(topic_code="general.opening_hours")).rule == "r"


# --- actions ---


@pytest.mark.parametrize(
    ("then", "destination", "target"),
    [
        ({"bot": "self_service"}, "bot", "self_service"),
        ({"queue": "billing"}, "queue", "billing"),
        ({"team": "Команда Москва"}, "team", "Команда Москва"),
        ({"agent": "Olga@Example.TEST"}, "agent", "olga@example.test"),
        ({"callback": "callbacks"}, "callback", "callbacks"),
    ],
)
def test_each_destination(then: dict[str, Any], destination: str, target: str) -> None:
    decision = route(one_rule({}, then), DOUBLE_CHARGE)

    assert (decision.destination, decision.target, decision.priority, decision.sticky) == (
        destination,
        target,
        0,
        True,
    )
    assert decision.skills == ("billing",)


def test_priority_skills_and_sticky_of_a_destination_rule() -> None:
    then = {"queue": "billing", "priority": 7, "skills": ["russian", "billing", "refunds"], "sticky": False}

    decision = route(one_rule({}, then), DOUBLE_CHARGE)

    assert (decision.priority, decision.skills, decision.sticky) == (
        7,
        ("billing", "russian", "refunds"),
        False,
    )


def test_continue_rules_accumulate_and_the_first_destination_rule_wins() -> None:
    document = {
        "settings": {"default_queue": "общая"},
        "rules": [
            {"name": "repeat", "when": {"repeat_contact": True}, "then": {"priority": 5}, "continue": True},
            {
                "name": "russian",
                "when": {"language": "ru"},
                "then": {"skills": ["ru"], "sticky": False, "priority": 1},
                "continue": True,
            },
            {"name": "never", "when": {"language": "zh"}, "then": {"priority": 100}, "continue": True},
            {
                "name": "money",
                "when": {"topic_tags": "financial"},
                "then": {"queue": "billing", "priority": 3},
            },
            {"name": "high-risk", "when": {"risk": "high"}, "then": {"queue": "priority", "priority": 50}},
        ],
    }

    decision = route(document, Facts(**{**_fields(DOUBLE_CHARGE), "repeat_contact": True, "language": "ru"}))

    assert decision == Decision(
        rule="money",
        destination="queue",
        target="billing",
        priority=9,
        skills=("billing", "ru"),
        sticky=False,
        reasons=(
            "this is a repeat contact",
            "language is ru",
            "topic billing.double_charge is tagged financial",
        ),
        matched=("repeat", "russian", "money"),
    )


def test_when_only_continue_rules_match_the_default_queue_takes_their_adjustments() -> None:
    document = {
        "settings": {"default_queue": "общая"},
        "rules": [
            {"name": "repeat", "when": {"repeat_contact": True}, "then": {"priority": 5}, "continue": True}
        ],
    }

    decision = route(document, Facts(repeat_contact=True))

    assert (decision.rule, decision.target, decision.priority, decision.matched) == (
        "default",
        "общая",
        5,
        ("repeat",),
    )
    assert decision.reasons == ("this is a repeat contact", "no rule matched")


def test_an_empty_policy_sends_everything_to_general() -> None:
    decision = route({}, DOUBLE_CHARGE)

    assert decision == Decision(
        rule="default",
        destination="queue",
        target="general",
        priority=0,
        skills=("billing",),
        sticky=True,
        reasons=("no rule matched",),
        matched=(),
    )


def test_channel_class() -> None:
    assert [channel_class(kind) for kind in ("voice", "webchat", "telegram", "wechat", "walkin")] == [
        "live"
    ] * 5
    assert [channel_class(kind) for kind in ("email", "sms", "social", "api")] == ["async"] * 4


def test_yaml_and_json_documents_decide_the_same() -> None:
    text = """
rules:
  - name: vip
    when: {customer_tier: [vip]}   # a list means "any of"
    then: {queue: priority, priority: 10}
"""
    as_json = {
        "rules": [
            {"name": "vip", "when": {"customer_tier": ["vip"]}, "then": {"queue": "priority", "priority": 10}}
        ]
    }

    facts = Facts(customer_tier="vip")
    assert route(yaml.safe_load(text), facts) == route(as_json, facts)


# --- validation ---

BAD_DOCUMENTS = [
    ([], "the policy must be a mapping with 'rules' (and optionally 'settings')"),
    ({"rules": {"name": "x"}}, "rules: input should be a valid list"),
    ({"rule": []}, "unknown key 'rule' (did you mean rules?)"),
    ({"rules": [5]}, "rule 1: should be a mapping (got 5)"),
    ({"rules": [{"then": {"queue": "q"}}]}, "rule 1: name: is required"),
    ({"rules": [{"name": "x", "when": {}}]}, "rule 1 'x': then: is required"),
    (one_rule({"tier": "vip"}), "rule 1 'r': unknown condition 'tier' in when (did you mean customer_tier?)"),
    (
        one_rule({"any": [{"tags": "vip"}]}),
        "rule 1 'r': unknown condition 'tags' in when.any[1] (did you mean topic_tags?)",
    ),
    (
        one_rule({"not": {"senitment": "negative"}}),
        "rule 1 'r': unknown condition 'senitment' in when.not (did you mean sentiment?)",
    ),
    (
        one_rule({"risk": "hihg"}),
        "rule 1 'r': when.risk: input should be 'low', 'medium' or 'high' (got 'hihg')",
    ),
    (
        one_rule({"channel_kind": "fax"}),
        "rule 1 'r': when.channel_kind: input should be 'api', 'email', 'webchat', 'sms', 'voice', "
        "'telegram', 'wechat', 'social' or 'walkin' (got 'fax')",
    ),
    (
        one_rule({"repeat_contact": "yes"}),
        "rule 1 'r': when.repeat_contact: input should be a valid boolean (got 'yes')",
    ),
    (
        one_rule({"customer_value_at_least": "много"}),
        "rule 1 'r': when.customer_value_at_least: input should be a valid number (got 'много')",
    ),
    (
        one_rule({"topic": "billing/[a]"}),
        "rule 1 'r': when.topic: string should match pattern '^[\\w.*?-]+$' (got 'billing/[a]')",
    ),
    (
        one_rule({"any": []}),
        "rule 1 'r': when.any: list should have at least 1 item after validation, not 0 (got [])",
    ),
    (one_rule({}, {"queu": "q"}), "rule 1 'r': unknown action 'queu' in then (did you mean queue?)"),
    (
        one_rule({}, {"queue": "q", "bot": "b"}),
        "rule 1 'r': then needs exactly one destination (bot, queue, team, agent or callback) "
        "and has 2 (bot, queue); or mark the rule 'continue: true'",
    ),
    (
        one_rule({}, {"priority": 5}),
        "rule 1 'r': then needs exactly one destination (bot, queue, team, agent or callback) "
        "and has none; or mark the rule 'continue: true'",
    ),
    (
        one_rule({}, {"agent": "not-an-email"}),
        "rule 1 'r': then.agent: string should match pattern '^[^@\\s]+@[^@\\s]+$' (got 'not-an-email')",
    ),
    (
        one_rule({}, {"queue": "q", "priority": "5"}),
        "rule 1 'r': then.priority: input should be a valid integer (got '5')",
    ),
    (
        {"rules": [{"name": "r", "then": {"queue": "q"}, "continue": True}]},
        "rule 1 'r': a continue rule may carry only priority, skills and sticky, not queue",
    ),
    (
        {"rules": [{"name": "default", "then": {"queue": "q"}}]},
        "rule 1 'default': the name 'default' is reserved for 'no rule matched'",
    ),
    (
        {"settings": {"default_queu": "x"}},
        "unknown setting 'default_queu' in settings (did you mean default_queue?)",
    ),
    (
        {"settings": {"repeat_contact": {"contacts": 1}}},
        "settings.repeat_contact.contacts: input should be greater than or equal to 2 (got 1)",
    ),
]


@pytest.mark.parametrize(("document", "problem"), BAD_DOCUMENTS)
def test_each_kind_of_problem_is_named_with_its_rule_and_field(document: Any, problem: str) -> None:
    with pytest.raises(PolicyError) as raised:
        compile_policy(document)

    assert raised.value.problems == [problem]
    assert isinstance(raised.value, InvalidInput)
    assert raised.value.status_code == 422


def test_every_problem_is_reported_at_once() -> None:
    document = {
        "rules": [
            {"name": "vip", "when": {"tier": "vip"}, "then": {"queue": "priority"}},
            {"name": "деньги", "when": {"topic_tags": "financial"}, "then": {"queue": "billing"}},
            {"name": "деньги", "when": {"risk": "очень"}, "then": {"queue": "billing"}},
        ]
    }

    with pytest.raises(PolicyError) as raised:
        compile_policy(document)

    assert raised.value.problems == [
        "rule 1 'vip': unknown condition 'tier' in when (did you mean customer_tier?)",
        "rule 3 'деньги': when.risk: input should be 'low', 'medium' or 'high' (got 'очень')",
        "rule 3 'деньги': the name is already used by rule 2",
    ]
    assert raised.value.message == "; ".join(raised.value.problems)


# --- the default policy on the issue's scenarios ---

ORDER_STATUS = Facts(
    topic_code="orders.status", risk="low", complexity="simple", self_service=True, language="ru"
)


def test_the_default_policy_file_compiles_and_reads_as_documented() -> None:
    policy = default_policy()

    assert policy.default_queue == "general"
    assert (policy.repeat_window.contacts, policy.repeat_window.days) == (2, 7)
    assert policy.version == 0
    assert [rule.name for rule in policy.rules][:2] == ["repeat-contacts-first", "vip-to-priority-humans"]
    assert DEFAULT_POLICY_FILE.read_text(encoding="utf-8").count("#") >= 10  # commented for a manager


def test_default_vip_complaint_about_a_charge_goes_to_priority_humans() -> None:
    facts = Facts(
        **{
            **_fields(DOUBLE_CHARGE),
            "topic_tags": frozenset({"complaint", "financial"}),
            "customer_tier": "vip",
        }
    )

    decision = decide(default_policy(), facts)

    assert (decision.rule, decision.destination, decision.target, decision.priority) == (
        "vip-to-priority-humans",
        "queue",
        "priority",
        10,
    )
    assert decision.reasons == ("customer tier is vip",)


def test_default_where_is_my_order_from_a_standard_customer_goes_to_the_bot() -> None:
    decision = decide(default_policy(), ORDER_STATUS)

    assert (decision.rule, decision.destination, decision.target, decision.priority) == (
        "simple-low-risk-self-service",
        "bot",
        "self_service",
        0,
    )


@pytest.mark.parametrize(
    "change",
    [{"repeat_contact": True, "contacts_in_window": 2}, {"case_reopened": True, "repeat_contact": True}],
)
def test_default_repeat_contact_gets_priority_and_not_the_bot(change: dict[str, Any]) -> None:
    decision = decide(default_policy(), Facts(**{**_fields(ORDER_STATUS), **change}))

    assert (decision.destination, decision.target, decision.priority) == ("queue", "general", 5)
    assert decision.matched == ("repeat-contacts-first",)


def test_default_upset_customer_is_not_sent_to_the_bot() -> None:
    decision = decide(default_policy(), Facts(**{**_fields(ORDER_STATUS), "sentiment": "negative"}))

    assert (decision.destination, decision.target) == ("queue", "general")


@pytest.mark.parametrize(
    ("facts", "rule", "target"),
    [
        (
            Facts(topic_code="complaints.staff", topic_tags=frozenset({"complaint"}), risk="medium"),
            "complaints-to-humans",
            "complaints",
        ),
        (DOUBLE_CHARGE, "money-to-billing-humans", "billing"),
        (
            Facts(topic_code="account.delete_data", topic_tags=frozenset({"privacy"})),
            "privacy-and-high-risk-to-priority-humans",
            "priority",
        ),
        (
            Facts(topic_code="delivery.damaged", risk="high"),
            "privacy-and-high-risk-to-priority-humans",
            "priority",
        ),
        (Facts(channel_kind="webchat"), "unknown-topic-on-live-channel", "general"),
        (Facts(channel_kind="email"), "default", "general"),
        (
            Facts(topic_code="technical.app_crash", risk="medium", complexity="standard"),
            "technical-to-technical",
            "technical",
        ),
        (
            Facts(topic_code="billing.invoice", risk="low", complexity="standard"),
            "billing-to-billing",
            "billing",
        ),
        (Facts(topic_code="delivery.delay", risk="medium", complexity="standard"), "default", "general"),
    ],
)
def test_default_policy_routes_by_risk_tags_channel_and_topic(facts: Facts, rule: str, target: str) -> None:
    decision = decide(default_policy(), facts)

    assert (decision.rule, decision.target) == (rule, target)


def _fields(facts: Facts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in Facts.__dataclass_fields__}
