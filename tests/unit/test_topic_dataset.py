"""The generated set: varied templates with ids in three languages, and a split by whole templates."""

import re
from collections import Counter

import pytest

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy import dataset_en, dataset_ru, dataset_zh
from omniline.taxonomy.dataset import (
    LANGUAGES,
    TOPIC_CODES,
    LabelledText,
    generate_examples,
    split_by_template,
)

BOOKS = {"en": dataset_en.PHRASEBOOK, "ru": dataset_ru.PHRASEBOOK, "zh": dataset_zh.PHRASEBOOK}


def test_every_topic_has_forty_distinct_templates_in_every_language() -> None:
    assert len(TOPIC_CODES) == 20
    for language, book in BOOKS.items():
        assert set(book.templates) == set(TOPIC_CODES), language
        for code, templates in book.templates.items():
            # forty: `omniline classify evaluate --generated` makes 40 texts per group, one per template
            assert len(set(templates)) == len(templates) == 40, (language, code)


def test_no_template_is_shared_between_topics() -> None:
    for book in BOOKS.values():
        owners = Counter(template for templates in book.templates.values() for template in templates)
        assert [template for template, count in owners.items() if count > 1] == []


def test_generation_is_reproducible_and_labels_every_text_with_its_template() -> None:
    # given the demo loader's arguments; when generated twice
    first = generate_examples(per_topic_per_language=15, seed=7)
    # then the same list, 15 texts per topic and language, each with the id of its template
    assert first == generate_examples(per_topic_per_language=15, seed=7)
    assert len(first) == 20 * 3 * 15
    assert Counter((item.topic_code, item.language) for item in first) == {
        (code, language): 15 for code in TOPIC_CODES for language in LANGUAGES
    }
    for item in first:
        assert re.fullmatch(rf"{re.escape(item.topic_code)}/{item.language}/\d\d", item.template_id)
    # and the templates are used in turn: the first 12 texts of a group come from 12 templates
    group = [
        item.template_id for item in first if (item.topic_code, item.language) == ("orders.status", "ru")
    ]
    assert group[:3] == ["orders.status/ru/00", "orders.status/ru/01", "orders.status/ru/02"]
    assert len(set(group[:12])) == 12
    assert generate_examples(per_topic_per_language=15, seed=8) != first


def test_texts_are_written_in_their_language() -> None:
    examples = generate_examples(per_topic_per_language=14, seed=3)
    chinese = [item.text for item in examples if item.language == "zh"]
    russian = [item.text for item in examples if item.language == "ru"]
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in chinese)
    assert not any(re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text) for text in chinese)  # no spaces
    # Russian is mostly Cyrillic, with a transliterated template per topic as customers write it
    latin_only = [text for text in russian if not re.search(r"[а-яё]", text, re.IGNORECASE)]
    assert 0 < len(latin_only) < len(russian) // 5
    assert any("кофемашину" in text for text in russian)  # the accusative a template asks for


def test_split_holds_out_whole_templates_per_topic_and_language() -> None:
    examples = generate_examples(per_topic_per_language=40, seed=7)
    # when split with a quarter held out
    train, test = split_by_template(examples, holdout=0.25, seed=7)
    # then no template is on both sides and every text is on one
    train_ids = {item.template_id for item in train}
    test_ids = {item.template_id for item in test}
    assert train_ids.isdisjoint(test_ids)
    assert len(train) + len(test) == len(examples)
    # and each topic and language holds out round(25%) of its templates (40 → 10)
    for code in TOPIC_CODES:
        for language in LANGUAGES:
            count = len(BOOKS[language].templates[code])
            held = {tid for tid in test_ids if tid.startswith(f"{code}/{language}/")}
            assert len(held) == round(0.25 * count), (code, language)


def test_the_seed_changes_the_split_and_the_same_seed_repeats_it() -> None:
    examples = generate_examples(per_topic_per_language=13, seed=7)
    held_7 = {item.template_id for item in split_by_template(examples, 0.25, seed=7)[1]}
    assert held_7 == {item.template_id for item in split_by_template(examples, 0.25, seed=7)[1]}
    assert held_7 != {item.template_id for item in split_by_template(examples, 0.25, seed=8)[1]}


@pytest.mark.parametrize("holdout", [0.0, 1.0, -0.1])
def test_split_refuses_a_holdout_outside_zero_and_one(holdout: float) -> None:
    with pytest.raises(InvalidInput, match="holdout must be between 0 and 1"):
        split_by_template(generate_examples(2, seed=1), holdout)


def test_split_refuses_a_group_with_one_template() -> None:
    examples = [
        LabelledText("где мой заказ", "orders.status", "ru", "orders.status/ru/00"),
        LabelledText("我的订单呢", "orders.status", "zh", "orders.status/zh/00"),
        LabelledText("订单到哪了", "orders.status", "zh", "orders.status/zh/01"),
    ]
    with pytest.raises(InvalidInput, match=r"orders\.status in ru has 1 template"):
        split_by_template(examples)
