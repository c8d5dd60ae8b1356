"""The monitoring parts of the page as a user reads them: KPI cards, legends and the clustered
layers, built from data by the pure functions of layouts.monitor (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dash_leaflet as dl

from domain.kpi import Kpi
from geodata.monitoring import catalogue
from layouts.monitor import kpi_cards, legend, overlays
from layouts.printmap import legend_sections
from tests.components import of_class


def _infos(*themes: str) -> list:
    """The catalogue's map layers of these themes, as the legend and print are given them."""
    return [x.info for x in catalogue.in_themes(list(themes))]


ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _texts(node: Any) -> str:
    return json.dumps(node, default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def _change_texts(cards: list[Any]) -> list[str]:
    """The "… vs 24 h ago" line of every card."""
    return [node.children for node in of_class(cards, "kpi-change")]


# --- KPI cards ----------------------------------------------------------------------------------


def test_a_change_that_rounds_to_nothing_reads_unchanged_not_down_zero() -> None:
    cards = kpi_cards([Kpi("aqi_max", 80.3, 80.6, {"sensor": "Quan trắc Ninh Kiều"})], "vi")
    assert _change_texts(cards) == ["không đổi so với 24 giờ trước"]
    english = kpi_cards([Kpi("aqi_max", 80.3, 80.1, {"sensor": "Ninh Kiều"})], "en")
    assert _change_texts(english) == ["unchanged vs 24 h ago"]


def test_a_change_is_written_with_as_many_decimals_as_its_value() -> None:
    # The area under water is written to 2 decimals: a change of 0.3 km² is not "▲ 0".
    flooded = [Kpi("flooded_km2", 1.55, 1.25, {}), Kpi("flood_reports", 2, 1, {})]
    assert _change_texts(kpi_cards(flooded, "vi")) == ["▲ 0,30 so với 24 giờ trước"]
    still = [Kpi("flooded_km2", 1.551, 1.549, {}), Kpi("flood_reports", 2, 1, {})]
    assert _change_texts(kpi_cards(still, "vi")) == ["không đổi so với 24 giờ trước"]
    # A real change still shows its direction.
    worse = kpi_cards([Kpi("aqi_max", 91, 80, {"sensor": "Ninh Kiều"})], "vi")
    assert _change_texts(worse) == ["▲ 11 so với 24 giờ trước"]


def test_english_counts_one_gauge_and_several_gauges() -> None:
    one = _texts(kpi_cards([Kpi("gauges_above_alert", 0, 0, {"gauges": 1})], "en"))
    assert "of 1 gauge" in one and "of 1 gauges" not in one
    three = _texts(kpi_cards([Kpi("gauges_above_alert", 1, 0, {"gauges": 3})], "en"))
    assert "of 3 gauges" in three
    one_vi = _texts(kpi_cards([Kpi("gauges_above_alert", 0, 0, {"gauges": 1})], "vi"))
    assert "trên 1 trạm" in one_vi


# --- legends ------------------------------------------------------------------------------------


def test_the_aqi_colouring_says_why_a_unit_is_grey() -> None:
    # Wards mostly have no station: their grey is explained, not passed off as missing data.
    vi = _texts(legend([], "aqi_max", "vi"))
    assert "Không có trạm quan trắc không khí trong đơn vị" in vi
    assert "Chỉ tính các trạm nằm trong đơn vị" in vi
    en = _texts(legend([], "aqi_max", "en"))
    assert "No air-quality station in the unit" in en
    assert "No water-level gauge in the unit" in _texts(legend([], "gauges_above_alert", "en"))


def test_the_coverage_legend_names_the_service_on_screen() -> None:
    shown = _texts(legend(_infos("services"), "coverage", "vi", kind="hospital"))
    assert "Tô màu đơn vị theo: Độ phủ dịch vụ: Bệnh viện" in shown
    assert "Khu dân cư ngoài bán kính phục vụ (Bệnh viện)" in shown
    # Only the kind on the map is in its legend.
    assert "Trạm y tế" not in shown
    english = _texts(legend(_infos("services"), "coverage", "en", kind="primary_school"))
    assert "Service coverage: Primary school" in english


def _print_view(indicator: str, kind: str) -> Any:
    """The fields of a PrintView the legend reads."""
    return SimpleNamespace(indicator=indicator, layers=_infos("services"), facility_kind=kind)


def test_the_coverage_legend_names_the_service_in_print() -> None:
    sections = legend_sections(_print_view("coverage", "hospital"), "vi")
    titles = [s.title for s in sections]
    assert "Tô màu đơn vị theo: Độ phủ dịch vụ: Bệnh viện" in titles
    labels = [label for s in sections for label, _ in s.entries]
    assert "Khu dân cư ngoài bán kính phục vụ (Bệnh viện)" in labels
    aqi = legend_sections(_print_view("aqi_max", "hospital"), "en")
    assert "No air-quality station in the unit" in [lb for s in aqi for lb, _ in s.entries]


# --- clusters -----------------------------------------------------------------------------------


def _geojsons(node: Any) -> list[dl.GeoJSON]:
    if isinstance(node, dl.GeoJSON):
        return [node]
    children = getattr(node, "children", None)
    children = children if isinstance(children, list) else [children] if children else []
    return [g for child in children for g in _geojsons(child)]


def test_every_clustered_layer_draws_its_clusters_in_a_neutral_style() -> None:
    clustered = [
        g
        for o in overlays("vi", [x.info for x in catalogue.on_map()])
        for g in _geojsons(o)
        if getattr(g, "cluster", False)
    ]
    assert len(clustered) == 4  # flood reports, traffic points, facilities, citizens' reports
    assert all(g.clusterToLayer == {"variable": "canthoMap.clusterToLayer"} for g in clustered)
    assert "clusterToLayer: function" in (ASSETS / "map.js").read_text()
    assert ".cluster-bubble" in (ASSETS / "style.css").read_text()
