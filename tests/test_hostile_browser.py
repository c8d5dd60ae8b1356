"""Hostile names (tests/hostile.py) in a real headless Chromium: the map's labels, the popups,
the breadcrumb, the panel, the chart and the kiosk show them as the characters they are. A name
holding <b> or <a href> must not make a bold element or a link anywhere on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException

from tests.hostile import FORMULA, LONG, MARKUP, MATH, QUOTED, HostileCity, load_hostile_city
from tests.servers import free_port

pytestmark = pytest.mark.browser

PORT = free_port()
# Elements a name would make if it were read as HTML.
MADE = "b, a[href*='example.invalid']"


@pytest.fixture(scope="module")
def hostile(engine, tmp_path_factory) -> HostileCity:
    return load_hostile_city(engine, Path(tmp_path_factory.mktemp("hostile")))


def _texts(dash_duo, selector: str) -> list[str]:
    """The text of every element the selector finds, exactly as the page holds it (textContent:
    no layout whitespace folding, hidden overflow included). Read again if the map redraws."""
    for _ in range(10):
        try:
            return [e.get_attribute("textContent") for e in dash_duo.find_elements(selector)]
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"{selector} kept being redrawn")


def _wait_for_text(dash_duo, selector: str, *names: str, timeout: float = 20) -> None:
    until(
        lambda: set(names) <= set(_texts(dash_duo, selector)),
        timeout=timeout,
        msg=f"{selector} never showed {[n[:30] for n in names]}",
    )


def _made_from_names(dash_duo, within: str) -> list[str]:
    return [
        e.get_attribute("outerHTML")[:80]
        for e in dash_duo.find_elements(", ".join(f"{within} {m}" for m in MADE.split(", ")))
    ]


def _open_popup_of(dash_duo, name: str) -> None:
    """Open the popup of the station called ``name``: a click on each circle marker in turn (sent
    to the marker itself, whatever lies above it) until its popup has that title."""
    markers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
        ".filter(function (p) { return /a/.test(p.getAttribute('d') || ''); }).length"
    )
    for k in range(markers):
        dash_duo.driver.execute_script(
            "var p = Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
            ".filter(function (p) { return /a/.test(p.getAttribute('d') || ''); })[arguments[0]];"
            "if (p) { p.dispatchEvent(new MouseEvent('click', {bubbles: true, view: window})); }",
            k,
        )
        if name in _texts(dash_duo, ".leaflet-popup-content strong"):
            return
    raise AssertionError(f"no marker opens a popup titled {name[:30]!r}")


def test_the_map_panel_breadcrumb_popups_and_chart_show_names_as_text(hostile, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    # The city: the districts' labels, one of them markup, one a formula.
    _wait_for_text(dash_duo, ".leaflet-tooltip.unit-label", MARKUP, FORMULA)
    assert _made_from_names(dash_duo, ".leaflet-tooltip") == []

    # Ninh Kiều, whose name is markup, and its wards.
    dash_duo.driver.get(dash_duo.server_url + "/?unit=916")
    _wait_for_text(dash_duo, ".leaflet-tooltip.unit-label", QUOTED, MATH, LONG)
    # A 500-character name ends in "…" on the map instead of running across it.
    long_label = next(
        e
        for e in dash_duo.find_elements(".leaflet-tooltip.unit-label")
        if e.get_attribute("textContent") == LONG
    )
    assert long_label.size["width"] < dash_duo.find_element("#map").size["width"] / 2
    _wait_for_text(dash_duo, "#breadcrumb .crumb.current", MARKUP)
    _wait_for_text(dash_duo, "#unit-panel .unit-name", MARKUP)
    until(
        lambda: all(n in "".join(_texts(dash_duo, "#unit-children")) for n in (QUOTED, MATH, LONG)),
        timeout=10,
        msg="the list of wards never showed their names",
    )
    until(
        lambda: MARKUP in "".join(_texts(dash_duo, "#chart .gtitle")),
        timeout=20,
        msg="the chart's title never showed the district's name as written",
    )
    # A right-to-left override in a name stays inside it: each name is isolated from the words
    # beside it (the population in the list of wards, the title's own words, the breadcrumb).
    assert dash_duo.find_elements(".leaflet-tooltip.unit-label bdi")
    isolation = dash_duo.driver.execute_script(
        "return ['.crumb.current', '.unit-name', '.child-name'].map(function (s) {"
        "  return getComputedStyle(document.querySelector(s)).unicodeBidi; });"
    )
    assert isolation == ["isolate"] * 3
    assert "\u2068" + MARKUP + "\u2069" in "".join(_texts(dash_duo, "#chart .gtitle"))
    for part in (".leaflet-tooltip", "#breadcrumb", "#unit-panel", "#unit-children", "#chart"):
        assert _made_from_names(dash_duo, part) == [], part
    assert dash_duo.find_elements("#chart .gtitle tspan[style*='bold']") == []

    # The stations' popups, and the chart of the one clicked.
    _open_popup_of(dash_duo, MARKUP)
    assert _made_from_names(dash_duo, ".leaflet-popup-content") == []
    until(
        lambda: (
            MARKUP in "".join(_texts(dash_duo, "#chart .gtitle"))
            and "Diễn biến" not in "".join(_texts(dash_duo, "#chart .gtitle"))
        ),
        timeout=20,
        msg="the chart never showed the station's name as written",
    )
    assert _made_from_names(dash_duo, "#chart") == []
    _open_popup_of(dash_duo, QUOTED)
    assert _made_from_names(dash_duo, ".leaflet-popup-content") == []
    # Nothing anywhere on the page was made from a name.
    assert dash_duo.find_elements(MADE) == []


# The kiosk draws each step in one of two frames and shows one: the title on screen.
SHOWN_TITLE = ".kiosk.shown-a #kiosk-unit-a h1, .kiosk.shown-b #kiosk-unit-b h1"


def test_the_kiosk_shows_names_as_text(hostile, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    dash_duo.driver.get(dash_duo.server_url + "/kiosk?rotate=3&layers=flood")
    # The kiosk starts at the step the clock says: wait for each of the two steps in turn (ten
    # steps of 3 s a round). Ninh Kiều's: its name in the title bar, its wards on the map.
    _wait_for_text(dash_duo, SHOWN_TITLE, MARKUP, timeout=45)
    _wait_for_text(dash_duo, ".leaflet-tooltip.unit-label", QUOTED, MATH, LONG, timeout=10)
    assert _made_from_names(dash_duo, "[id^='kiosk-unit-']") == []
    assert _made_from_names(dash_duo, ".leaflet-tooltip") == []
    # The city's: the districts on the map, one of them markup, one a formula.
    _wait_for_text(dash_duo, SHOWN_TITLE, "Cần Thơ", timeout=45)
    _wait_for_text(dash_duo, ".leaflet-tooltip.unit-label", MARKUP, FORMULA, timeout=10)
    assert _made_from_names(dash_duo, ".leaflet-tooltip") == []
    assert dash_duo.find_elements(MADE) == []
