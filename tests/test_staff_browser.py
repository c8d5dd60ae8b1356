"""Xử lý phản ánh on a phone (390 × 844) in a real headless Chromium against gunicorn: a ward
officer signs in, narrows the queue to the late reports of one category, sees the late one stand
out in words, opens it and acknowledges it; the page fits the screen throughout."""

from __future__ import annotations

import datetime as dt

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import text

from geodata.accounts import users
from geodata.demo.sample import write_sample
from geodata.reports import service
from geodata.reports.service import NewReport
from tests.dbutil import truncate_all

pytestmark = pytest.mark.browser

PASSWORD = "a long password 1"
NINH_KIEU = (105.775, 10.03)
NINH_KIEU_2 = (105.78, 10.035)

# Elements drawn beyond the right edge of the layout viewport (the page must not scroll sideways).
_WIDER_THAN_THE_SCREEN = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('main *')]
  .filter(e => { const r = e.getBoundingClientRect();
                 return r.width > 0 && r.height > 0 && r.right > width + 0.5; })
  .map(e => `${e.tagName}.${e.getAttribute('class')}`);
"""


@pytest.fixture
def reports(engine) -> dict[str, str]:
    """The demo city without its old reports, a Ninh Kiều officer, and three waste reports: one
    late (received ten days ago), one fresh, and a late streetlight report."""
    truncate_all(engine)
    write_sample()
    now = dt.datetime.now(dt.UTC)
    codes = {}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM citizen_report"))
        users.add_user(conn, "nk.phone", PASSWORD, "ward_staff", ["916"])
        for name, where, category, days in (("late", NINH_KIEU, "waste", 10),
                                            ("fresh", NINH_KIEU_2, "waste", 0),
                                            ("light", NINH_KIEU_2, "streetlight", 10)):  # fmt: skip
            at = now - dt.timedelta(days=days)
            new = NewReport(category, *where, description=f"Phản ánh {name}")
            codes[name] = service.submit(conn, new, at, at.date()).code
    return codes


def _fits(driver) -> None:
    assert driver.execute_script(_WIDER_THAN_THE_SCREEN) == []


def test_ward_staff_filter_open_and_acknowledge_a_late_report_on_a_phone(
    server, reports, dash_br
) -> None:
    driver = dash_br.driver
    driver.set_window_size(390, 844)
    driver.get(server + "/xu-ly")
    # The public are sent to sign in first, and come back to the queue.
    until(lambda: driver.find_elements(By.NAME, "username"), timeout=10)
    driver.find_element(By.NAME, "username").send_keys("nk.phone")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, ".staff-filters"), timeout=10)
    assert driver.execute_script("return window.innerWidth") == 390
    _fits(driver)

    Select(driver.find_element(By.NAME, "category")).select_by_visible_text("Rác thải")
    driver.find_element(By.NAME, "overdue").click()
    driver.find_element(By.CSS_SELECTOR, ".staff-filters button").click()
    until(lambda: "overdue=1" in driver.current_url, timeout=10)
    items = driver.find_elements(By.CSS_SELECTOR, ".staff-item")
    assert [i.find_element(By.CSS_SELECTOR, ".staff-code").text for i in items] == [reports["late"]]
    # Late says so in words, not colour alone.
    assert "Quá hạn" in items[0].text and "is-overdue" in items[0].get_attribute("class")
    _fits(driver)

    items[0].find_element(By.TAG_NAME, "a").click()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, ".staff-report"), timeout=10)
    assert reports["late"] in driver.find_element(By.TAG_NAME, "h1").text
    assert driver.find_elements(By.CSS_SELECTOR, "svg.staff-map circle.report-pin")
    _fits(driver)
    driver.find_element(By.CSS_SELECTOR, ".primary-action button").click()
    until(lambda: "done=acknowledge" in driver.current_url, timeout=10)
    assert "Đã ghi: Tiếp nhận." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert "Đã tiếp nhận" in driver.find_element(By.CSS_SELECTOR, ".badge.status").text
    history = driver.find_element(By.CSS_SELECTOR, ".staff-history li").text
    assert "nk.phone" in history and "Đã tiếp nhận" in history
    # Acknowledged, but ten days after it came: its resolution deadline has passed too, so it
    # stays late, in words.
    assert "Quá hạn" in driver.find_element(By.CSS_SELECTOR, "h1 + p").text
    _fits(driver)
