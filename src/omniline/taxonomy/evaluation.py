"""The honest figure on the generated set: what `omniline classify evaluate --generated` prints.

A model is trained on the training templates of the generated set (dataset.py, split by whole
templates, so no test text re-fills a skeleton the model saw), taught the demo taxonomy's topic names
and keywords besides (seed_phrases.py, as `train_tenant_model` does for a tenant). The held-out texts
are then classified three ways, all through `classifier.combine`, the very function `classify_text`
decides with, and with the same threshold: the demo taxonomy's rules with the model (what the product
runs), the model alone (no rule hits), and the rules alone (no model). The rules are the demo
taxonomy's keywords and patterns, compiled with rules.py in the order the product loads a tenant's,
and matched in the language `detect_language` gives, as on intake. Scores: scoring.py.
"""

from dataclasses import dataclass

from omniline.taxonomy.classifier import combine
from omniline.taxonomy.dataset import generate_examples, split_by_template
from omniline.taxonomy.language import detect_language
from omniline.taxonomy.model import train_topic_model
from omniline.taxonomy.rules import RuleSet, TopicRules, compile_rules, match_rules
from omniline.taxonomy.schemas import TopicRow, materialise, parse_taxonomy, parse_yaml
from omniline.taxonomy.scoring import EvaluationReport, score_predictions
from omniline.taxonomy.seed_phrases import phrases_for
from omniline.taxonomy.service import DEMO_TAXONOMY_PATH


@dataclass(frozen=True, slots=True)
class GeneratedEvaluation:
    combined: EvaluationReport  # rules and model, as classify_text decides
    model: EvaluationReport
    rules: EvaluationReport
    split: str  # how the examples were generated and split, in one sentence


def demo_topics() -> list[TopicRow]:
    """The demo taxonomy's topics, in the order `classify_text` loads a tenant's (position, code)."""
    rows = materialise(parse_taxonomy(parse_yaml(DEMO_TAXONOMY_PATH.read_bytes())))
    return sorted(rows, key=lambda row: (row.position, row.code))


def demo_ruleset(rows: list[TopicRow]) -> RuleSet:
    return compile_rules([TopicRules.from_mapping(row.code, row.rules) for row in rows])


def evaluate_generated(
    *, per_topic_per_language: int = 40, holdout: float = 0.25, seed: int = 7, min_confidence: float = 0.5
) -> GeneratedEvaluation:
    """The three reports of the module docstring on the generated set, split by template with `seed`
    (which also seeds the generation). Raises InvalidInput for a bad holdout or too few texts."""
    examples = generate_examples(per_topic_per_language=per_topic_per_language, seed=seed)
    train, test = split_by_template(examples, holdout, seed)
    topics = demo_topics()
    labels = [item.topic_code for item in train]
    phrases, phrase_labels = phrases_for(((row.code, row.names, row.rules) for row in topics), labels)
    model = train_topic_model([item.text for item in train] + phrases, labels + phrase_labels)
    ruleset = demo_ruleset(topics)
    texts = [item.text for item in test]
    # The language as intake detects it (transliterated Russian reads as English, as it would live).
    hits = [match_rules(ruleset, text, detect_language(text)) for text in texts]
    scores = [dict(ranked) for ranked in model.predict_many(texts)]
    decided = {
        "combined": [combine(h, s, min_confidence=min_confidence) for h, s in zip(hits, scores, strict=True)],
        "model": [combine([], s, min_confidence=min_confidence) for s in scores],
        "rules": [combine(h, {}, min_confidence=min_confidence) for h in hits],
    }
    truth = [item.topic_code for item in test]
    reports = {
        name: score_predictions(truth, [result.topic_code for result in results], train_samples=len(train))
        for name, results in decided.items()
    }
    templates = len({item.template_id for item in examples})
    held_out = len({item.template_id for item in test})
    split = (
        f"synthetic set: {per_topic_per_language} texts per topic and language from {templates} templates "
        f"(seed {seed}); held out {held_out} whole templates (~{holdout:.0%} per topic and language): "
        f"trained on {len(train)}, tested on {len(test)} texts"
    )
    return GeneratedEvaluation(reports["combined"], reports["model"], reports["rules"], split)
