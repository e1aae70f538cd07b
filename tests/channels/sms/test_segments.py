"""SMS segment counting: GSM-7 160/153, UCS-2 70/67, escapes and surrogate pairs never split."""

import pytest

from omniline.channels.sms.segments import SegmentCount, count_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SegmentCount("GSM-7", 1, 0)),
        ("Your order ships tomorrow.", SegmentCount("GSM-7", 1, 26)),
        ("a" * 160, SegmentCount("GSM-7", 1, 160)),
        ("a" * 161, SegmentCount("GSM-7", 2, 161)),
        ("a" * 306, SegmentCount("GSM-7", 2, 306)),
        ("a" * 307, SegmentCount("GSM-7", 3, 307)),
        ("€" * 80, SegmentCount("GSM-7", 1, 160)),  # extension characters take two septets
        ("Price: 5€ [VAT incl.]", SegmentCount("GSM-7", 1, 24)),
        ("a" * 152 + "€" + "a" * 152, SegmentCount("GSM-7", 3, 306)),  # the € pair is not split
        ("ä ö ü ñ é", SegmentCount("GSM-7", 1, 9)),
        ("Привет", SegmentCount("UCS-2", 1, 6)),
        ("я" * 70, SegmentCount("UCS-2", 1, 70)),
        ("я" * 71, SegmentCount("UCS-2", 2, 71)),
        ("я" * 134, SegmentCount("UCS-2", 2, 134)),
        ("я" * 135, SegmentCount("UCS-2", 3, 135)),
        ("你好，我的退款什么时候到账？", SegmentCount("UCS-2", 1, 14)),
        ("a" * 159 + "ç", SegmentCount("UCS-2", 3, 160)),  # one non-GSM letter makes all UCS-2
        ("я" * 66 + "😀" + "я", SegmentCount("UCS-2", 1, 69)),
        ("я" * 66 + "😀" + "я" * 66, SegmentCount("UCS-2", 3, 134)),  # the emoji's pair moves whole
    ],
)
def test_count_segments(text: str, expected: SegmentCount) -> None:
    assert count_segments(text) == expected


def test_as_json() -> None:
    assert count_segments("Привет").as_json() == {"encoding": "UCS-2", "segments": 1, "units": 6}
