"""The domain's small rules: simplification tolerances, bilingual names, the city's clock."""

from __future__ import annotations

import datetime as dt

from domain.clock import CITY_TZ
from domain.indicators import FLOOD_ALERT_LEVELS
from domain.names import localised
from domain.tolerance import frame_tolerance, tolerance_for


def test_a_tolerance_is_the_width_shown_divided_by_the_pixels_it_spans() -> None:
    bounds = (105.0, 9.9, 105.5, 10.3)
    assert tolerance_for(bounds) == 0.5 / 1200
    assert tolerance_for(bounds, 1600) == 0.5 / 1600


def test_a_frame_tolerance_follows_the_longer_side() -> None:
    tall = (105.0, 9.0, 105.1, 10.0)
    assert frame_tolerance(tall, 1000) == 1.0 / 1000
    assert tolerance_for(tall, 1000) < frame_tolerance(tall, 1000)


def test_names_follow_the_language_vietnamese_unless_english_is_asked() -> None:
    level = FLOOD_ALERT_LEVELS[1]
    assert localised(level, "vi") == "Báo động I"
    assert localised(level, "en") == "Alert level I"


def test_the_city_clock_is_seven_hours_ahead_of_utc() -> None:
    noon_utc = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert noon_utc.astimezone(CITY_TZ).hour == 19
