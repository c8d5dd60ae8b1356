"""The kiosk's components built from data: key-figure cards of units without stations, and the
bilingual screen (``?lang=both``) made of a Vietnamese and an English rendering."""

from __future__ import annotations

import json
from typing import Any

from dash import html

from domain.kpi import Kpi
from layouts.kiosk import bilingual, status_line, unit_title
from layouts.monitor import kpi_cards

NO_GAUGES = Kpi("gauges_above_alert", None, None, {})
NO_AQI = Kpi("aqi_max", None, None, {})


def _json(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False, default=lambda c: c.to_plotly_json())


def test_a_figure_of_a_unit_without_stations_says_there_is_no_station_not_no_data_yet() -> None:
    cards = _json(kpi_cards([NO_GAUGES, NO_AQI], "vi", {"gauges_above_alert": 0, "aqi_max": 0}))
    assert cards.count("Không có trạm đo") == 2 and "Chưa có số liệu" not in cards
    assert cards.count('"—"') == 2  # no figure, and no change against yesterday
    english = _json(kpi_cards([NO_GAUGES], "en", {"gauges_above_alert": 0}))
    assert "No station here" in english and "No data" not in english


def test_a_figure_whose_stations_have_not_reported_yet_says_no_data_yet() -> None:
    cards = _json(kpi_cards([NO_GAUGES, NO_AQI], "vi", {"gauges_above_alert": 2, "aqi_max": 1}))
    assert cards.count("Chưa có số liệu") == 2 and "Không có trạm đo" not in cards
    # Where the caller does not count stations (the main page), nothing changes.
    assert _json(kpi_cards([NO_GAUGES], "vi")).count("Chưa có số liệu") == 1


def test_both_languages_show_each_text_twice_vietnamese_first_and_names_and_figures_once() -> None:
    merged = bilingual(unit_title("Ninh Kiều", "Quận"), unit_title("Ninh Kiều", "Urban district"))
    name, kind = merged
    assert name.children == "Ninh Kiều"  # a name is the same in both
    vi, en = kind.children.children
    assert (vi.children, vi.lang, en.children, en.lang) == ("Quận", "vi", "Urban district", "en")
    assert kind.className == "kiosk-unit-type" and kind.children.className == "bi"
    # A figure differs only in how it is written: once, the Vietnamese way.
    assert bilingual(html.B("1.234,5 km²"), html.B("1,234.5 km²")).children == "1.234,5 km²"
    assert bilingual(html.B("12 %"), html.B("12 %")).children == "12 %"


def test_both_languages_merge_whole_rows_of_components() -> None:
    vi = status_line("Cập nhật lúc 10:00", "Số liệu lúc 09:00 01/12", True, "vi")
    en = status_line("Updated at 10:00", "Data at 09:00 01/12", True, "en")
    text = _json(bilingual(vi, en))
    for pair in (("Cập nhật lúc 10:00", "Updated at 10:00"), ("Dữ liệu minh họa", "Demo data")):
        assert text.index(pair[0]) < text.index(pair[1])
    # Parts that one language has and the other has not are both kept, not dropped.
    assert _json(bilingual([html.I("a")], [html.I("b"), html.I("c")])).count('"c"') == 1
