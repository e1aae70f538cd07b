"""Sentiment and urgency rules in English, Russian and Chinese."""

import pytest

from omniline.taxonomy.signals import Signals, assess_signals


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Where is my order?", "en", Signals("neutral", "normal", ())),
        ("This is unacceptable, I will go to the regulator", "en",
         Signals("negative", "high", ("negative:unacceptable", "threat:regulator"))),
        ("WHERE IS MY ORDER", "en", Signals("negative", "normal", ("shouting:capitals",))),
        ("Thank you, great help", "en",
         Signals("positive", "normal", ("positive:thank you", "positive:great"))),
        ("Срочно верните деньги!!!", "ru", Signals("negative", "high", ("shouting:!!!", "urgent:срочно"))),
        ("Это безобразие, напишу в Роспотребнадзор", "ru",
         Signals("negative", "high", ("negative:безобразие", "threat:роспотребнадзор"))),
        ("Немедленно перезвоните", "ru", Signals("neutral", "high", ("urgent:немедленно",))),
        ("Спасибо большое, отлично", "ru",
         Signals("positive", "normal", ("positive:спасибо", "positive:отлично"))),
        ("快递太慢了，我要去消协投诉", "zh", Signals("negative", "high", ("threat:消协",))),
        ("马上给我退款", "zh", Signals("neutral", "high", ("urgent:马上",))),
        ("服务态度差，太失望了！！！", "zh",
         Signals("negative", "normal", ("negative:失望", "negative:态度差", "shouting:!!!"))),
        ("谢谢，很满意", "zh", Signals("positive", "normal", ("positive:谢谢", "positive:满意"))),
    ],
)  # fmt: skip
def test_signals(text: str, language: str, expected: Signals) -> None:
    assert assess_signals(text, language) == expected


def test_a_complaint_as_such_is_not_a_threat() -> None:
    assert assess_signals("Хочу оставить жалобу на курьера", "ru") == Signals("neutral", "normal", ())
    assert assess_signals("我要投诉快递员", "zh") == Signals("neutral", "normal", ())


def test_russian_words_match_their_forms() -> None:
    assert assess_signals("Какой ужасный сервис", "ru").reasons == ("negative:ужасно",)
    assert assess_signals("Я очень недовольна", "ru").reasons == ("negative:недовольна",)
    assert assess_signals("Я недоволен", "ru").reasons == ("negative:недоволен",)


def test_one_or_two_capitalised_words_are_not_shouting() -> None:
    assert assess_signals("My ATM PIN does not work", "en") == Signals("neutral", "normal", ())


def test_without_a_language_every_list_is_tried() -> None:
    assert assess_signals("紧急 urgent срочно", None).reasons == (
        "urgent:urgent",
        "urgent:срочно",
        "urgent:紧急",
    )
