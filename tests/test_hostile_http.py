"""Hostile names (tests/hostile.py) in every page and file the server writes, over real HTTP
against gunicorn: shown as text in the OGC, audit and sign-in pages, printed as written on the
map, and never a formula in a CSV download or the audit log's export."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from markupsafe import escape
from pypdf import PdfReader

from geodata.accounts import users
from tests.hostile import (
    FACILITY_NAMES,
    FORMULA,
    FORMULA_LEADS,
    GAUGE,
    LONG,
    MARKUP,
    MATH,
    QUOTED,
    REPORT,
    HostileCity,
    load_hostile_city,
)
from tests.test_http_access import PASSWORD, _csrf, _sign_in

NINH_KIEU = "916"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def city(engine, tmp_path_factory) -> HostileCity:
    loaded = load_hostile_city(engine, Path(tmp_path_factory.mktemp("hostile")))
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
    return loaded


def _csv(response: requests.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class _Tags(HTMLParser):
    """The elements of a page, as a browser would build them: (tag, attributes)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _as_text(page: str, *names: str) -> None:
    """Each name is in the page as escaped text, and none of its markup made an element."""
    for name in names:
        assert str(escape(name)) in page, f"{name[:40]!r} is not shown"
    made = [
        (tag, attrs)
        for tag, attrs in _Tags(page).found
        if tag == "b" or "example.invalid" in (attrs.get("href") or "").split("?")[0]
    ]
    assert made == [], f"elements made from a name: {made}"


def _no_formula(rows: list[list[str]]) -> None:
    """No text cell starts a formula; numbers (a level of -0.3 m) are numbers."""
    leading = [cell for row in rows for cell in row
               if cell.startswith(FORMULA_START) and not _number(cell)]  # fmt: skip
    assert leading == [], f"cells a spreadsheet reads as formulas: {leading}"


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# --- CSV downloads ------------------------------------------------------------------------------


def test_a_download_shows_formula_names_as_text_and_keeps_negative_numbers_numeric(
    server, city
) -> None:
    official = _sign_in(server, "official")
    rows = _csv(official.get(server + "/download/facilities.csv", params={"unit": NINH_KIEU},
                             timeout=10))  # fmt: skip
    name = rows[0].index("Tên")
    names = {row[name] for row in rows[1:]}
    for hostile in FACILITY_NAMES:
        shown = "'" + hostile if hostile in FORMULA_LEADS else hostile
        assert shown in names, f"{hostile[:40]!r} is not in the download as {shown[:40]!r}"
    _no_formula(rows)
    gauges = _csv(official.get(server + "/download/gauges.csv", params={"unit": NINH_KIEU},
                               timeout=10))  # fmt: skip
    mine = next(row for row in gauges if MARKUP in row)
    # Alert levels below the datum are numbers, written as numbers: no apostrophe.
    assert mine[gauges[0].index("Báo động I (m)")] == str(GAUGE["alert_1"])
    assert mine[gauges[0].index("Báo động II (m)")] == str(GAUGE["alert_2"])


def test_no_download_of_any_layer_holds_a_formula(server, city) -> None:
    from geodata.monitoring import catalogue

    LAYERS = [x.name for x in catalogue.downloads()]

    official = _sign_in(server, "official")
    for layer in LAYERS:
        response = official.get(server + f"/download/{layer}.csv", params={"unit": NINH_KIEU},
                                timeout=10)  # fmt: skip
        rows = _csv(response)
        _no_formula(rows)
        if layer == "reports":  # a citizen's own words
            assert "'" + REPORT in {row[rows[0].index("Mô tả")] for row in rows[1:]}


# --- the audit log: who typed what --------------------------------------------------------------


def _failed_sign_in(base: str, username: str) -> requests.Response:
    session = requests.Session()
    token = _csrf(session, base)
    return session.post(base + "/login", data={"csrf_token": token, "username": username,
                                               "password": "not it"}, timeout=10)  # fmt: skip


def test_the_sign_in_page_gives_back_a_typed_name_as_text(server, city) -> None:
    answer = _failed_sign_in(server, MARKUP)
    assert answer.status_code == 401
    _as_text(answer.text, MARKUP)


def test_the_audit_log_shows_typed_names_and_filters_as_text_and_exports_no_formula(
    server, city
) -> None:
    # People type these: as the name to sign in with, and into the log's own filters.
    for typed in (MARKUP, FORMULA, QUOTED):
        _failed_sign_in(server, typed)
    official = _sign_in(server, "official")
    official.get(server + "/audit.csv", params={"user": MARKUP}, timeout=10)  # in the detail now
    page = official.get(server + "/audit", timeout=10)
    assert page.status_code == 200
    # Usernames are kept in lower case.
    _as_text(page.text, MARKUP.lower(), FORMULA.lower(), QUOTED.lower())
    assert str(escape(f"Người dùng: {MARKUP}")) in page.text  # the export's filters, in words
    filtered = official.get(server + "/audit", params={"user": MARKUP}, timeout=10)
    _as_text(filtered.text, MARKUP)  # the filter box gives the text back as typed
    rows = _csv(official.get(server + "/audit.csv", timeout=10))
    _no_formula(rows)
    user = rows[0].index("Người dùng")
    assert "'" + FORMULA.lower() in {row[user] for row in rows[1:]}


# --- the OGC API's pages for browsers -----------------------------------------------------------


def _html(base: str, path: str, **params: Any) -> str:
    response = requests.get(base + "/ogc/" + path, params={"f": "html", **params},
                            headers={"Accept": BROWSER_ACCEPT}, timeout=30)  # fmt: skip
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_the_ogc_pages_show_names_from_files_as_text(server, city) -> None:
    units = _html(server, "collections/admin-units/items", limit=1000)
    _as_text(units, MARKUP, FORMULA, QUOTED, MATH, LONG)
    facilities = _html(server, "collections/facilities/items", limit=1000)
    _as_text(facilities, *FACILITY_NAMES)
    gauges = _html(server, "collections/water-level-gauges/items", limit=1000)
    _as_text(gauges, MARKUP)


# --- the printed map ----------------------------------------------------------------------------


def test_the_printed_map_prints_names_as_written(server, city) -> None:
    response = requests.get(server + "/print/map.pdf", params={"unit": NINH_KIEU}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    printed = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    # The wards' labels: "$x^2$" as those five characters, not x with a raised 2.
    assert MATH in printed
    # The title: the district's name, tags and all (as much of it as fits beside the moment).
    assert 'Quận <b style="font-size:40px' in printed
