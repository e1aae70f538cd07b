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
`ClassifierModel.blob` and back: a NumPy archive of plain arrays (the n-grams, their IDF weights, the
coefficients, the intercepts, the topic codes), read with `allow_pickle=False`. Nothing in it can run
code when it is loaded, whoever wrote the row (the first format was a pickle; migration 0008
converts those).
"""

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.rules import normalise

MIN_TOPICS = 2
MIN_EXAMPLES = 10
_FORMAT = "omniline.topic-model/2"
_ARRAYS = ("format", "terms", "idf", "coef", "intercept", "classes")


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
    vectorizer = _vectorizer()
    features = vectorizer.fit_transform([normalise(text) for text in texts])
    # C far above 1: n-gram features are many and weak, so little regularisation gives sharp enough
    # probabilities to clear the classifier's threshold. 1000 was chosen on the generated set by
    # validation on training templates only (held-out templates never seen): 20 left two thirds of
    # new phrasings below 0.5, 1000 to 3000 scored best. "balanced" keeps a rare topic from being
    # drowned by a frequent one.
    classifier = LogisticRegression(C=1000.0, max_iter=3000, class_weight="balanced")
    classifier.fit(features, list(labels))
    return TopicModel(vectorizer, classifier)


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    """The vectorizer a model is trained with, or (with its `vocabulary`) restored with."""
    # Texts are normalised before it and in predict alike (casefold, ё as е), so it need not.
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 5),
        sublinear_tf=True,
        min_df=2,
        lowercase=False,
        vocabulary=vocabulary,
    )


def dumps(model: TopicModel) -> bytes:
    vocabulary: dict[str, int] = model.vectorizer.vocabulary_
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        format=np.array(_FORMAT),
        terms=np.array(terms, dtype=str),
        idf=model.vectorizer.idf_,
        coef=model.classifier.coef_,
        intercept=model.classifier.intercept_,
        classes=np.array([str(code) for code in model.classifier.classes_], dtype=str),
    )
    return buffer.getvalue()


def loads(blob: bytes) -> TopicModel:
    """The model `dumps` wrote; InvalidInput for bytes in another format. Only plain arrays are
    read (no pickle)."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            if set(archive.files) != set(_ARRAYS) or str(archive["format"]) != _FORMAT:
                raise InvalidInput("not a stored topic model (unknown format)")
            arrays: dict[str, Any] = {name: archive[name] for name in _ARRAYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidInput(f"not a stored topic model: {error}") from None
    terms, classes = arrays["terms"], arrays["classes"]
    coef, intercept, idf = arrays["coef"], arrays["intercept"], arrays["idf"]
    rows = 1 if len(classes) == 2 else len(classes)  # two topics: one row of coefficients
    if idf.shape != terms.shape or coef.shape != (rows, len(terms)) or intercept.shape != (rows,):
        raise InvalidInput("not a stored topic model (its arrays do not fit together)")
    vectorizer = _vectorizer({str(term): index for index, term in enumerate(terms)})
    vectorizer.idf_ = idf
    classifier = LogisticRegression()
    classifier.classes_ = classes
    classifier.coef_ = coef
    classifier.intercept_ = intercept
    return TopicModel(vectorizer, classifier)
