"""Pages left running unattended recover by themselves when a script or a callback fails to load
(assets/watchdog.js): a banner says the connection is lost, and the page tries again with
back-off until it is drawn. Never "Loading..." for ever.

The faults are real HTTP 500 answers from the real server, injected in front of the app for the
first requests that match (the way a freshly started worker used to answer them).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.servers import free_port

pytestmark = pytest.mark.browser

BANNER_VI = "Mất kết nối — đang thử kết nối lại"


class FirstRequestsFail:
    """WSGI middleware: the first ``count`` requests that ``matches`` answer 500."""

    def __init__(self, app: Any, matches: Callable[[str, bytes], bool], count: int) -> None:
        self.app, self.matches, self.left = app, matches, count
        self.failed: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")
        if self.left > 0 and self.matches(path, body):
            self.left -= 1
            self.failed.append(path)
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [b"injected fault"]
        return self.app(environ, start_response)


def _inject(monkeypatch, matches: Callable[[str, bytes], bool], count: int) -> FirstRequestsFail:
    from app import server

    faults = FirstRequestsFail(server.wsgi_app, matches, count)
    monkeypatch.setattr(server, "wsgi_app", faults)
    return faults


def _banner(dash_duo) -> str:
    found = dash_duo.driver.find_elements(By.CSS_SELECTOR, ".recovery-banner")
    return found[0].text if found else ""


def _breadcrumb(dash_duo) -> str:
    """The breadcrumb's units, without spaces or the selected unit's validity ("(từ …)")."""
    try:
        found = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#breadcrumb")
        text = found[0].text if found else ""
    except StaleElementReferenceException:  # re-drawn while read: read again next time
        return ""
    return re.sub(r"\(.*\)$", "", "".join(text.split()))


def test_a_script_that_fails_to_load_is_tried_again_until_the_page_is_drawn(
    demo_db, dash_duo, monkeypatch
) -> None:
    from app import app

    faults = _inject(monkeypatch, lambda path, _: "/deps/react-dom@" in path, 1)
    dash_duo.start_server(app, port=free_port())
    # The browser shows the banner while it waits to try again, then the page comes up whole.
    until(lambda: _banner(dash_duo) == BANNER_VI, timeout=20, msg="no banner after the fault")
    until(lambda: _breadcrumb(dash_duo) == "CầnThơ", timeout=60, msg="the page never came up")
    dash_duo.wait_for_contains_text("#map", "Ninh Kiều")
    assert _banner(dash_duo) == ""
    assert faults.failed and faults.left == 0


def test_a_layout_that_fails_to_load_on_the_kiosk_is_tried_again_under_a_large_banner(
    monitored_db, dash_duo, monkeypatch
) -> None:
    from app import app

    faults = _inject(monkeypatch, lambda path, _: path.endswith("/_dash-layout"), 2)
    dash_duo.start_server(app, port=free_port(), navigate=False)
    dash_duo.driver.get(dash_duo.server.url + "/kiosk?rotate=60")
    until(lambda: _banner(dash_duo) == BANNER_VI, timeout=20, msg="no banner after the fault")
    assert "on-kiosk" in dash_duo.find_element(".recovery-banner").get_attribute("class")
    until(
        lambda: dash_duo.driver.find_elements(By.CSS_SELECTOR, ".kiosk-clock"),
        timeout=60,
        msg="the kiosk never came up",
    )
    assert faults.left == 0


def _kpis(dash_duo) -> str:
    """The unit's figures as written (shown or folded away on a narrow window)."""
    try:
        found = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#kpis")
        return (found[0].get_attribute("textContent") or "").strip() if found else ""
    except StaleElementReferenceException:  # re-drawn while read: read again next time
        return ""


def test_a_callback_that_fails_raises_the_banner_and_the_page_reloads_until_it_is_answered(
    monitored_db, dash_duo, monkeypatch
) -> None:
    from app import app

    # The unit's figures fail on the first load. (The units and the breadcrumb come with the
    # layout itself: no callback of theirs to fail.)
    faults = _inject(
        monkeypatch,
        lambda path, body: path.endswith("/_dash-update-component") and b'"kpis.children"' in body,
        1,
    )
    dash_duo.start_server(app, port=free_port())
    until(lambda: _banner(dash_duo) == BANNER_VI, timeout=20, msg="no banner after the fault")
    assert _kpis(dash_duo) == ""
    until(lambda: _kpis(dash_duo) != "", timeout=90, msg="the page never recovered")
    assert _breadcrumb(dash_duo) == "CầnThơ"
    assert _banner(dash_duo) == ""
    assert faults.left == 0


def test_the_page_before_its_scripts_run_speaks_the_reader_s_language(demo_db, dash_duo) -> None:
    import requests

    from app import app

    dash_duo.start_server(app, port=free_port(), navigate=False)
    page = requests.get(dash_duo.server.url + "/", timeout=10).text
    assert "Đang tải…" in page and "Loading..." not in page
    assert f'data-offline="{BANNER_VI}"' in page
    english = requests.get(dash_duo.server.url + "/", cookies={"lang": "en"}, timeout=10).text
    assert "Loading…" in english and 'data-offline="Connection lost — trying again"' in english
    # The kiosk speaks its own lang parameter, read as the kiosk reads it.
    both = requests.get(dash_duo.server.url + "/kiosk?lang=both", timeout=10).text
    assert f'data-offline="{BANNER_VI} · Connection lost — trying again"' in both
    unknown = requests.get(dash_duo.server.url + "/kiosk?lang=xx", cookies={"lang": "en"},
                           timeout=10).text  # fmt: skip
    assert f'data-offline="{BANNER_VI}"' in unknown
