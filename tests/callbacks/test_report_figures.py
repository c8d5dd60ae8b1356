"""The panel's section "Phản ánh của người dân": the selected unit's figures of the last 30 days,
in the reader's language, honest about what has nothing to measure, and only for a unit the
caller may open."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callbacks.report_figures import show_report_figures
from tests.callers import add_ward_staff, signed_in
from tests.reports_set import DESCRIPTION, add_report_set


def _texts(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False, default=lambda c: c.to_plotly_json())


@pytest.fixture
def reports(demo_db):
    add_report_set(demo_db)
    return demo_db


def test_the_panel_shows_the_unit_s_figures_in_vietnamese(reports) -> None:
    panel = _texts(show_report_figures("?unit=91601", 0))
    for shown in ("Phản ánh của người dân", "30 ngày qua", "Phản ánh tiếp nhận", '"4"',
                  "1 quá hạn", "75 %", "trên 4 phản ánh đến hạn", "3,7/5", "67 %",
                  "tính theo ngày làm việc", "/thong-ke-phan-anh?unit=91601"):  # fmt: skip
        assert shown in panel, shown
    # The weekly trend: its bars say their numbers.
    assert "tiếp nhận, " in panel and "trend-week" in panel
    # Figures, never a report: no description, name or phone.
    assert "Rác đổ" not in panel and "Lan" not in panel and "0901234567" not in panel


def test_the_panel_speaks_english_to_an_english_reader(reports) -> None:
    from app import server

    with server.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert server.preprocess_request() is None
        panel = _texts(show_report_figures("?unit=916", 0))
    for shown in ("Citizens' reports", "last 30 days", "Reports received", "Acknowledged on time",
                  "of 4 due", "3.7/5", "67 %", "in working days"):  # fmt: skip
        assert shown in panel, shown
    assert "Phản ánh tiếp nhận" not in panel


def test_a_unit_without_reports_says_so_instead_of_zero_per_cent(reports) -> None:
    panel = _texts(show_report_figures("?unit=92401", 0))
    assert "Chưa có phản ánh nào trong thời gian này." in panel
    assert "chưa có phản ánh đến hạn" in panel and "chưa có lượt đánh giá" in panel
    assert "chưa có phản ánh được giải quyết" in panel
    assert "%" not in panel and "trend-week" not in panel


def test_a_ward_s_staff_get_no_figures_for_a_unit_outside_their_own(reports) -> None:
    add_ward_staff(reports, "canbo-ninhkieu", ["916"])
    with signed_in("canbo-ninhkieu"):
        assert show_report_figures("?unit=919", 0) == []
        own = _texts(show_report_figures("?unit=91601", 0))
    # And the same numbers as the public's for their own.
    assert "75 %" in own and "3,7/5" in own
    assert DESCRIPTION not in own
