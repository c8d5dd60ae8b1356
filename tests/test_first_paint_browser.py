"""The first paint in a real headless Chromium: the map's units are drawn before anything of the
chart's library is asked for, and the chart still comes (plotly.js after the units)."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from tests.servers import free_port

pytestmark = pytest.mark.browser

PORT = free_port()

# Before the page's own scripts: when the first unit's shape appeared (performance.now()).
_UNITS_DRAWN = """
window.__unitsDrawn = null;
new MutationObserver(function (_, observer) {
  if (document.querySelector('#map .leaflet-overlay-pane path')) {
    window.__unitsDrawn = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_units_are_drawn_before_the_chart_library_is_fetched(demo_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _UNITS_DRAWN})
    driver.get(dash_duo.server_url + "/?unit=916")
    until(lambda: driver.execute_script("return window.__unitsDrawn") is not None, timeout=20)
    # The chart comes once the units are drawn: its library then, and its figure.
    dash_duo.wait_for_contains_text("#chart", "Ninh Kiều", timeout=30)
    drawn = driver.execute_script("return window.__unitsDrawn")
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".map(function (e) { return [e.name, e.startTime]; })"
    )
    plotly = [start for name, start in fetched if "plotly" in name or "async-graph" in name]
    assert plotly, "the chart's library was never fetched"
    assert min(plotly) >= drawn, (drawn, plotly)
    assert not [name for name, _ in fetched if "dash_table" in name]
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []
