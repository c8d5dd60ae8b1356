"""The citizens' reports figures in a real headless Chromium: the dashboard's panel in Vietnamese,
then in English through the language switch, and its link to the public statistics page."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from tests.reports_set import add_report_set
from tests.servers import free_port

pytestmark = pytest.mark.browser

PORT = free_port()


def _figure(dash_duo, key: str) -> str:
    return dash_duo.driver.find_element(
        By.CSS_SELECTOR, f'#report-figures [data-figure="{key}"] .kpi-value'
    ).text


def test_the_panel_shows_the_unit_s_report_figures_in_both_languages(demo_db, dash_duo) -> None:
    from app import app

    add_report_set(demo_db)
    dash_duo.start_server(app, port=PORT)
    dash_duo.driver.get(dash_duo.server_url + "/?unit=91601")
    dash_duo.wait_for_contains_text("#report-figures", "Phản ánh của người dân", timeout=20)
    assert _figure(dash_duo, "received") == "4" and _figure(dash_duo, "overdue") == "1"
    assert _figure(dash_duo, "ack_on_time") == "75 %" and _figure(dash_duo, "rating") == "3,7/5"
    assert "tính theo ngày làm việc" in dash_duo.find_element("#report-figures").text
    bars = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#report-figures .trend-week")
    assert len(bars) >= 5 and "tiếp nhận" in bars[0].get_attribute("title")

    dash_duo.driver.find_element(By.CSS_SELECTOR, "a.lang-switch").click()
    dash_duo.wait_for_contains_text("#report-figures", "Citizens' reports", timeout=20)
    until(lambda: _figure(dash_duo, "rating") == "3.7/5", timeout=10)
    assert "in working days" in dash_duo.find_element("#report-figures").text

    # The link to the statistics page keeps the unit, and the page keeps the language.
    dash_duo.driver.find_element(By.CSS_SELECTOR, "#report-figures .stats-link").click()
    until(lambda: "/thong-ke-phan-anh?unit=91601" in dash_duo.driver.current_url, timeout=10)
    until(lambda: "Citizens' reports: figures" in dash_duo.driver.page_source, timeout=10)
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []
