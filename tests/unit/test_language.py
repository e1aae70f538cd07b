"""Language detection by script: the three taxonomy languages, mixed text, and text with no letters."""

import pytest

from omniline.taxonomy.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my order 12345?", "en"),
        ("Где мой заказ 12345??", "ru"),
        ("Ёлка пришла сломанной", "ru"),
        ("我的快递怎么还没到", "zh"),
        ("订单12345 status?", "zh"),  # three Han characters outweigh six Latin letters
        ("мой order 55 не пришел", "ru"),
        ("my заказ is late again", "en"),
        ("café crème please", "en"),
        ("12345 !!! 😡", None),
        ("", None),
    ],
)
def test_detects_the_dominant_script(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_a_tie_goes_to_the_script_met_first() -> None:
    # given two Latin and two Cyrillic letters
    # when / then the first script seen decides
    assert detect_language("ab вг") == "en"
    assert detect_language("вг ab") == "ru"
