"""Topic rules: Russian word forms, Chinese substrings, English word boundaries, scores and ties."""

import pytest

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.rules import RuleHit, TopicRules, compile_rules, match_rules, russian_stem

ORDERS = TopicRules(
    "orders.status",
    {"en": ["where is my order"], "ru": ["заказ", "статус"], "zh": ["订单", "到哪了"]},
)
DELIVERY = TopicRules(
    "delivery.delay",
    {"en": ["late", "delivery"], "ru": ["доставка", "курьер"], "zh": ["快递", "还没到"]},
    patterns=[r"tracking\s+(?:has\s?n[o']t|not)\s+updated"],
)
REFUND = TopicRules("returns.refund_status", {"en": ["refund"], "ru": ["возврат денег"], "zh": ["退款"]})
RULES = compile_rules([ORDERS, DELIVERY, REFUND])


@pytest.mark.parametrize("text", ["Где мой заказ?", "статус заказа 123", "что с заказом", "ЗАКАЗЫ"])
def test_russian_keywords_match_word_forms(text: str) -> None:
    assert [hit.topic_code for hit in match_rules(RULES, text, "ru")] == ["orders.status"]


def test_russian_stems_cut_endings_but_keep_four_letters() -> None:
    assert russian_stem("доставка") == "доставк"
    assert russian_stem("заказ") == "заказ"
    assert russian_stem("курьер") == "курьер"
    assert russian_stem("сама") == "сама"  # "сам" would be too short to mean anything


def test_russian_phrases_match_every_word_form_and_yo_is_e() -> None:
    # given "возврат денег" as a keyword; when the text has other forms and ё
    hits = match_rules(RULES, "Где возврата денег? Ещё жду", "ru")
    # then it matches
    assert hits == [RuleHit("returns.refund_status", 1.0, ("возврат денег",))]
    assert match_rules(RULES, "Курьера нет, доставку перенесли", "ru") == [
        RuleHit("delivery.delay", 2.0, ("доставка", "курьер"))
    ]


def test_russian_keywords_match_only_at_word_start() -> None:
    assert match_rules(RULES, "перезаказать нельзя", "ru") == []


def test_chinese_keywords_match_as_substrings() -> None:
    hits = match_rules(RULES, "我的快递怎么还没到", "zh")
    assert hits == [RuleHit("delivery.delay", 2.0, ("快递", "还没到"))]


def test_english_keywords_match_whole_words_only() -> None:
    assert match_rules(RULES, "The parcel is LATE", "en") == [RuleHit("delivery.delay", 1.0, ("late",))]
    assert match_rules(RULES, "I will translate it", "en") == []
    assert match_rules(RULES, "I was refunded already", "en") == []


def test_a_pattern_scores_more_than_a_keyword_and_ranks_first() -> None:
    # given one orders keyword and the delivery pattern
    hits = match_rules(RULES, "Where is my order? tracking hasn't updated", "en")
    # then the pattern's topic leads with the pattern weight
    assert hits == [
        RuleHit("delivery.delay", 2.0, (r"tracking\s+(?:has\s?n[o']t|not)\s+updated",)),
        RuleHit("orders.status", 1.0, ("where is my order",)),
    ]


def test_ties_go_to_the_topic_listed_first() -> None:
    text = "订单 退款"
    assert [hit.topic_code for hit in match_rules(RULES, text, "zh")] == [
        "orders.status",
        "returns.refund_status",
    ]
    reversed_rules = compile_rules([REFUND, ORDERS])
    assert [hit.topic_code for hit in match_rules(reversed_rules, text, "zh")] == [
        "returns.refund_status",
        "orders.status",
    ]


def test_english_keywords_are_tried_in_every_language_but_not_others() -> None:
    # a Russian message with an English word; a Chinese keyword is not tried for "ru"
    assert [hit.topic_code for hit in match_rules(RULES, "нужен refund", "ru")] == ["returns.refund_status"]
    assert match_rules(RULES, "订单", "ru") == []
    assert [hit.topic_code for hit in match_rules(RULES, "订单", None)] == ["orders.status"]


def test_a_bad_pattern_is_refused_or_skipped() -> None:
    broken = TopicRules("billing.invoice", {"en": ["invoice"]}, patterns=["(unclosed"])
    with pytest.raises(InvalidInput, match=r"billing\.invoice: bad pattern"):
        compile_rules([broken])
    ruleset = compile_rules([broken], skip_invalid=True)
    assert match_rules(ruleset, "send the invoice", "en") == [RuleHit("billing.invoice", 1.0, ("invoice",))]


def test_rules_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(InvalidInput, match="keywords must map"):
        TopicRules.from_mapping("x.y", {"keywords": {"en": "invoice"}})
    with pytest.raises(InvalidInput, match="patterns must be"):
        TopicRules.from_mapping("x.y", {"patterns": "abc"})
    assert TopicRules.from_mapping("x.y", None) == TopicRules("x.y", {}, ())
