"""The public statistics page of citizens' reports (/thong-ke-phan-anh), served by gunicorn and
read over real HTTP: a unit and a period, the figures in the reader's language, the weekly trend
as a chart and a table, nothing from another site, and "no data" said as such."""

from __future__ import annotations

import html
import re

import pytest
import requests

from tests.reports_set import DESCRIPTION, add_report_set

PAGE = "/thong-ke-phan-anh"


@pytest.fixture
def reports(demo_db):
    add_report_set(demo_db)
    return demo_db


def _text(page: requests.Response) -> str:
    """The page's words, without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def _get(server: str, query: str, lang: str = "vi") -> requests.Response:
    return requests.get(server + PAGE + query, cookies={"lang": lang}, timeout=30)


def test_a_district_s_figures_in_vietnamese_with_the_trend_as_a_chart_and_a_table(
    server, reports
) -> None:
    page = _get(server, "?unit=916&period=30")
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    words = _text(page)
    for shown in ("Thống kê phản ánh của người dân", "Ninh Kiều", "30 ngày qua",
                  "Phản ánh tiếp nhận", "Tiếp nhận đúng hạn", "75 %", "trên 4 phản ánh đến hạn",
                  "3,7/5", "67 %", "tính theo ngày làm việc", "Tuần từ"):  # fmt: skip
        assert shown in words, shown
    received = re.search(r'data-figure="received".*?kpi-value[^>]*>([^<]+)<', page.text, re.S)
    overdue = re.search(r'data-figure="overdue".*?kpi-value[^>]*>([^<]+)<', page.text, re.S)
    assert received and received.group(1) == "4" and overdue and overdue.group(1) == "1"
    assert "<svg" in page.text and "<table" in page.text and "<rect" in page.text
    # The table adds up to what came in.
    rows = re.findall(r'<th scope="row">[^<]+</th><td>(\d+)</td>', page.text)
    assert sum(int(n) for n in rows) == 4
    # Figures, never a report's words or its sender.
    assert DESCRIPTION not in words and "Lan" not in words
    # Everything it loads is ours.
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert all(not re.match(r"^(https?:)?//", ref) for ref in refs), refs


def test_the_same_page_in_english_through_the_language_switch(server, reports) -> None:
    page = _get(server, "?unit=916&period=90", lang="en")
    words = _text(page)
    assert '<html lang="en">' in page.text
    for shown in ("Citizens' reports: figures", "last 90 days", "Reports received",
                  "Acknowledged on time", "75 %", "of 4 due", "3.7/5", "in working days",
                  "Week of"):  # fmt: skip
        assert shown in words, shown
    # The switch goes to the route that sets the cookie and comes back here.
    assert 'href="/lang/vi"' in page.text
    switched = requests.get(
        server + "/lang/en", headers={"Referer": server + PAGE + "?unit=916"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert switched.status_code == 302 and switched.headers["Location"].endswith(PAGE + "?unit=916")


def test_a_unit_without_reports_says_there_is_nothing_to_measure(server, reports) -> None:
    for lang, none, due in (
        ("vi", "Chưa có phản ánh nào trong thời gian này.", "chưa có phản ánh đến hạn"),
        ("en", "No reports in this period.", "no report due yet"),
    ):
        page = _get(server, "?unit=92401&period=365", lang)
        words = _text(page)
        assert page.status_code == 200 and none in words and due in words
        assert "%" not in words and "<svg" not in page.text


def test_the_city_and_its_districts_are_offered_and_an_unknown_unit_is_not_found(
    server, reports
) -> None:
    page = _get(server, "")
    units = re.search(r'<select name="unit">(.*?)</select>', page.text, re.S)
    assert units
    codes = re.findall(r'<option value="(\d+)"', units.group(1))
    # The city first, then its nine districts (by name).
    assert codes[0] == "92" and sorted(codes[1:]) == [
        "916", "917", "918", "919", "923", "924", "925", "926", "927",
    ]  # fmt: skip
    assert '<option value="92" selected>Cần Thơ</option>' in page.text
    # A ward asked for by its code is shown, and offered in the list.
    ward = _get(server, "?unit=91601")
    assert ward.status_code == 200 and '<option value="91601" selected>' in ward.text
    missing = _get(server, "?unit=99999")
    assert missing.status_code == 404 and "99999" in _text(missing)
    # A period the page does not offer is its first.
    assert "30 ngày qua" in _text(_get(server, "?unit=916&period=7"))
