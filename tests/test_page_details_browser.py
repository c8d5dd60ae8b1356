"""The page in a real headless Chromium: point clusters are neutral bubbles."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.servers import free_port
from tests.test_app_browser import _toggle_layer, _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()


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
