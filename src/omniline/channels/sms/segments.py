"""How many SMS segments a text costs (pure), so agents and reports can see it; texts are never cut.

A text that fits the GSM 03.38 default alphabet travels as GSM-7: 160 septets in one segment, or 153
per segment once it has to be split (the concatenation header takes the rest); characters of the
extension table (€ [ ] { } … ) take two septets and never straddle two segments. Anything else (Cyrillic,
Chinese, emoji) makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 per segment when
split, and a surrogate pair (an emoji) is never split.
"""

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE_LIMIT = {"GSM-7": 160, "UCS-2": 70}
PART_LIMIT = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True, slots=True)
class SegmentCount:
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)

    def as_json(self) -> dict[str, object]:
        return {"encoding": self.encoding, "segments": self.segments, "units": self.units}


def count_segments(text: str) -> SegmentCount:
    """The encoding a text needs and how many segments it takes (an empty text still costs one)."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return _split("GSM-7", sizes)
    return _split("UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text])


def _split(encoding: Literal["GSM-7", "UCS-2"], sizes: list[int]) -> SegmentCount:
    units = sum(sizes)
    if units <= SINGLE_LIMIT[encoding]:
        return SegmentCount(encoding, 1, units)
    limit, segments, used = PART_LIMIT[encoding], 1, 0
    for size in sizes:  # an escape pair or a surrogate pair goes whole into the next segment
        if used + size > limit:
            segments, used = segments + 1, 0
        used += size
    return SegmentCount(encoding, segments, units)
