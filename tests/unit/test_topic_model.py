"""The learned topic model: train, predict in three languages, round-trip through bytes, refuse too few."""

import io
import pickle
from pathlib import Path

import numpy as np
import pytest

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.dataset import generate_examples
from omniline.taxonomy.model import NotEnoughExamples, TopicModel, dumps, loads, train_topic_model

TOPICS = ("orders.status", "billing.double_charge", "account.password", "technical.app_crash")


@pytest.fixture(scope="module")
def model() -> TopicModel:
    examples = [item for item in generate_examples(12, seed=3) if item.topic_code in TOPICS]
    return train_topic_model([item.text for item in examples], [item.topic_code for item in examples])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("где мой заказ 777??", "orders.status"),
        ("с карты списали деньги два раза", "billing.double_charge"),
        ("я забыл пароль", "account.password"),
        ("you charged me twice for order #5512", "billing.double_charge"),
        ("我的订单到哪了", "orders.status"),
        ("APP打开就闪退", "technical.app_crash"),
    ],
)
def test_predicts_the_topic_best_first_in_every_language(model: TopicModel, text: str, expected: str) -> None:
    ranked = model.predict(text)
    assert ranked[0][0] == expected
    assert [code for code, _ in ranked] == sorted(
        (code for code, _ in ranked), key=lambda code: -dict(ranked)[code]
    )
    assert sorted(code for code, _ in ranked) == sorted(TOPICS)
    assert sum(probability for _, probability in ranked) == pytest.approx(1.0)


def test_top_limits_the_answer(model: TopicModel) -> None:
    assert len(model.predict("забыла пароль", top=2)) == 2


def test_probabilities_match_scikit_learn(model: TopicModel) -> None:
    # given our fast softmax; then it equals predict_proba on the same features
    from omniline.taxonomy.rules import normalise

    text = "Где мой ЗАКАЗ?"
    expected = model.classifier.predict_proba(model.vectorizer.transform([normalise(text)]))[0]
    ours = dict(model.predict(text))
    for code, probability in zip(model.classifier.classes_, expected, strict=True):
        assert ours[code] == pytest.approx(float(probability))


def test_dumps_and_loads_give_the_same_predictions(model: TopicModel) -> None:
    restored = loads(dumps(model))
    assert restored.topic_codes == model.topic_codes
    assert restored.predict("我忘记密码了") == model.predict("我忘记密码了")


def test_loads_refuses_other_bytes() -> None:
    with pytest.raises(InvalidInput, match="not a stored topic model"):
        loads(b"not a model")


class _Planted:
    """Unpickling this writes a file: the proof that a loader ran a pickle."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))  # unpickling opens (creates) the file


def test_loads_never_unpickles_what_it_is_given(model: TopicModel, tmp_path: Path) -> None:
    planted = tmp_path / "planted.txt"
    as_pickle = pickle.dumps(_Planted(planted))
    with np.load(io.BytesIO(dumps(model)), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["terms"] = np.array([_Planted(planted)], dtype=object)  # saved as a pickle inside
    in_an_archive = io.BytesIO()
    np.savez(in_an_archive, **arrays)
    for blob in (as_pickle, in_an_archive.getvalue()):
        with pytest.raises(InvalidInput, match="not a stored topic model"):
            loads(blob)
    assert not planted.exists()


def test_loads_refuses_arrays_that_do_not_fit_together(model: TopicModel) -> None:
    with np.load(io.BytesIO(dumps(model)), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["coef"] = arrays["coef"][:, :-1]  # one n-gram short
    broken = io.BytesIO()
    np.savez(broken, **arrays)
    with pytest.raises(InvalidInput, match="do not fit together"):
        loads(broken.getvalue())


def test_two_topics_work() -> None:
    texts = ["где мой заказ"] * 5 + ["забыл пароль"] * 5
    labels = ["orders.status"] * 5 + ["account.password"] * 5
    binary = train_topic_model(texts, labels)
    assert binary.predict("мой заказ где")[0][0] == "orders.status"
    assert sum(p for _, p in binary.predict("пароль")) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("texts", "labels"),
    [
        (["a"] * 20, ["orders.status"] * 20),  # one topic
        (["a", "b", "c"], ["orders.status", "account.password", "orders.status"]),  # three examples
    ],
)
def test_too_few_examples_are_refused_clearly(texts: list[str], labels: list[str]) -> None:
    with pytest.raises(NotEnoughExamples, match="too few examples to train a topic model"):
        train_topic_model(texts, labels)
