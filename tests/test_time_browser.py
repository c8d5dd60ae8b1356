"""The time control in a real headless Chromium: play and stop come back to live, the pickers and
the label agree, and a moment without data says so instead of showing zeros."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.servers import free_port
from tests.test_app_browser import _text, _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()
NO_DATA = "Không có số liệu cho thời điểm này"


def _live(dash_duo) -> bool:
    return _text(dash_duo, "#time-label").startswith("● Số liệu lúc")


def _mode(dash_duo) -> str:
    return dash_duo.find_element("#time-mode input:checked").get_attribute("value")


def _open_live(dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    until(lambda: _live(dash_duo), timeout=15, msg="the page did not open live")
    assert _mode(dash_duo) == "live"


def test_play_seven_days_from_live_then_stop_is_live_again(monitored_db, dash_duo) -> None:
    _open_live(dash_duo)
    live = _text(dash_duo, "#time-label")

    dash_duo.find_element("#play-7d").click()
    until(lambda: not _live(dash_duo), timeout=10, msg="play did not start")
    dash_duo.find_element("#play-stop").click()
    until(lambda: _live(dash_duo), timeout=10, msg=f"Stop left {_text(dash_duo, '#time-label')}")
    assert _text(dash_duo, "#time-label") == live
    assert _mode(dash_duo) == "live"
    until(lambda: "at=" not in dash_duo.driver.current_url, timeout=5)

    # While the past plays, the page does not claim to be live; "Live" goes back to live.
    dash_duo.find_element("#play-24h").click()
    until(lambda: not _live(dash_duo), timeout=10, msg="play did not start")
    assert _mode(dash_duo) == "history"
    dash_duo.find_element("#time-mode input[value=live]").click()
    until(lambda: _live(dash_duo), timeout=10, msg="Live did not go back to live")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


# Every change of the time label or the hour box, as it happens, in the page itself.
_RECORD_TIME_CHANGES = """
window.timeChanges = [];
const read = () => [document.getElementById('time-label').innerText,
                    document.getElementById('time-hour').innerText];
new MutationObserver(() => {
  const now = read(), last = window.timeChanges[window.timeChanges.length - 1];
  if (!last || now[0] !== last[0] || now[1] !== last[1]) { window.timeChanges.push(now); }
}).observe(document.querySelector('.control-bar'),
           {subtree: true, childList: true, characterData: true});
"""


def test_during_play_the_hour_box_never_runs_ahead_of_the_label(monitored_db, dash_duo) -> None:
    _open_live(dash_duo)
    dash_duo.driver.execute_script(_RECORD_TIME_CHANGES)
    dash_duo.find_element("#play-7d").click()

    def moments_played() -> set[str]:
        changes = dash_duo.driver.execute_script("return window.timeChanges")
        return {label for label, _ in changes if not label.startswith("●")}

    until(lambda: len(moments_played()) >= 4, timeout=20, msg="the play did not move on")
    dash_duo.find_element("#play-stop").click()
    changes = dash_duo.driver.execute_script("return window.timeChanges")
    # The hour box shows only hours the label has already shown: never the next step's.
    labelled: set[str] = set()
    for label, hour in changes:
        if label.startswith("●"):  # live, before the play began
            continue
        labelled.add(label.split()[-2])  # "Số liệu lúc HH:MM dd/mm/yyyy"
        assert hour in labelled | {"Giờ"}, f"the hour box said {hour} beside {label!r}"


def _hour_options(dash_duo) -> list[tuple[int, bool]]:
    """The hour picker's open list: each hour and whether it can be picked."""
    options = dash_duo.driver.find_elements(By.CSS_SELECTOR, "[role=option]")
    return [
        (int(o.text[:2]), o.find_element(By.TAG_NAME, "input").is_enabled())
        for o in options
        if re.fullmatch(r"\d\d:00", o.text)
    ]


def _day_box(dash_duo) -> str:
    return dash_duo.find_element("#time-day").get_attribute("value")


def test_a_day_picked_alone_keeps_the_hour_and_the_hour_box_says_which(
    monitored_db, dash_duo
) -> None:
    from web.request import today

    _open_live(dash_duo)
    shown_hour = _text(dash_duo, "#time-label").split()[4]  # "● Số liệu lúc HH:MM dd/mm/yyyy"

    # History starts on the moment shown: the boxes say it.
    dash_duo.find_element("#time-mode input[value=history]").click()
    until(lambda: _text(dash_duo, "#time-hour") == shown_hour, timeout=10)
    assert _day_box(dash_duo) == f"{today():%d/%m/%Y}"

    # Yesterday, picked alone: the same hour yesterday, in the hour box and in the label.
    yesterday = today() - dt.timedelta(days=1)
    picker = dash_duo.find_element("#time-day")
    picker.send_keys(Keys.CONTROL, "a")
    picker.send_keys(f"{yesterday:%d/%m/%Y}", Keys.ENTER)
    dash_duo.find_element("h1").click()  # close the calendar
    moment = f"{shown_hour} {yesterday:%d/%m/%Y}"
    until(lambda: _text(dash_duo, "#time-label") == f"Số liệu lúc {moment}", timeout=10,
          msg=f"the label reads {_text(dash_duo, '#time-label')!r}")  # fmt: skip
    assert _text(dash_duo, "#time-hour") == shown_hour
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []


def test_days_without_data_cannot_be_picked_and_a_link_to_one_says_no_data(
    monitored_db, dash_duo
) -> None:
    _open_live(dash_duo)
    dash_duo.find_element("#time-mode input[value=history]").click()
    until(lambda: _day_box(dash_duo) != "", timeout=10)
    picked = _text(dash_duo, "#time-label")

    # A day after the latest data is refused by the picker: the moment stays.
    picker = dash_duo.find_element("#time-day")
    picker.send_keys(Keys.CONTROL, "a")
    picker.send_keys("01/01/2027", Keys.ENTER)
    dash_duo.find_element("h1").click()
    until(lambda: _day_box(dash_duo) != "01/01/2027", timeout=5, msg="01/01/2027 was taken")
    assert _text(dash_duo, "#time-label") == picked
    # So are the hours after the latest data on the last day.
    latest = int(picked.split()[3][:2])  # "Số liệu lúc HH:MM dd/mm/yyyy"
    dash_duo.find_element("#time-hour").click()
    until(lambda: len(_hour_options(dash_duo)) == 24, timeout=5)
    offered = [hour for hour, enabled in _hour_options(dash_duo) if enabled]
    assert offered == list(range(latest + 1)), offered
    dash_duo.find_element("h1").click()

    # A shared link to a moment without data says so, instead of 0,00 km² flooded.
    dash_duo.driver.get(dash_duo.server_url + "/?at=2027-01-01T10:00")
    until(lambda: NO_DATA in _text(dash_duo, "#time-label"), timeout=15,
          msg=f"the label reads {_text(dash_duo, '#time-label')!r}")  # fmt: skip
    assert "10:00 01/01/2027" in _text(dash_duo, "#time-label")
    dash_duo.wait_for_contains_text("#kpis", NO_DATA)
    assert "km²" not in _text(dash_duo, "#kpis")
    assert [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"] == []
