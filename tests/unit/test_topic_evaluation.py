"""How rules and model are combined (the one pure function the product and the evaluation share),
how abstentions are scored, the topic phrases the model is taught, and the honest generated figure."""

import pytest

from omniline.taxonomy.classifier import Classification, combine
from omniline.taxonomy.evaluation import demo_ruleset, demo_topics, evaluate_generated
from omniline.taxonomy.rules import RuleHit, match_rules
from omniline.taxonomy.scoring import score_predictions
from omniline.taxonomy.seed_phrases import phrases_for, topic_phrases


def hit(code: str, score: float) -> RuleHit:
    return RuleHit(code, score, ("term",))


def test_confident_rules_win_whatever_the_model_says() -> None:
    # given a margin of 2 (0.75 confidence) and a model sure of another topic
    result = combine(
        [hit("billing.double_charge", 3.0), hit("billing.unknown_charge", 1.0)],
        {"orders.status": 0.99},
        min_confidence=0.5,
    )
    assert result == Classification(
        "billing.double_charge",
        0.75,
        "rules",
        (("billing.double_charge", 0.75), ("billing.unknown_charge", 0.0)),
    )


def test_one_keyword_and_the_model_are_combined_as_independent_evidence() -> None:
    # 1 - (1 - 0.4) * (1 - 0.5) = 0.7 for the rule's topic, ahead of the model's best (0.45)
    scores = {"returns.request": 0.45, "returns.refund_status": 0.4, "orders.status": 0.15}
    result = combine([hit("returns.refund_status", 1.0)], scores, min_confidence=0.5)
    # the rule (0.5) said more than the model (0.4) for the winner, so the source is the rules
    assert result == Classification(
        "returns.refund_status",
        0.7,
        "rules",
        (("returns.refund_status", 0.7), ("returns.request", 0.45), ("orders.status", 0.15)),
    )
    # when the model was surer of the rule's topic than the rule, the source is the model
    surer = combine([hit("returns.refund_status", 1.0)], {"returns.refund_status": 0.6}, min_confidence=0.5)
    assert (surer.topic_code, surer.confidence, surer.source) == ("returns.refund_status", 0.8, "model")


def test_the_model_alone_abstains_below_the_threshold() -> None:
    scores = {"delivery.delay": 0.48, "orders.status": 0.42, "delivery.address": 0.1}
    assert combine([], scores, min_confidence=0.5) == Classification(
        None, 0.48, "none", (("delivery.delay", 0.48), ("orders.status", 0.42), ("delivery.address", 0.1))
    )
    assert combine([], scores, min_confidence=0.4).topic_code == "delivery.delay"


def test_nothing_known_gives_no_topic() -> None:
    assert combine([], {}, min_confidence=0.5) == Classification(None, 0.0, "none", ())
    # a tie between two rules is no evidence at all (margin 0)
    tie = combine([hit("complaints.service", 1.0), hit("complaints.staff", 1.0)], {}, min_confidence=0.5)
    assert tie == Classification(None, 0.0, "none", ())


def test_abstentions_are_misses_for_recall_and_reported() -> None:
    truth = ["orders.status", "orders.status", "account.password", "account.password"]
    predicted: list[str | None] = ["orders.status", None, "account.password", "orders.status"]
    report = score_predictions(truth, predicted, train_samples=10)
    by_code = {score.topic_code: score for score in report.topics}
    # orders.status: 1 of 2 found (the other abstained), 1 of 2 answers right
    assert (by_code["orders.status"].precision, by_code["orders.status"].recall) == (0.5, 0.5)
    # account.password: 1 of 2 found, its one answer right
    assert (by_code["account.password"].precision, by_code["account.password"].recall) == (1.0, 0.5)
    assert report.macro_f1 == round((0.5 + 0.6667) / 2, 4)
    assert (report.abstention_rate, report.train_samples, report.test_samples) == (0.25, 10, 4)


def test_topic_phrases_are_names_and_keywords_once_each() -> None:
    names = {"en": "Forgot password", "ru": "Пароль", "zh": "密码"}
    rules = {"keywords": {"ru": ["забыл пароль", "Пароль"], "zh": ["忘记密码"]}, "patterns": ["x"]}
    assert topic_phrases(names, rules) == ["Forgot password", "Пароль", "密码", "забыл пароль", "忘记密码"]
    assert topic_phrases(None, {"keywords": ["not", "a", "mapping"]}) == []
    texts, labels = phrases_for(
        [("account.password", names, rules), ("orders.status", {"zh": "订单"}, None)], ["account.password"]
    )
    assert len(texts) == 5 and set(labels) == {"account.password"}


def test_demo_rules_are_loaded_from_the_demo_taxonomy() -> None:
    ruleset = demo_ruleset(demo_topics())
    assert match_rules(ruleset, "где мой заказ 12345", "ru")[0].topic_code == "orders.status"
    assert match_rules(ruleset, "我要开发票", "zh")[0].topic_code == "billing.invoice"


def test_generated_evaluation_holds_out_templates_and_reports_three_figures() -> None:
    # when measured at full size on templates the model never saw (about half a minute)
    result = evaluate_generated(per_topic_per_language=40, holdout=0.25, seed=7)
    # then the split is described: 40 templates per topic and language, 10 of each held out
    assert result.split.startswith("synthetic set: 40 texts per topic and language from 2400 templates")
    assert "held out 600 whole templates" in result.split
    supports = {report.test_samples for report in (result.combined, result.model, result.rules)}
    assert supports == {sum(score.support for score in result.combined.topics)} == {600}
    # and the figures are those measured when this was written (seed 7: 0.852 combined, abstaining
    # on 11%): rules and model together beat either alone. The floor guards against a silent
    # regression; the 0.85 is a mean over seeds (see the dataset module's docstring).
    assert result.combined.macro_f1 >= 0.83
    assert result.combined.macro_f1 > result.model.macro_f1 > result.rules.macro_f1
    assert result.combined.abstention_rate < result.model.abstention_rate < result.rules.abstention_rate
    assert result.combined.macro_f1 == pytest.approx(
        sum(score.f1 for score in result.combined.topics) / 20, abs=1e-4
    )
