"""Chart geometry for the wallboard (pure): plain numbers in, positions and labels out. The templates
draw the SVG from these dataclasses, so the server sends finished charts (no charting library, no CDN)
and these functions are tested without a database or a browser.

Coordinates are SVG user units in a viewBox of `width` × `height`; y grows downwards.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omniline.web.wallboard.thresholds import SERVICE_LEVEL_TARGET, level_tone

NAME_LENGTH = 18  # longer queue names are cut with "…" in the chart (the full name is in its <title>)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    slot: str  # "09:00"
    value: int


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float  # the plot area: x from left to right, y from top to bottom (the zero line)
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_labels: tuple[Tick, ...]
    series: tuple[str, ...]
    current: Tick | None  # the slot of "now", marked on the axis
    total: int


@dataclass(frozen=True)
class LevelBar:
    name: str
    short_name: str
    y: float
    width: float
    level: float | None
    tone: str
    label: str  # "85%" or "—"


@dataclass(frozen=True)
class LevelBars:
    width: int
    height: int
    bar_left: float
    bar_span: float
    bar_height: float
    value_x: float
    target_x: float
    target_label: str
    bars: tuple[LevelBar, ...]


def nice_scale(maximum: int, ticks: int = 4) -> tuple[int, int]:
    """(axis maximum, step) for counts up to `maximum`: a step of 1, 2 or 5 × 10ⁿ, at most `ticks`
    steps, the axis maximum a multiple of the step and ≥ `maximum`. Zero gives a 0..ticks axis."""
    if maximum <= 0:
        return ticks, 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(maximum / step), step


def stacked_hour_bars(
    hourly: Mapping[str, Sequence[int]],
    *,
    current_slot: int | None = None,
    width: int = 960,
    height: int = 220,
    label_every: int = 3,
) -> StackedBars:
    """Stacked bars of counts per hour slot (24 per series), one stack per slot, the series stacked in
    the order given from the bottom up. Zero segments are left out."""
    slots = max((len(values) for values in hourly.values()), default=24) or 24
    left, right, top, bottom = 34.0, width - 6.0, 8.0, height - 22.0
    totals = [sum(values[slot] for values in hourly.values() if slot < len(values)) for slot in range(slots)]
    axis_max, step = nice_scale(max(totals, default=0))
    slot_width = (right - left) / slots
    bar_width = round(slot_width * 0.72, 2)
    scale = (bottom - top) / axis_max
    bars: list[Bar] = []
    for slot in range(slots):
        base = bottom
        x = round(left + slot * slot_width + (slot_width - bar_width) / 2, 2)
        for series, values in hourly.items():
            value = values[slot] if slot < len(values) else 0
            if value <= 0:
                continue
            bar_height = round(value * scale, 2)
            base = round(base - bar_height, 2)
            bars.append(Bar(x, base, bar_width, bar_height, series, _slot_label(slot), value))
    y_ticks = tuple(
        Tick(round(bottom - value * scale, 2), str(value)) for value in range(0, axis_max + 1, step)
    )
    x_labels = tuple(
        Tick(round(left + (slot + 0.5) * slot_width, 2), _slot_label(slot))
        for slot in range(0, slots, label_every)
    )
    current = (
        Tick(round(left + (current_slot + 0.5) * slot_width, 2), _slot_label(current_slot))
        if current_slot is not None and 0 <= current_slot < slots
        else None
    )
    return StackedBars(
        width,
        height,
        left,
        top,
        right,
        bottom,
        tuple(bars),
        y_ticks,
        x_labels,
        tuple(hourly),
        current,
        sum(totals),
    )


def service_level_bars(
    levels: Sequence[tuple[str, float | None]],
    *,
    target: float = SERVICE_LEVEL_TARGET,
    width: int = 520,
    row_height: int = 26,
    label_width: int = 150,
    value_width: int = 52,
) -> LevelBars:
    """One horizontal bar per (name, level 0..1 or None) in the order given, a full bar being 100%,
    and the x of the target line. A level of None (nothing decided today) has no bar and reads "—"."""
    top = 20.0  # room for the target's label above the first row
    bar_left = float(label_width)
    bar_span = float(width - label_width - value_width)
    bar_height = round(row_height * 0.62, 2)
    bars = []
    for index, (name, level) in enumerate(levels):
        clamped = None if level is None else min(1.0, max(0.0, level))
        bars.append(
            LevelBar(
                name=name,
                short_name=name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…",
                y=round(top + index * row_height + (row_height - bar_height) / 2, 2),
                width=0.0 if clamped is None else round(clamped * bar_span, 2),
                level=level,
                tone=level_tone(level),
                label="—" if level is None else percent(level),
            )
        )
    return LevelBars(
        width=width,
        height=int(top + max(1, len(bars)) * row_height + 4),
        bar_left=bar_left,
        bar_span=bar_span,
        bar_height=bar_height,
        value_x=bar_left + bar_span + 6,
        target_x=round(bar_left + target * bar_span, 2),
        target_label=percent(target),
        bars=tuple(bars),
    )


def percent(level: float) -> str:
    """A share as a whole percentage, rounded down so 79.6% never shows as the 80% target met."""
    return f"{math.floor(level * 100 + 1e-9)}%"


def _slot_label(slot: int) -> str:
    return f"{slot:02d}:00"
