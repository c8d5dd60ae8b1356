"""The citizens' report form on a phone (390 × 844) in a real headless Chromium against gunicorn:
pick a category, tap the map, see whether it was reported already, send, land on the tracking
page with the code; and the same form with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dash.testing.wait import until
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import text
from sqlalchemy.engine import Engine

from geodata.demo.sample import write_sample
from tests.dbutil import truncate_all
from tests.servers import gunicorn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    truncate_all(engine)
    write_sample()
    env = {"CANTHO_PHOTO_DIR": str(tmp_path_factory.mktemp("photos"))}
    with gunicorn(env) as (base, _):
        yield base


def _script(dash_duo, js: str, *args):  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(js, *args)


def test_on_a_phone_a_citizen_picks_a_category_taps_the_map_sends_and_gets_a_tracking_code(
    site, engine, dash_duo
) -> None:
    driver = dash_duo.driver
    driver.set_window_size(390, 844)
    driver.get(site + "/phan-anh")
    assert _script(dash_duo, "return window.innerWidth") == 390
    # The map is drawn with the city's units (no tiles: none are set) and the location button
    # is offered, since this browser has the Geolocation API.
    until(lambda: _script(dash_duo, "return document.querySelectorAll('#report-map path').length")
          > 3, timeout=15)  # fmt: skip
    assert driver.find_element(By.ID, "locate").is_displayed()
    # Nothing sticks out sideways on a phone.
    assert _script(
        dash_duo,
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
    )

    driver.find_element(By.XPATH, "//label[@class='chip'][span='Rác thải']").click()
    assert driver.find_element(By.CSS_SELECTOR, "input[value=waste]").is_selected()
    # The water depth is asked for flooding only.
    assert not driver.find_element(
        By.CSS_SELECTOR, ".attribute[data-category=flooding]"
    ).is_displayed()

    the_map = driver.find_element(By.ID, "report-map")
    _script(dash_duo, "arguments[0].scrollIntoView({block: 'center'})", the_map)
    the_map.click()  # its centre: the middle of the city
    until(lambda: driver.find_element(By.ID, "lat").get_attribute("value"), timeout=5)
    lat = float(driver.find_element(By.ID, "lat").get_attribute("value"))
    lon = float(driver.find_element(By.ID, "lon").get_attribute("value"))
    assert 9.9 < lat < 10.4 and 105.2 < lon < 105.9
    assert driver.find_elements(By.CSS_SELECTOR, "#report-map .leaflet-marker-icon")
    # Whether someone reported it already is asked as soon as a category and a point are chosen.
    until(lambda: driver.find_element(By.ID, "nearby").is_displayed(), timeout=10)
    assert "Đã có người phản ánh?" in driver.find_element(By.ID, "nearby").text
    assert (
        "Chưa có phản ánh cùng loại nào còn mở gần đây."
        in driver.find_element(By.ID, "nearby").text
    )

    driver.find_element(By.ID, "description").send_keys("Rác chất đống ở đầu hẻm")
    send = driver.find_element(By.ID, "send")
    _script(dash_duo, "arguments[0].scrollIntoView({block: 'center'})", send)
    send.click()

    until(lambda: "/phan-anh/PA-" in driver.current_url, timeout=15)
    code = re.search(r"/phan-anh/(PA-[A-Z0-9]{7})", driver.current_url).group(1)  # type: ignore[union-attr]
    until(lambda: driver.find_element(By.CSS_SELECTOR, ".sent .code").text == code, timeout=5)
    assert "Mới tiếp nhận" in driver.find_element(By.CSS_SELECTOR, ".status").text
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT category, description, ST_Y(geom) AS lat, ST_X(geom) AS lon "
                 "FROM citizen_report WHERE code = :c"), {"c": code}
        ).one()  # fmt: skip
    assert (row.category, row.description) == ("waste", "Rác chất đống ở đầu hẻm")
    assert abs(row.lat - lat) < 1e-6 and abs(row.lon - lon) < 1e-6


@pytest.fixture
def no_script_browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with JavaScript switched off, phone-sized."""
    from tests.conftest import pytest_setup_options

    options = pytest_setup_options()
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(options=options)
    try:
        driver.set_window_size(390, 844)
        yield driver
    finally:
        driver.quit()


def test_without_javascript_the_form_takes_coordinates_and_shows_contact_fields_when_unticked(
    site, engine, no_script_browser
) -> None:
    driver = no_script_browser
    driver.get(site + "/phan-anh")
    assert not driver.find_element(By.ID, "report-map").is_displayed()
    assert not driver.find_element(By.ID, "locate").is_displayed()
    name = driver.find_element(By.NAME, "name")
    assert not name.is_displayed()  # "ẩn danh" is ticked: no contact fields
    driver.find_element(By.CSS_SELECTOR, "label[for=anonymous]").click()
    assert name.is_displayed()  # unticked: they appear, by CSS alone
    name.send_keys("Lê Văn C")

    driver.find_element(By.XPATH, "//label[@class='chip'][span='Đèn đường']").click()
    driver.find_element(By.ID, "lat").send_keys("10,03")  # a decimal comma, as typed in Vietnam
    driver.find_element(By.ID, "lon").send_keys("105.775")
    driver.find_element(By.ID, "description").send_keys("Đèn tắt cả dãy")
    driver.find_element(By.ID, "send").click()

    until(lambda: "/phan-anh/PA-" in driver.current_url, timeout=15)
    code = driver.find_element(By.CSS_SELECTOR, ".sent .code").text
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT r.category, c.name FROM citizen_report r "
                 "JOIN report_contact c ON c.report_id = r.id WHERE r.code = :c"), {"c": code}
        ).one()  # fmt: skip
    assert tuple(row) == ("streetlight", "Lê Văn C")
