"""Train a tenant's topic model from its examples, measured on a held-out split first.

The held-out figures are what `omniline classify evaluate` prints and what is stored with the model
(`ClassifierModel.metrics`); the stored model itself is then refitted on every example, so nothing
the agents confirmed is wasted. Besides the examples the model is taught the names and keywords of
the topics it has examples of (seed_phrases.py), never held out nor counted as examples.

A tenant's examples carry no template, so this split is random (stratified by topic): when agents
confirm many near-identical messages the figure flatters the model. The generated set is measured
on whole held-out templates instead (evaluation.py).
"""

import math
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from sklearn.model_selection import train_test_split
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.kernel.errors import InvalidInput
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.taxonomy.classifier import forget_tenant_classifier
from omniline.taxonomy.model import NotEnoughExamples, check_training_set, dumps, train_topic_model
from omniline.taxonomy.models import ClassifierModel, Topic, TopicExample
from omniline.taxonomy.scoring import EvaluationReport, score_predictions
from omniline.taxonomy.seed_phrases import phrases_for

# A topic with fewer examples is left out of training (and named in the metrics): it cannot be split
# into a training and a held-out part and would only add noise.
MIN_EXAMPLES_PER_TOPIC = 3

Progress = Callable[[str], None]


def evaluate_examples(
    texts: Sequence[str],
    labels: Sequence[str],
    holdout: float = 0.2,
    seed: int = 7,
    phrases: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> EvaluationReport:
    """Train on a stratified split (plus the (texts, topic codes) `phrases`) and score the model's
    best topic on the `holdout` share of every topic's examples.

    Raises InvalidInput for a holdout outside (0, 1) and NotEnoughExamples when the examples cannot
    be split so that every topic is both trained on and tested."""
    if not 0 < holdout < 1:
        raise InvalidInput("holdout must be between 0 and 1, e.g. 0.2")
    check_training_set(texts, labels)
    counts = Counter(labels)
    topics = sorted(counts)
    test_size = math.ceil(holdout * len(texts))
    thin = sorted(code for code, count in counts.items() if count < 2)
    if thin or test_size < len(topics) or len(texts) - test_size < len(topics):
        raise NotEnoughExamples(
            f"too few examples to hold out {holdout:.0%} of every topic: {len(texts)} examples of "
            f"{len(topics)} topics" + (f" (only one example of {', '.join(thin)})" if thin else "")
        )
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        list(texts), list(labels), test_size=test_size, stratify=list(labels), random_state=seed
    )
    model = train_topic_model([*train_texts, *phrases[0]], [*train_labels, *phrases[1]])
    predicted = [ranked[0][0] for ranked in model.predict_many(test_texts, top=1)]
    return score_predictions(test_labels, predicted, train_samples=len(train_texts))


def load_examples(session: Session, tenant_id: uuid.UUID) -> tuple[list[str], list[str]]:
    """The tenant's example texts and topic codes, of active topics only, oldest first."""
    rows = session.execute(
        select(TopicExample.text, Topic.code)
        .join(Topic, Topic.id == TopicExample.topic_id)
        .where(TopicExample.tenant_id == tenant_id, Topic.is_active.is_(True))
        .order_by(TopicExample.created_at, TopicExample.id)
    ).all()
    return [text for text, _ in rows], [code for _, code in rows]


def load_phrases(session: Session, tenant_id: uuid.UUID, codes: Sequence[str]) -> tuple[list[str], list[str]]:
    """The names and keywords of the tenant's active topics among `codes`, as (texts, topic codes)."""
    rows = session.execute(
        select(Topic.code, Topic.names, Topic.rules)
        .where(Topic.tenant_id == tenant_id, Topic.is_active.is_(True))
        .order_by(Topic.position, Topic.code)
    ).all()
    return phrases_for(((code, names, rules) for code, names, rules in rows), codes)


def usable_examples(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str], dict[str, int]]:
    """The examples of topics with at least MIN_EXAMPLES_PER_TOPIC, and {code: count} of the others."""
    counts = Counter(labels)
    skipped = {code: n for code, n in sorted(counts.items()) if n < MIN_EXAMPLES_PER_TOPIC}
    kept = [(text, label) for text, label in zip(texts, labels, strict=True) if label not in skipped]
    return [text for text, _ in kept], [label for _, label in kept], skipped


def train_tenant_model(
    session: Session,
    tenant_id: uuid.UUID,
    *,
    now: datetime,
    holdout: float = 0.2,
    seed: int = 7,
    actor: str = "system",
    progress: Progress | None = None,
) -> ClassifierModel:
    """Evaluate on a held-out split, refit on all examples, and store the model (the tenant's newest,
    so the classifier uses it from the next message on), with an audit row.

    Raises NotEnoughExamples (nothing stored) when the examples do not allow it. Flushes, never commits.
    """
    say = progress or (lambda _: None)
    say("loading examples")
    kept_texts, kept_labels, skipped = usable_examples(*load_examples(session, tenant_id))
    try:
        check_training_set(kept_texts, kept_labels)
    except NotEnoughExamples as error:
        if not skipped:
            raise
        thin = ", ".join(f"{code} ({count})" for code, count in skipped.items())
        raise NotEnoughExamples(
            f"{error.message}; topics with fewer than {MIN_EXAMPLES_PER_TOPIC} examples are left out: {thin}"
        ) from None
    phrases = load_phrases(session, tenant_id, kept_labels)
    say(f"evaluating on {holdout:.0%} held out of {len(kept_texts)} examples")
    report = evaluate_examples(kept_texts, kept_labels, holdout, seed, phrases)
    say(f"training on all {len(kept_texts)} examples")
    model = train_topic_model([*kept_texts, *phrases[0]], [*kept_labels, *phrases[1]])
    metrics = {
        **report.as_metrics(),
        "holdout": holdout,
        "seed": seed,
        "samples_per_topic": dict(sorted(Counter(kept_labels).items())),
        "skipped_topics": skipped,
        "topic_phrases": len(phrases[0]),
    }
    stored = ClassifierModel(
        id=new_id(),
        tenant_id=tenant_id,
        blob=dumps(model),
        topic_codes=list(model.topic_codes),
        samples=len(kept_texts),
        metrics=metrics,
        created_at=now,
    )
    session.add(stored)
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="classifier.trained",
        subject_type="classifier_model",
        subject_id=stored.id,
        data={"samples": len(kept_texts), "topics": len(model.topic_codes), "macro_f1": report.macro_f1},
    )
    session.flush()
    forget_tenant_classifier(tenant_id)
    say("stored")
    return stored
