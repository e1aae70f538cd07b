"""Which of our languages a text is written in, by the scripts of its letters.

This runs on every inbound message, so it is a single pass over the characters with no model. It
only tells apart the three languages the taxonomy carries ("en", "ru", "zh"): Latin letters are taken
as English, Cyrillic as Russian, Han characters as Chinese. A Chinese sentence holds far fewer
characters than the same sentence in a Latin or Cyrillic script, so each Han character counts as
much as `HAN_WEIGHT` letters: "订单12345 status?" is still Chinese.
"""

import unicodedata

HAN_WEIGHT = 3

# Unicode blocks of the scripts we count; everything else (digits, emoji, punctuation) is ignored.
_HAN_RANGES = (
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # Extensions B… and compatibility supplement
)


def _is_han(code: int) -> bool:
    return any(low <= code <= high for low, high in _HAN_RANGES)


def detect_language(text: str) -> str | None:
    """ "zh", "ru" or "en" by the weighted majority of the text's letters, or None when it has no
    letters of those scripts (only digits, emoji, punctuation, or another script such as Arabic).
    Ties go to the script met first."""
    counts = {"en": 0, "ru": 0, "zh": 0}
    first: list[str] = []
    for char in text:
        code = ord(char)
        if code < 128:
            if char.isalpha():
                counts["en"] += 1
                script = "en"
            else:
                continue
        elif 0x0400 <= code <= 0x04FF:
            if not char.isalpha():
                continue
            counts["ru"] += 1
            script = "ru"
        elif _is_han(code):
            counts["zh"] += HAN_WEIGHT
            script = "zh"
        elif char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            counts["en"] += 1  # accented Latin letters (café, naïve)
            script = "en"
        else:
            continue
        if script not in first:
            first.append(script)
    best = max(counts.values())
    if best == 0:
        return None
    return next(script for script in first if counts[script] == best)
