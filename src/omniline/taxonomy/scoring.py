"""Scoring a topic classifier on held-out texts: per-topic precision, recall and F1, macro-F1, and
the share of abstentions.

An abstention (no topic: the best confidence was below the threshold) is a miss: it lowers the recall
of the message's topic and no topic's precision. Macro-F1 is the mean of the topics' F1, so every
topic weighs the same however many texts it has.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import precision_recall_fscore_support

_ABSTAINED = ""  # the label of "no topic" in scoring: never a topic code, so never scored as one


@dataclass(frozen=True, slots=True)
class TopicScore:
    topic_code: str
    precision: float
    recall: float
    f1: float
    support: int  # held-out examples of the topic


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    topics: tuple[TopicScore, ...]  # by topic code
    macro_f1: float
    train_samples: int
    test_samples: int
    abstention_rate: float = 0.0  # share of held-out examples given no topic

    def as_metrics(self) -> dict[str, Any]:
        """The report as JSON-ready values for `ClassifierModel.metrics`."""
        return {
            "macro_f1": self.macro_f1,
            "abstention_rate": self.abstention_rate,
            "train_samples": self.train_samples,
            "test_samples": self.test_samples,
            "per_topic": {
                score.topic_code: {
                    "precision": score.precision,
                    "recall": score.recall,
                    "f1": score.f1,
                    "support": score.support,
                }
                for score in self.topics
            },
        }


def score_predictions(
    truth: Sequence[str], predicted: Sequence[str | None], *, train_samples: int
) -> EvaluationReport:
    """Per-topic scores of `predicted` (None: abstained) against `truth`, over the topics of `truth`."""
    topics = sorted(set(truth))
    answers = [_ABSTAINED if code is None else code for code in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        list(truth), answers, labels=topics, zero_division=0
    )
    scores = tuple(
        TopicScore(code, round(float(p), 4), round(float(r), 4), round(float(f), 4), int(s))
        for code, p, r, f, s in zip(topics, precision, recall, f1, support, strict=True)
    )
    macro = round(sum(score.f1 for score in scores) / len(scores), 4) if scores else 0.0
    abstained = round(answers.count(_ABSTAINED) / len(answers), 4) if answers else 0.0
    return EvaluationReport(scores, macro, train_samples, len(truth), abstained)
