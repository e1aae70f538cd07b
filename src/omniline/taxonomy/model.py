"""The learned topic model: character n-gram TF-IDF and a logistic regression (scikit-learn).

Character n-grams within word boundaries (1 to 5 characters, each seen in at least two texts) need
no tokenizer and no stemmer, so Russian word forms share most of their n-grams ("заказ", "заказа",
"заказом") and Chinese, written without spaces, is cut into single characters and overlapping runs
of up to five. A multinomial logistic regression gives a probability per topic, which the classifier
compares with its threshold. On the generated set, validated on training templates only
(dataset.py), 2 to 4 characters without the minimum scored about 0.025 macro-F1 lower (rules and
model combined). Word n-grams added to the characters, and a calibrated linear SVM, scored 0.07 and
0.06 lower in a first comparison (the calibrated SVM left far more texts below the threshold).

Pure apart from the CPU: no database, no clock. `dumps`/`loads` turn a model into the bytes stored in
`ClassifierModel.blob` and back; the bytes are a joblib (pickle) stream, so only blobs this code
wrote may ever be loaded.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.rules import normalise

MIN_TOPICS = 2
MIN_EXAMPLES = 10
_FORMAT = "omniline.topic-model/1"


class NotEnoughExamples(InvalidInput):
    code = "not_enough_examples"


@dataclass(frozen=True, slots=True, eq=False)
class TopicModel:
    vectorizer: TfidfVectorizer
    classifier: LogisticRegression

    @property
    def topic_codes(self) -> tuple[str, ...]:
        return tuple(str(code) for code in self.classifier.classes_)

    def predict(self, text: str, *, top: int | None = None) -> list[tuple[str, float]]:
        """(topic code, probability) for every topic the model knows (or the `top` best), best first;
        equal probabilities in code order."""
        return self.predict_many([text], top=top)[0]

    def predict_many(self, texts: Sequence[str], *, top: int | None = None) -> list[list[tuple[str, float]]]:
        """`predict` for many texts at once (one matrix product instead of one per text)."""
        features = self.vectorizer.transform([normalise(text) for text in texts])
        # The softmax of the decision function, computed here rather than by predict_proba: the same
        # numbers without scikit-learn's per-call input validation, which costs more than the product.
        scores = np.asarray(features @ self.classifier.coef_.T) + self.classifier.intercept_
        if scores.shape[1] == 1:  # two topics: scikit-learn keeps one column for the second class
            scores = np.hstack([-scores / 2, scores / 2])
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        codes = self.topic_codes
        results = []
        for row in probabilities:
            order = np.lexsort((np.arange(len(row)), -row))[:top]
            results.append([(codes[index], float(row[index])) for index in order])
        return results


def check_training_set(texts: Sequence[str], labels: Sequence[str]) -> None:
    """Raises NotEnoughExamples (a clear sentence for people) unless a model can be trained."""
    if len(texts) != len(labels):
        raise InvalidInput("texts and labels differ in length")
    topics = set(labels)
    if len(topics) < MIN_TOPICS or len(texts) < MIN_EXAMPLES:
        raise NotEnoughExamples(
            f"too few examples to train a topic model: {len(texts)} examples of {len(topics)} topics; "
            f"at least {MIN_EXAMPLES} examples of at least {MIN_TOPICS} topics are needed "
            "(agents add examples by confirming topics at wrap-up)"
        )


def train_topic_model(texts: Sequence[str], labels: Sequence[str]) -> TopicModel:
    """A model fitted on all of `texts` with their topic codes; NotEnoughExamples when too few."""
    check_training_set(texts, labels)
    # Single characters matter for Chinese (退, 扣, 登 carry a topic on their own) and 5-grams for
    # Russian stems; an n-gram seen in one text only (an order number, an e-mail) is dropped.
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2, lowercase=False
    )
    # Texts are normalised here and in predict alike (casefold, ё as е), so the vectorizer need not.
    features = vectorizer.fit_transform([normalise(text) for text in texts])
    # C far above 1: n-gram features are many and weak, so little regularisation gives sharp enough
    # probabilities to clear the classifier's threshold. 1000 was chosen on the generated set by
    # validation on training templates only (held-out templates never seen): 20 left two thirds of
    # new phrasings below 0.5, 1000 to 3000 scored best. "balanced" keeps a rare topic from being
    # drowned by a frequent one.
    classifier = LogisticRegression(C=1000.0, max_iter=3000, class_weight="balanced")
    classifier.fit(features, list(labels))
    return TopicModel(vectorizer, classifier)


def dumps(model: TopicModel) -> bytes:
    buffer = io.BytesIO()
    joblib.dump({"format": _FORMAT, "vectorizer": model.vectorizer, "classifier": model.classifier}, buffer)
    return buffer.getvalue()


def loads(blob: bytes) -> TopicModel:
    """The model `dumps` wrote; InvalidInput for bytes in another format."""
    try:
        content: Any = joblib.load(io.BytesIO(blob))
    except Exception as error:  # joblib raises anything from EOFError to UnpicklingError
        raise InvalidInput(f"not a stored topic model: {error}") from None
    if not isinstance(content, dict) or content.get("format") != _FORMAT:
        raise InvalidInput("not a stored topic model (unknown format)")
    return TopicModel(content["vectorizer"], content["classifier"])
