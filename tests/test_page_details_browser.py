"""The page in a real headless Chromium: switching the language keeps the layers a user switched
on and makes the page English to the tab title; point clusters are neutral bubbles."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from tests.servers import free_port
from tests.test_app_browser import _text, _toggle_layer, _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()


def _layers_in_url(dash_duo) -> set[str]:
    values = parse_qs(urlsplit(dash_duo.driver.current_url).query).get("layers") or [""]
    return set(values[0].split(",")) - {""}


def _checked_layers(dash_duo) -> dict[str, bool]:
    labels = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, ".leaflet-control-layers-overlays label"
    )
    return {
        label.text.strip(): label.find_element(By.TAG_NAME, "input").is_selected()
        for label in labels
    }


def test_switching_to_english_keeps_the_layers_and_titles_the_tab_in_english(
    monitored_db, dash_duo
) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    assert dash_duo.driver.title == "Bản đồ giám sát đô thị Cần Thơ"

    # Traffic and public services on, air quality off: the URL keeps the choice.
    _toggle_layer(dash_duo, "Giao thông")
    _toggle_layer(dash_duo, "Chất lượng không khí")
    _toggle_layer(dash_duo, "Dịch vụ công")
    until(lambda: _layers_in_url(dash_duo) == {"flood", "traffic", "services"}, timeout=10,
          msg=f"the URL never named the layers: {dash_duo.driver.current_url}")  # fmt: skip
    # A link of the child list leads to a URL of its own: the layers follow into it.
    dash_duo.driver.find_element(By.LINK_TEXT, "Ninh Kiều").click()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    until(lambda: _layers_in_url(dash_duo) == {"flood", "traffic", "services"}, timeout=10,
          msg=f"the layers were lost on the way: {dash_duo.driver.current_url}")  # fmt: skip

    dash_duo.driver.find_element(By.LINK_TEXT, "English").click()
    until(lambda: dash_duo.driver.title == "Cần Thơ city monitoring map", timeout=15,
          msg=f"the tab still reads {dash_duo.driver.title!r}")  # fmt: skip
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#legend", "Traffic conditions")
    assert _checked_layers(dash_duo) == {
        "Flooding": True, "Air quality": False, "Traffic": True, "Public services": True,
        "Citizens' reports": False,
    }  # fmt: skip
    assert "VN_AQI index" not in _text(dash_duo, "#legend")

    # Days the English way beside the English date picker: "30 Nov 2026", never 30/11/2026.
    until(lambda: _text(dash_duo, "#time-label").startswith("● Data at"), timeout=10)
    label = _text(dash_duo, "#time-label")
    assert re.fullmatch(r"● Data at \d\d:\d\d \d{1,2} [A-Z][a-z]{2} \d{4}", label), label
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_point_clusters_are_neutral_bubbles_not_aqi_colours(monitored_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    _toggle_layer(dash_duo, "Dịch vụ công")  # the city's health stations cluster at city zoom
    dash_duo.wait_for_element(".cluster-bubble", timeout=15)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".marker-cluster")
    colour = dash_duo.driver.execute_script(
        "return getComputedStyle(document.querySelector('.cluster-bubble div')).backgroundColor"
    )
    assert colour == "rgba(52, 73, 94, 0.9)"  # the page's slate ink, not green/yellow/orange
