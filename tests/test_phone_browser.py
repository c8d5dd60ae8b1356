"""The dashboard on a phone (390 × 844) in a real headless Chromium: a short header, controls
folded into a stack that fits the screen, a folded legend, and one page that scrolls from half a
screen of map down to full-width KPI cards. A desktop window keeps the one-row layout."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from tests.servers import free_port
from tests.test_app_browser import _toggle_layer, _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()

# Every element of the control bar that is drawn (has a size) but lies beyond the left or right
# edge of the layout viewport, named so that a failure says which.
_OUTSIDE_THE_SCREEN = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('.control-bar *')]
  .filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (r.left < -0.5 || r.right > width + 0.5);
  })
  .map(e => `${e.tagName}.${e.getAttribute('class')} "${(e.innerText || '').slice(0, 30)}"`);
"""


def _open_on_a_phone(dash_duo, app) -> None:
    dash_duo.driver.set_window_size(390, 844)
    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    assert dash_duo.driver.execute_script("return window.innerWidth") == 390


def _rect(dash_duo, selector: str) -> dict[str, float]:
    return dash_duo.driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()", selector
    )


def _is_open(dash_duo, selector: str) -> bool:
    return dash_duo.driver.execute_script(
        "return document.querySelector(arguments[0]).open", selector
    )


def test_on_a_phone_the_header_is_short_and_the_controls_unfold_into_a_stack_within_the_screen(
    monitored_db, dash_duo
) -> None:
    from app import app

    _open_on_a_phone(dash_duo, app)
    driver = dash_duo.driver
    # The header leaves the screen to the map: title, date, language and account in a few lines.
    assert _rect(dash_duo, ".topbar")["height"] <= 110

    # The controls are one block folded under a summary, so the map comes right after them.
    folds = driver.find_elements(By.CSS_SELECTOR, ".control-bar details")
    assert len(folds) == 1, "the controls are not in a block that folds"
    assert not _is_open(dash_duo, ".control-bar details")
    summary = folds[0].find_element(By.TAG_NAME, "summary")
    assert summary.text == "Điều khiển"
    assert _rect(dash_duo, ".control-bar")["height"] <= 50

    # Unfolded, they stack within the screen's width: every label, picker, button and menu whole,
    # and neither the bar nor the page scrolls sideways.
    summary.click()
    until(lambda: _is_open(dash_duo, ".control-bar details"), timeout=5)
    assert driver.execute_script(_OUTSIDE_THE_SCREEN) == []
    bar = driver.execute_script(
        "const b = document.querySelector('.control-bar'); return [b.scrollWidth, b.clientWidth]"
    )
    assert bar[0] <= bar[1]
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    for text in ("Trực tiếp", "Xem lại", "24 giờ qua", "7 ngày qua", "Dừng", "Tô màu đơn vị theo"):
        assert text in dash_duo.find_element(".control-bar").text
    # Folded again by a tap.
    summary.click()
    until(lambda: not _is_open(dash_duo, ".control-bar details"), timeout=5)

    # On a desktop window the controls are one open bar again, with no summary to fold it by.
    driver.set_window_size(1400, 900)
    until(lambda: _is_open(dash_duo, ".control-bar details"), timeout=5)
    assert not summary.is_displayed()
    assert _rect(dash_duo, ".control-bar")["height"] <= 100
    assert driver.execute_script(_OUTSIDE_THE_SCREEN) == []
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_on_a_phone_the_legend_is_folded_and_the_page_scrolls_from_the_map_to_full_width_kpis(
    monitored_db, dash_duo
) -> None:
    from app import app

    _open_on_a_phone(dash_duo, app)
    driver = dash_duo.driver
    height = driver.execute_script("return window.innerHeight")

    # The legend is folded: a small "Chú giải" on the map until the user taps it open.
    dash_duo.wait_for_element("#legend details")
    assert not _is_open(dash_duo, "#legend details")
    assert _rect(dash_duo, "#legend")["height"] < 0.1 * _rect(dash_duo, "#map")["height"]

    # The map takes about half the screen.
    assert 0.4 * height <= _rect(dash_duo, "#map")["height"] <= 0.6 * height

    # Below it, the page (not a panel inside it) scrolls down to the KPI cards.
    cards = driver.find_elements(By.CSS_SELECTOR, "#kpis .kpi-card")
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", cards[-1])
    assert driver.execute_script("return window.scrollY") > 0
    assert driver.execute_script("return document.querySelector('.panel').scrollTop") == 0
    last = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", cards[-1])
    assert last["top"] >= 0 and last["bottom"] <= height

    # The KPI cards take the panel's full width.
    kpis_width = driver.execute_script("return document.querySelector('#kpis').clientWidth")
    main_cards = driver.find_elements(By.CSS_SELECTOR, "#kpis .kpi-card:not(.small)")
    assert main_cards
    for card in main_cards:
        assert abs(card.rect["width"] - kpis_width) <= 1, card.text

    # Tapped open, the legend stays open while the layers change (its content is redrawn).
    driver.execute_script("document.getElementById('map').scrollIntoView()")
    dash_duo.find_element("#legend summary").click()
    dash_duo.wait_for_contains_text("#legend", "Chỉ số VN_AQI")
    _toggle_layer(dash_duo, "Giao thông")
    dash_duo.wait_for_contains_text("#legend", "Tình trạng giao thông")
    assert _is_open(dash_duo, "#legend details")

    # On a desktop window the legend is open, and the page fits the window again.
    dash_duo.find_element("#legend summary").click()
    until(lambda: not _is_open(dash_duo, "#legend details"), timeout=5)
    driver.set_window_size(1400, 900)
    until(lambda: _is_open(dash_duo, "#legend details"), timeout=5)
    until(
        lambda: driver.execute_script(
            "return document.documentElement.scrollHeight <= window.innerHeight"
        ),
        timeout=5,
    )
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []
