"""The figures of citizens' reports as people read them: numbers in the reader's locale, times in
working days, and a sentence, not 0 %, where there is nothing to measure."""

from __future__ import annotations

import datetime as dt

from domain.report_figures import Figures, Week
from layouts.report_figures import shown_figures, trend_bars

MEASURED = Figures(
    received=1250, open=40, overdue=3, resolved=1210, acknowledged_on_time=0.9512,
    resolved_on_time=0.875, median_days_to_acknowledge=1.46, median_days_to_resolve=1.0,
    average_rating=4.04, rated_4_or_more=0.76, rated=600, ack_measured=1240,
    resolve_measured=1230,
)  # fmt: skip
NOTHING = Figures(0, 0, 0, 0, None, None, None, None, None, None, 0)


def _values(figures: Figures, lang: str, days: int = 30) -> dict[str, tuple[str, str]]:
    return {s.key: (s.value, s.detail) for s in shown_figures(figures, days, lang)}


def test_figures_are_written_the_vietnamese_way_and_the_english_way() -> None:
    vi, en = _values(MEASURED, "vi"), _values(MEASURED, "en")
    assert vi["received"] == ("1.250", "30 ngày qua") and en["received"] == (
        "1,250",
        "last 30 days",
    )
    assert vi["ack_on_time"] == ("95 %", "trên 1.240 phản ánh đến hạn")
    assert en["ack_on_time"] == ("95 %", "of 1,240 due")
    assert vi["median_ack"] == ("1,5 ngày", "tính theo ngày làm việc")
    assert en["median_ack"] == ("1.5 days", "in working days")
    assert en["median_resolve"][0] == "1.0 day"
    assert vi["rating"] == ("4,0/5", "trên 600 lượt đánh giá") and vi["rated_good"][0] == "76 %"
    assert _values(MEASURED, "vi", 365)["received"][1] == "12 tháng qua"


def test_nothing_to_measure_is_said_never_shown_as_zero_per_cent() -> None:
    vi, en = _values(NOTHING, "vi"), _values(NOTHING, "en")
    assert vi["received"][0] == "0" and vi["overdue"][0] == "0"  # counts are counts
    assert vi["ack_on_time"][0] == vi["resolved_on_time"][0] == "chưa có phản ánh đến hạn"
    assert vi["median_ack"][0] == "chưa có phản ánh được tiếp nhận"
    assert vi["median_resolve"][0] == "chưa có phản ánh được giải quyết"
    assert vi["rating"][0] == vi["rated_good"][0] == "chưa có lượt đánh giá"
    assert en["ack_on_time"][0] == "no report due yet" and en["rating"][0] == "no ratings yet"
    assert not any("%" in value or "%" in detail for value, detail in [*vi.values(), *en.values()])
    assert all(s.missing for s in shown_figures(NOTHING, 30, "vi")[3:])


def test_the_trend_s_bars_are_scaled_to_the_busiest_week_and_say_their_numbers() -> None:
    weeks = [Week(dt.date(2026, 11, 2), 40, 10), Week(dt.date(2026, 11, 9), 20, 30)]
    first, second = trend_bars(weeks, "vi")
    assert (first.received_pct, first.resolved_pct, second.resolved_pct) == (100, 25, 75)
    assert first.title == "Tuần từ 2 thg 11, 2026: 40 tiếp nhận, 10 đã đóng"
    assert trend_bars([Week(dt.date(2026, 11, 2), 0, 0)], "en")[0].received_pct == 0
