"""Stations on the map in a real headless Chromium: they lie above the units on every load, so a
click on one opens its popup and chart instead of drilling into the district underneath."""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By

from tests.servers import free_port
from tests.test_app_browser import _text, _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()

# Every circle marker (gauges, air stations: Leaflet draws them as SVG paths made of arcs), with
# its centre on the screen and what a click there would hit: the marker itself, another marker,
# or a unit's polygon (a path without arcs).
_MARKERS_AND_WHAT_LIES_ON_TOP = """
const isMarker = e => e && e.tagName === 'path' && /a/.test(e.getAttribute('d') || '');
return [...document.querySelectorAll('#map path.leaflet-interactive')].filter(isMarker)
  .map(p => {
    const r = p.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    return {x: Math.round(x), y: Math.round(y), self: top === p, marker: isMarker(top)};
  });
"""


def _settled_markers(dash_duo, at_least: int) -> list[dict]:
    """The markers once the map has stopped moving (it fits itself to the unit, animated)."""
    last = None
    for _ in range(60):
        markers = dash_duo.driver.execute_script(_MARKERS_AND_WHAT_LIES_ON_TOP)
        where = [(m["x"], m["y"]) for m in markers]
        if len(markers) >= at_least and where == last:
            return markers
        last = where
        time.sleep(0.25)
    raise AssertionError(f"the markers never stood still ({len(last or [])} drawn)")


def _assert_stations_on_top(dash_duo, at_least: int, where: str) -> list[dict]:
    markers = _settled_markers(dash_duo, at_least)
    covered = [m for m in markers if not m["marker"]]
    assert not covered, f"{where}: {len(covered)} of {len(markers)} stations lie under a unit"
    return markers


def test_stations_lie_above_the_units_and_a_click_opens_the_station(monitored_db, dash_duo):
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    dash_duo.wait_for_contains_text("#map", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    # The city: 8 gauges and 9 air stations, each on top where it stands, on first load …
    _assert_stations_on_top(dash_duo, 17, "on load")

    # … and after drilling into a district, when the units and the stations arrive anew.
    dash_duo.driver.find_element(By.LINK_TEXT, "Ninh Kiều").click()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#map", "Cái Khế")
    markers = _assert_stations_on_top(dash_duo, 1, "in Ninh Kiều")

    # A click where a station stands opens its popup and its 7-day chart; the district stays.
    own = next(m for m in markers if m["self"])
    click = ActionBuilder(dash_duo.driver)
    click.pointer_action.move_to_location(own["x"], own["y"]).click()
    click.perform()
    popup = dash_duo.wait_for_element(".leaflet-popup-content strong", timeout=10)
    name = popup.text
    assert name
    until(lambda: name in _text(dash_duo, "#chart"), timeout=10, msg="not the station's chart")
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []
