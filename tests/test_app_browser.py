"""The dashboard in a real headless Chromium: open, drill down by clicking, come back up, reload."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.callers import denials
from tests.servers import free_port

pytestmark = pytest.mark.browser

# A free port, so that two runs of the suite on one machine do not collide.
PORT = free_port()


def _wait_for_breadcrumb(dash_duo, *names: str) -> None:
    """Wait until the breadcrumb reads ``names`` joined by "›" (layout whitespace ignored, and
    the selected unit's validity after them: "(từ …)")."""
    want = "›".join(names)
    until(
        lambda: (
            re.sub(r"\(.*\)$", "", "".join(_text(dash_duo, "#breadcrumb").split()))
            == want.replace(" ", "")
        ),
        timeout=15,
        msg=f"breadcrumb never read {want!r}",
    )


def _text(dash_duo, selector: str) -> str:
    """An element's text, read again if the page re-renders it while it is being read (the kiosk
    replaces its title and clock on its own)."""
    for _ in range(10):
        try:
            return dash_duo.driver.find_element(By.CSS_SELECTOR, selector).text
        except StaleElementReferenceException:
            continue
    return dash_duo.driver.find_element(By.CSS_SELECTOR, selector).text


def _label(dash_duo, name: str):
    """The map label of a unit: a permanent tooltip placed inside the unit's polygon."""
    xpath = f"//div[contains(@class,'unit-label')][normalize-space(.)='{name}']"
    dash_duo.wait_for_element_by_css_selector(".unit-label")
    return dash_duo.driver.find_element(By.XPATH, xpath)


def _settled_label(dash_duo, name: str):
    """The unit's label once it stands still: the map fits itself to the unit (animated), and
    moves again if the bar above it changes height as the pickers' code arrives."""
    last = None
    for _ in range(50):
        try:
            label = _label(dash_duo, name)
            where = (label.rect["x"], label.rect["y"])
        except StaleElementReferenceException:
            time.sleep(0.1)
            continue
        if where == last:
            return label
        last = where
        time.sleep(0.2)
    raise AssertionError(f"the label {name!r} never stood still")


def _click_unit_on_map(dash_duo, name: str) -> None:
    # Labels let clicks through to the polygon underneath, as a user's click would. The layer is
    # redrawn when its colours arrive, which can replace a label between finding and clicking it.
    for _ in range(10):
        try:
            ActionChains(dash_duo.driver).move_to_element(
                _settled_label(dash_duo, name)
            ).click().perform()
            return
        except StaleElementReferenceException:
            time.sleep(0.3)
    raise AssertionError(f"could not click the label {name!r}")


def test_open_click_a_district_see_its_wards_and_reload_the_deep_link(demo_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    dash_duo.wait_for_contains_text("#map", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#map", "Vĩnh Thạnh")
    assert _text(dash_duo, "#demo-badge") == "Dữ liệu minh họa"

    _click_unit_on_map(dash_duo, "Ninh Kiều")
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#map", "Cái Khế")
    dash_duo.wait_for_contains_text("#unit-children", "Đơn vị trực thuộc (11)")
    assert "unit=916" in dash_duo.driver.current_url

    # A ward: its facts, the breadcrumb three deep.
    _click_unit_on_map(dash_duo, "Cái Khế")
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều", "Cái Khế")
    dash_duo.wait_for_contains_text("#unit-panel", "Phường")

    # Reload the shared link: the same selection comes back.
    deep_link = dash_duo.driver.current_url
    assert "unit=91601" in deep_link
    dash_duo.driver.get(deep_link)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều", "Cái Khế")
    dash_duo.wait_for_contains_text("#map", "An Cư")

    # The breadcrumb leads back up.
    dash_duo.driver.find_element(By.LINK_TEXT, "Cần Thơ").click()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    dash_duo.wait_for_contains_text("#map", "Thới Lai")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_the_child_list_drills_down_too(demo_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    dash_duo.wait_for_contains_text("#unit-children", "Cờ Đỏ")
    dash_duo.driver.find_element(By.LINK_TEXT, "Cờ Đỏ").click()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Cờ Đỏ")
    dash_duo.wait_for_contains_text("#unit-children", "Thị trấn")
    assert "unit=925" in dash_duo.driver.current_url


def test_a_reload_keeps_the_zoom_the_user_chose(demo_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    dash_duo.driver.get(dash_duo.server_url + "/?unit=916")
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    until(lambda: "view=" in dash_duo.driver.current_url, timeout=10)
    scale = ".leaflet-control-scale-line"
    fitted = _text(dash_duo, scale)

    # Zoom in twice as a user would; the scale bar and the URL follow.
    for _ in range(2):
        dash_duo.find_element(".leaflet-control-zoom-in").click()
    until(lambda: _text(dash_duo, scale) not in {"", fitted}, timeout=10)
    until(lambda: "view=" in dash_duo.driver.current_url, timeout=10)
    chosen_scale = _text(dash_duo, scale)
    chosen_url = dash_duo.driver.current_url
    until(lambda: dash_duo.driver.current_url == chosen_url, timeout=5)

    dash_duo.driver.refresh()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    until(
        lambda: _text(dash_duo, scale) == chosen_scale,
        timeout=10,
        msg=f"after reload the scale reads {_text(dash_duo, scale)!r}, "
        f"not the user's {chosen_scale!r} (fitted was {fitted!r})",
    )
    assert "unit=916" in dash_duo.driver.current_url


def _toggle_layer(dash_duo, name: str) -> None:
    labels = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, ".leaflet-control-layers-overlays label"
    )
    next(label for label in labels if name in label.text).click()


def _drawn_shapes(dash_duo) -> int:
    return len(dash_duo.driver.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive"))


def test_layers_toggle_drill_down_and_time_control(monitored_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    # Flooding and air quality are on at first: gauges and stations, and their legends.
    dash_duo.wait_for_contains_text("#legend", "Trạm đo mực nước")
    dash_duo.wait_for_contains_text("#legend", "Chỉ số VN_AQI")
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    until(lambda: _drawn_shapes(dash_duo) > 9 + 8, timeout=10)  # districts + gauges + stations

    # Traffic on: road segments are drawn and the legend explains their colours.
    before = _drawn_shapes(dash_duo)
    _toggle_layer(dash_duo, "Giao thông")
    dash_duo.wait_for_contains_text("#legend", "Tình trạng giao thông")
    until(lambda: _drawn_shapes(dash_duo) > before + 50, timeout=10, msg="no roads drawn")

    # Public services on: facilities and the underserved areas.
    before = _drawn_shapes(dash_duo)
    _toggle_layer(dash_duo, "Dịch vụ công")
    dash_duo.wait_for_contains_text("#legend", "Khu dân cư ngoài bán kính phục vụ")
    until(lambda: _drawn_shapes(dash_duo) > before, timeout=10, msg="no services drawn")

    # Flooding and air quality off: their legends go.
    _toggle_layer(dash_duo, "Ngập lụt")
    _toggle_layer(dash_duo, "Chất lượng không khí")
    until(lambda: "Trạm đo mực nước" not in _text(dash_duo, "#legend"), timeout=10)
    until(lambda: "VN_AQI" not in _text(dash_duo, "#legend"), timeout=10)

    # Drill into Ninh Kiều (from the list: the map is covered by other layers now); the KPIs
    # and the chart follow.
    dash_duo.driver.find_element(By.LINK_TEXT, "Ninh Kiều").click()
    _wait_for_breadcrumb(dash_duo, "Cần Thơ", "Ninh Kiều")
    dash_duo.wait_for_contains_text("#chart", "Ninh Kiều")

    # Play the last 24 hours: the moment shown moves, then stop.
    live = _text(dash_duo, "#time-label")
    assert live.startswith("●")  # live
    dash_duo.find_element("#play-24h").click()
    until(lambda: not _text(dash_duo, "#time-label").startswith("●"), timeout=10)
    first = _text(dash_duo, "#time-label")
    until(lambda: _text(dash_duo, "#time-label") != first, timeout=10)
    dash_duo.find_element("#play-stop").click()
    # Played from live, Stop goes back to live: no fixed moment in the URL.
    until(lambda: _text(dash_duo, "#time-label").startswith("●"), timeout=10)
    assert "at=" not in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_dates_are_written_and_picked_the_vietnamese_way_whatever_the_browser_language(
    monitored_db, dash_duo
) -> None:
    from app import app
    from web.request import today

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    # The test browser is not Vietnamese: a native date input would show 11/27/2026 here.
    assert not dash_duo.driver.execute_script("return navigator.language").startswith("vi")
    day = today()
    assert dash_duo.find_element("#view-date").get_attribute("value") == f"{day:%d/%m/%Y}"

    # History: the calendar names the weekdays in Vietnamese, Monday first.
    dash_duo.find_element("#time-mode input[value=history]").click()
    assert "CN" not in _text(dash_duo, "body").split()
    picker = dash_duo.find_element("#time-day")
    picker.click()
    until(lambda: "Th 2" in _text(dash_duo, "body"), timeout=5, msg="no Vietnamese weekdays")
    assert _text(dash_duo, "body").index("Th 2") < _text(dash_duo, "body").index("CN")

    # Yesterday, typed as a Vietnamese writes it (over the day shown), at 14:00.
    yesterday = day - dt.timedelta(days=1)
    picker.send_keys(Keys.CONTROL, "a")
    picker.send_keys(f"{yesterday:%d/%m/%Y}", Keys.ENTER)
    dash_duo.find_element("h1").click()  # close the calendar
    dash_duo.find_element("#time-hour").click()
    hour = "//*[@role='option'][normalize-space(.)='14:00']"
    dash_duo.driver.find_element(By.XPATH, hour).click()
    until(lambda: f"14:00 {yesterday:%d/%m/%Y}" in _text(dash_duo, "#time-label"), timeout=10)
    until(lambda: f"at={yesterday.isoformat()}T14%3A00" in dash_duo.driver.current_url, timeout=10)

    # The shared link opens on that moment, with the pickers showing it.
    dash_duo.driver.get(dash_duo.driver.current_url)
    until(lambda: dash_duo.find_element("#time-day").get_attribute("value")
          == f"{yesterday:%d/%m/%Y}", timeout=15)  # fmt: skip
    until(lambda: _text(dash_duo, "#time-hour") == "14:00", timeout=10)
    assert f"14:00 {yesterday:%d/%m/%Y}" in _text(dash_duo, "#time-label")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


# What the kiosk's screen shows, frame by frame (the kiosk draws the next step behind the one on
# screen): for each unit title visible, its theme and its map, with the unit shapes, the visible
# labels and those left out for want of room, in pixels from the map's top left corner.
_KIOSK_SCREEN = """
var visible = function (e) {
  return e.checkVisibility({opacityProperty: true, visibilityProperty: true});
};
var themes = document.querySelectorAll('.kiosk-layer');
var maps = document.querySelectorAll('.kiosk-map');
var shown = [];
document.querySelectorAll('.kiosk-titles').forEach(function (title, i) {
  var h1 = title.querySelector('h1');
  if (!h1 || !visible(h1)) { return; }
  var map = maps[i], frame = map.getBoundingClientRect();
  var rect = function (e) {
    var r = e.getBoundingClientRect();
    return [r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top];
  };
  shown.push({
    unit: h1.textContent,
    theme: themes[i].textContent,
    map_visible: visible(map),
    size: [frame.width, frame.height],
    shapes: Array.from(map.querySelectorAll('path.kiosk-unit-shape')).map(rect),
    labels: Array.from(map.querySelectorAll('.unit-label')).filter(visible).map(function (e) {
      return [e.textContent, rect(e)];
    }),
    crowded: Array.from(map.querySelectorAll('.unit-label-crowded')).map(function (e) {
      return [e.textContent, rect(e)];
    })
  });
});
return shown;
"""


def _within(box: list[float], frame: tuple[float, float, float, float]) -> bool:
    """Whether a box (left, top, right, bottom) lies inside a frame given the same way."""
    return frame[0] <= box[0] and frame[1] <= box[1] and box[2] <= frame[2] and box[3] <= frame[3]


def _overlap(a: list[float], b: list[float], slack: float = 4) -> bool:
    """Whether two labels' boxes (left, top, right, bottom) overlap by more than ``slack``
    pixels: the 2 px of each box's edge that assets/map.js lets touch (a line's box is taller
    than its letters)."""
    across = a[0] + slack < b[2] and b[0] + slack < a[2]
    return across and a[1] + slack < b[3] and b[1] + slack < a[3]


def _kiosk_title(dash_duo) -> tuple[str, str]:
    """The unit and the theme in the kiosk's title bar: those of the frame on top, the one
    coming in while the two cross-fade."""
    shown = dash_duo.driver.execute_script(_KIOSK_SCREEN)
    return (shown[-1]["unit"], shown[-1]["theme"]) if shown else ("", "")


def test_the_kiosk_turns_through_units_and_layers_by_itself_on_a_lobby_screen(
    monitored_db, dash_duo
) -> None:
    import datetime as dt
    import re

    from app import app
    from domain.clock import CITY_TZ

    dash_duo.start_server(app, port=PORT)
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.get(dash_duo.server_url + "/kiosk?rotate=3&layers=flood,air")
    dash_duo.wait_for_contains_text(".kiosk-foot", "Cập nhật lúc", timeout=15)
    dash_duo.wait_for_contains_text(".kiosk-foot", "Dữ liệu minh họa")
    dash_duo.wait_for_contains_text(".kiosk-side", "Chú giải")

    def title() -> tuple[str, str]:
        return _kiosk_title(dash_duo)

    until(lambda: title()[0] != "", timeout=10)
    first = title()
    assert first[1] in {"Ngập lụt", "Chất lượng không khí"}
    # The clock: Cần Thơ time, whatever the machine's zone.
    until(lambda: re.fullmatch(r"\d\d:\d\d", _text(dash_duo, ".kiosk-time")), 3)
    clock = _text(dash_duo, ".kiosk-time")
    now = dt.datetime.now(CITY_TZ)
    assert clock in {(now - dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    assert "/" in _text(dash_duo, ".kiosk-date")

    # Nothing to press or drag: no zoom or layers control, no inputs.
    for selector in (".leaflet-control-zoom", ".leaflet-control-layers", "input", "button"):
        assert dash_duo.driver.find_elements(By.CSS_SELECTOR, selector) == []

    # One rotation (3 s) later the unit or the layer has changed, without a click or a reload.
    until(lambda: title() != first, timeout=10, msg=f"the kiosk stayed on {first}")
    second = title()
    until(lambda: title() != second, timeout=10, msg=f"the kiosk stayed on {second}")
    assert dash_duo.find_element("#kiosk-banner").get_attribute("hidden") is not None
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


# Room the kiosk leaves around a unit it fits, at least, in pixels.
KIOSK_MARGIN = 20


def test_the_kiosk_shows_each_step_only_whole_fitted_with_margins_and_in_both_languages(
    monitored_db, dash_duo
) -> None:
    """Watched through a whole turn at the shortest period: whenever a unit's title is on
    screen, so is its map, drawing that unit's parts and nothing else, every one inside the
    frame with a margin, every label over its drawn shape and none over another (a name is left
    out only where it would overlap one shown); Vietnamese and English together."""
    from app import app
    from geodata.monitoring.queries import children, root_unit
    from web.request import today

    with monitored_db.connect() as conn:
        city = root_unit(conn, today())
        districts = children(conn, city, today())
        parts = {city.name: {d.name for d in districts}} | {
            d.name: {w.name for w in children(conn, d, today())} for d in districts
        }
    dash_duo.start_server(app, port=PORT)
    driver = dash_duo.driver
    driver.set_window_size(1920, 1080)
    driver.get(dash_duo.server_url + "/kiosk?rotate=2&layers=air&lang=both")
    seen: set[str] = set()

    def look() -> bool:
        for frame in driver.execute_script(_KIOSK_SCREEN):
            unit, (width, height) = frame["unit"], frame["size"]
            assert frame["map_visible"], f"{unit!r} is named over no map"
            labels = {name for name, _ in frame["labels"]}
            crowded = {name for name, _ in frame["crowded"]}
            assert labels | crowded == parts[unit] and not labels & crowded, (
                f"{unit!r} is named over the labels {labels} (and {crowded} left out)"
            )
            assert len(labels) > len(crowded), f"{unit!r}: only {labels} named"
            shown = [box for _, box in frame["labels"]]
            for i, a in enumerate(shown):
                assert not any(_overlap(a, b) for b in shown[i + 1 :]), f"{unit!r}: overlap at {a}"
            for name, box in frame["crowded"]:
                assert any(_overlap(box, b) for b in shown), f"{unit!r}: {name!r} left out for none"
            assert len(frame["shapes"]) == len(parts[unit]), (
                f"{unit!r}: {len(frame['shapes'])} shapes drawn for its {len(parts[unit])} parts"
            )
            inner = (KIOSK_MARGIN, KIOSK_MARGIN, width - KIOSK_MARGIN, height - KIOSK_MARGIN)
            for shape in frame["shapes"]:
                assert shape[2] - shape[0] > 1 and shape[3] - shape[1] > 1, f"{unit!r}: {shape}"
                assert _within(shape, inner), f"{unit!r}: a shape at {shape} is not in {inner}"
            for name, label in frame["labels"]:
                assert _within(label, (0, 0, width, height)), f"{unit!r}: {name!r} is cut off"
                centre = [(label[0] + label[2]) / 2, (label[1] + label[3]) / 2] * 2
                assert any(_within(centre, shape) for shape in frame["shapes"]), (
                    f"{unit!r}: {name!r} is over no shape"
                )
            theme = frame["theme"]
            assert "Chất lượng không khí" in theme and "Air quality" in theme, theme
            seen.add(unit)
        return seen == set(parts)

    until(look, timeout=90, poll=0.05, msg=f"the kiosk showed only {seen} of {set(parts)}")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


STAFF_PASSWORD = "a long password 1"


def _sign_in(dash_duo, username: str) -> None:
    """Sign in through the real form, as a person would."""
    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.driver.find_element(By.NAME, "username").send_keys(username)
    dash_duo.driver.find_element(By.NAME, "password").send_keys(STAFF_PASSWORD)
    dash_duo.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


@pytest.fixture
def ninh_kieu_staff(monitored_db):
    from geodata.accounts import users

    with monitored_db.begin() as conn:
        users.add_user(conn, "nk.staff", STAFF_PASSWORD, "ward_staff", ["916"])
    return "nk.staff"


def test_ward_staff_sign_in_and_see_only_their_district(ninh_kieu_staff, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _sign_in(dash_duo, ninh_kieu_staff)
    # They open on their district, with its wards drawn and listed, and nothing else.
    _wait_for_breadcrumb(dash_duo, "Ninh Kiều")
    dash_duo.wait_for_contains_text(".account", "nk.staff")
    dash_duo.wait_for_contains_text("#map", "Cái Khế")
    dash_duo.wait_for_contains_text("#unit-children", "Đơn vị trực thuộc (11)")
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    labels = {e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".unit-label")}
    assert "Cái Khế" in labels and not labels & {"Cờ Đỏ", "Thới Lai", "Bình Thủy", "Cần Thơ"}
    # A link to another district shows a refusal, not the district.
    dash_duo.driver.get(dash_duo.server_url + "/?unit=925")
    dash_duo.wait_for_contains_text("#unit-panel", "Bạn không có quyền xem đơn vị này")
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, ".unit-label") == []
    assert "Cờ Đỏ" not in _text(dash_duo, "#breadcrumb")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def _shown(dash_duo, selector: str) -> bool:
    """Whether anything matching ``selector`` is on screen. React may replace an element
    between finding it and asking about it (the page's late parts, such as the chart, go in
    after the map): then it is looked up again."""
    for _ in range(5):
        try:
            elements = dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)
            return any(e.is_displayed() for e in elements)
        except StaleElementReferenceException:
            time.sleep(0.2)
    raise AssertionError(f"{selector} kept being replaced while it was looked at")


def _inside(inner, outer) -> bool:
    a, b = inner.rect, outer.rect
    return (
        b["x"] <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"]
        and b["y"] <= a["y"] and a["y"] + a["height"] <= b["y"] + b["height"]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("search", "message", "audited"),
    [
        ("?unit=925", "Bạn không có quyền xem đơn vị này.", 1),
        ("?unit=99999", "Không có đơn vị mã 99999 vào ngày", 0),
    ],
)
def test_ward_staff_refused_a_unit_or_given_an_unknown_code_see_why_and_a_way_home(
    ninh_kieu_staff, monitored_db, dash_duo, search: str, message: str, audited: int
) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _sign_in(dash_duo, ninh_kieu_staff)
    _wait_for_breadcrumb(dash_duo, "Ninh Kiều")
    before = len(denials(monitored_db))
    dash_duo.driver.get(dash_duo.server_url + "/" + search)
    dash_duo.wait_for_contains_text("#unit-panel .error", message)
    until(dash_duo._wait_for_callbacks, timeout=20)  # every callback of the page has answered
    # The message alone: no empty map, controls, KPIs, chart or breadcrumb, no false excuse.
    for part in ("#map", ".control-bar", "#kpis", "#chart", "#breadcrumb", "#downloads"):
        assert not _shown(dash_duo, part), f"{part} is shown beside the refusal"
    assert "cơ sở dữ liệu" not in _text(dash_duo, "body")
    # One refused page load, one row in the audit log (none when there is nothing to refuse).
    assert len(denials(monitored_db)) == before + audited
    # The window changes size while the map is hidden (a phone turned, a window dragged): the
    # way home still draws their district fitted to the map.
    dash_duo.driver.set_window_size(1100, 800)
    home = dash_duo.find_element("#unit-panel a.home-link")
    assert home.text == "← Về Ninh Kiều"
    home.click()
    _wait_for_breadcrumb(dash_duo, "Ninh Kiều")
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    assert _shown(dash_duo, "#map") and _shown(dash_duo, ".control-bar")
    assert _inside(_settled_label(dash_duo, "Cái Khế"), dash_duo.find_element("#map"))
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_ward_staff_on_a_phone_switch_layers_drill_down_and_read_the_kpis(
    ninh_kieu_staff, dash_duo
) -> None:
    from app import app

    driver = dash_duo.driver
    # A 390-px-wide touch screen (Chromium's device emulation, as its DevTools do it).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    dash_duo.start_server(app, port=PORT)
    _sign_in(dash_duo, ninh_kieu_staff)
    _wait_for_breadcrumb(dash_duo, "Ninh Kiều")
    dash_duo.wait_for_contains_text("#map", "An Cư")
    assert driver.execute_script("return window.innerWidth") == 390
    # Nothing is wider than the screen: no sideways scrolling of the page.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390

    # The KPIs of their district can be scrolled to and read, within the screen's width.
    kpis = dash_duo.wait_for_element("#kpis .kpi-card")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", kpis)
    dash_duo.wait_for_contains_text("#kpis", "Trạm vượt báo động")
    right = driver.execute_script(
        "return Math.max(...[...document.querySelectorAll('#kpis .kpi-card')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert right <= 390
    assert "Ninh Kiều" in _text(dash_duo, "#kpis")

    # Layers switch with a tap: traffic on, its legend appears (tapped open: a phone folds it).
    driver.execute_script("document.getElementById('map').scrollIntoView()")
    dash_duo.find_element("#legend summary").click()
    _toggle_layer(dash_duo, "Giao thông")
    dash_duo.wait_for_contains_text("#legend", "Tình trạng giao thông")
    dash_duo.find_element("#legend summary").click()  # folded again, off the wards

    # A tap on a ward on the map drills down to it.
    _click_unit_on_map(dash_duo, "An Cư")
    _wait_for_breadcrumb(dash_duo, "Ninh Kiều", "An Cư")
    dash_duo.wait_for_contains_text("#unit-panel", "Phường")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


@pytest.fixture
def kiosk_on_a_private_database():
    """gunicorn serving the kiosk from its own PostgreSQL cluster, which the test may stop."""
    import os
    import subprocess
    import sys

    from tests.pgcluster import PrivateCluster
    from tests.servers import ROOT, gunicorn

    cluster = PrivateCluster()
    try:
        cluster.start()
        cluster.prepare()
        env = {"DATABASE_URL": cluster.url}
        for args in (["db", "upgrade"], ["sample", "--days", "1", "--no-reform"]):
            subprocess.run([sys.executable, "-m", "geodata", *args], cwd=ROOT,
                           env={**os.environ, **env}, check=True, capture_output=True)  # fmt: skip
        with gunicorn(env, workers=1, args=("--threads", "4")) as (base, _):
            yield base, cluster
    finally:
        cluster.remove()


def _banner_shown(dash_duo) -> bool:
    banner = dash_duo.driver.find_element(By.ID, "kiosk-banner")
    return banner.get_attribute("hidden") is None and "Mất kết nối" in banner.text


def test_the_kiosk_keeps_its_data_through_a_database_stop_and_recovers_by_itself(
    kiosk_on_a_private_database, dash_duo
) -> None:
    base, cluster = kiosk_on_a_private_database
    driver = dash_duo.driver
    driver.set_window_size(1920, 1080)
    driver.get(base + "/kiosk?rotate=3&layers=flood,air")
    dash_duo.wait_for_contains_text(".kiosk-foot", "Cập nhật lúc", timeout=20)
    until(lambda: _kiosk_title(dash_duo)[0] != "", timeout=10)
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")) > 5, 10)

    cluster.stop()  # PostgreSQL goes away for real
    until(lambda: _banner_shown(dash_duo), timeout=20, msg="no banner after the database stopped")
    banner = _text(dash_duo, "#kiosk-banner")
    assert re.fullmatch(r"Mất kết nối — dữ liệu lúc \d\d:\d\d", banner), banner
    # The last data stays on screen: the unit's name, its shapes and the legend.
    assert _kiosk_title(dash_duo)[0] != ""
    assert len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")) > 5
    assert "Chú giải" in _text(dash_duo, ".kiosk-side")
    time.sleep(4)  # at least one more rotation step while the database is down
    assert _banner_shown(dash_duo)

    cluster.start()
    until(lambda: not _banner_shown(dash_duo), timeout=30, msg="the kiosk did not recover")
    dash_duo.wait_for_contains_text(".kiosk-foot", "Cập nhật lúc", timeout=10)
    first = _kiosk_title(dash_duo)
    until(
        lambda: _kiosk_title(dash_duo) != first,
        timeout=10,
        msg="the kiosk stopped rotating after the database came back",
    )
