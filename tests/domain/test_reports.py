"""The rules of citizens' reports: tracking codes, lateness, reopening, status colours."""

from __future__ import annotations

import datetime as dt

from domain import reports

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_a_tracking_code_is_short_unambiguous_and_fresh_each_time() -> None:
    codes = {reports.new_tracking_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        assert code.startswith("PA-") and len(code) == 10
        assert not set(code[3:]) & set("0O1IB8S5Z2")  # nothing read as another character


def test_a_code_is_found_however_it_was_typed() -> None:
    assert reports.normal_code(" pa-7kq 3mxa ") == "PA-7KQ3MXA"
    assert reports.normal_code("7kq3mxa") == "PA-7KQ3MXA"
    # A report kept from before tracking codes keeps its own code.
    assert reports.normal_code("demo-flood-3") == "demo-flood-3"


def test_a_report_is_late_when_a_deadline_passed_before_its_step_was_done() -> None:
    ack, resolve = T0 + 3 * HOUR, T0 + 5 * HOUR
    assert not reports.is_overdue("received", ack, resolve, T0 + 2 * HOUR)
    assert reports.is_overdue("received", ack, resolve, T0 + 4 * HOUR)
    assert not reports.is_overdue("acknowledged", ack, resolve, T0 + 4 * HOUR)
    assert reports.is_overdue("in_progress", ack, resolve, T0 + 6 * HOUR)
    assert not reports.is_overdue("resolved", ack, resolve, T0 + 6 * HOUR)
    assert not reports.is_overdue("received", None, None, T0 + 600 * HOUR)  # no deadline known


def test_a_closed_report_may_be_reopened_within_14_days_only() -> None:
    assert reports.may_reopen("resolved", T0, T0 + dt.timedelta(days=14))
    assert not reports.may_reopen("resolved", T0, T0 + dt.timedelta(days=14, seconds=1))
    assert not reports.may_reopen("in_progress", None, T0)


def test_a_closed_report_is_green_only_when_fixed() -> None:
    assert reports.status_colour("resolved", "fixed") == reports.STATUS_COLOURS["resolved"]
    assert reports.status_colour("resolved", "spam") == reports.CLOSED_UNFIXED_COLOUR
    assert reports.status_colour("received", None) == reports.STATUS_COLOURS["received"]
