"""The wallboard's pure parts: chart geometry, thresholds and the tenant's business day."""

from datetime import UTC, datetime

import pytest

from omniline.web.wallboard.charts import (
    Bar,
    Tick,
    nice_scale,
    percent,
    service_level_bars,
    stacked_hour_bars,
)
from omniline.web.wallboard.day import business_day
from omniline.web.wallboard.thresholds import level_tone, worst


@pytest.mark.parametrize(
    ("maximum", "scale"),
    [
        (0, (4, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (4, (4, 1)),
        (7, (8, 2)),
        (9, (10, 5)),
        (23, (30, 10)),
        (180, (200, 50)),
    ],
)
def test_the_axis_is_rounded_up_to_a_nice_step(maximum: int, scale: tuple[int, int]) -> None:
    assert nice_scale(maximum) == scale


def test_stacked_bars_stack_each_hours_series_from_the_zero_line_up() -> None:
    hourly = {"email": [0] * 24, "webchat": [0] * 24}
    hourly["email"][9], hourly["webchat"][9], hourly["webchat"][10] = 1, 3, 2

    chart = stacked_hour_bars(hourly, current_slot=10, width=274, height=130)

    # plot: x 34..268 (24 slots of 9.75), y 8..108 (axis 0..4, 25 units per contact)
    assert (chart.left, chart.right, chart.top, chart.bottom) == (34.0, 268.0, 8.0, 108.0)
    assert chart.bars == (
        Bar(x=123.11, y=83.0, width=7.02, height=25.0, series="email", slot="09:00", value=1),
        Bar(x=123.11, y=8.0, width=7.02, height=75.0, series="webchat", slot="09:00", value=3),
        Bar(x=132.87, y=58.0, width=7.02, height=50.0, series="webchat", slot="10:00", value=2),
    )
    assert chart.y_ticks == (
        Tick(108.0, "0"),
        Tick(83.0, "1"),
        Tick(58.0, "2"),
        Tick(33.0, "3"),
        Tick(8.0, "4"),
    )
    assert [tick.label for tick in chart.x_labels] == [f"{hour:02d}:00" for hour in range(0, 24, 3)]
    assert chart.x_labels[0].position == 38.88
    assert chart.current == Tick(136.38, "10:00")
    assert chart.series == ("email", "webchat") and chart.total == 6


def test_an_empty_day_draws_no_bars_but_keeps_its_axis() -> None:
    chart = stacked_hour_bars({})

    assert chart.bars == () and chart.total == 0 and chart.current is None
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert len(chart.x_labels) == 8


def test_service_level_bars_scale_to_the_full_width_and_mark_the_target() -> None:
    chart = service_level_bars(
        [("general", 0.6), ("billing", 0.8), ("очень-длинная-очередь-жалоб", 1.0), ("new", None)],
        width=400,
        row_height=20,
        label_width=100,
        value_width=50,
    )

    assert (chart.bar_left, chart.bar_span, chart.bar_height) == (100.0, 250.0, 12.4)
    assert chart.target_x == 300.0 and chart.target_label == "80%"
    assert chart.height == 104  # 20 above the rows + 4 rows of 20 + 4
    assert [(bar.width, bar.tone, bar.label) for bar in chart.bars] == [
        (150.0, "warn", "60%"),
        (200.0, "ok", "80%"),
        (250.0, "ok", "100%"),
        (0.0, "none", "—"),
    ]
    assert [bar.y for bar in chart.bars] == [23.8, 43.8, 63.8, 83.8]
    assert (
        chart.bars[2].short_name == "очень-длинная-оче…"
        and chart.bars[2].name == "очень-длинная-очередь-жалоб"
    )


def test_a_share_is_shown_rounded_down_so_the_target_is_never_met_by_rounding() -> None:
    assert [percent(value) for value in (0.796, 0.8, 4 / 7, 1.0, 0.0)] == ["79%", "80%", "57%", "100%", "0%"]


@pytest.mark.parametrize(
    ("level", "tone"),
    [(None, "none"), (1.0, "ok"), (0.8, "ok"), (0.7999, "warn"), (0.6, "warn"), (0.5999, "bad")],
)
def test_service_level_tones(level: float | None, tone: str) -> None:
    assert level_tone(level) == tone


def test_the_worst_tone_wins() -> None:
    assert worst("ok", "bad", "warn") == "bad" and worst("none", "ok") == "ok" and worst() == "none"


def test_today_is_the_tenants_local_day() -> None:
    # 22:30 UTC on 1 March is already 2 March in Vladivostok (UTC+10)
    day = business_day(datetime(2026, 3, 1, 22, 30, tzinfo=UTC), "Asia/Vladivostok")

    assert day.local_date.isoformat() == "2026-03-02"
    assert day.start == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert day.end == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert len(day.hour_starts) == 25 and day.hour_starts[9] == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert day.contains(datetime(2026, 3, 1, 14, 0, tzinfo=UTC))
    assert not day.contains(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


def test_a_daylight_saving_day_keeps_24_wall_clock_slots() -> None:
    spring = business_day(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), "Europe/Berlin")  # 02:00 → 03:00
    autumn = business_day(datetime(2026, 10, 25, 12, 0, tzinfo=UTC), "Europe/Berlin")  # 03:00 → 02:00

    assert (spring.end - spring.start).total_seconds() == 23 * 3600
    assert spring.hour_starts[2] == spring.hour_starts[3]  # 02:00 never happened: an empty slot
    assert (autumn.end - autumn.start).total_seconds() == 25 * 3600
    assert (autumn.hour_starts[3] - autumn.hour_starts[2]).total_seconds() == 2 * 3600  # 02:00 twice
    for day in (spring, autumn):
        assert list(day.hour_starts) == sorted(day.hour_starts)
