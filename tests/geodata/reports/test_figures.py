"""The figures of citizens' reports per unit and period, on a hand-made set whose answers are
worked out by hand: counts, shares on time, medians in working days, ratings, the weekly trend,
and what is not counted (spam, hidden, duplicates, before the period, another district).

The set, in November 2026 (no public holiday between the 9th and the 23rd), all in ward 91601 of
Ninh Kiều (916) unless said:

====  =================  ====================  ====================  ==========  ======
      received           acknowledged          resolved              working     rating
                                                                     days ack /
                                                                     resolve
====  =================  ====================  ====================  ==========  ======
A     Mon 9, 08:00       Mon 9, 20:00          Tue 10, 08:00         0.5 / 1     5
B     Mon 9, 08:00       Wed 11, 08:00         Fri 13, 08:00         2 / 4       4
C     Fri 13, 12:00      Mon 16, 12:00         Mon 23, 12:00 (late)  1 / 6       2
D     Mon 16, 10:00      never (overdue)       never                 — / —       —
I     Tue 10, 09:00      Tue 10, 10:00         Wed 11, 09:00         1/24 / 1    —
====  =================  ====================  ====================  ==========  ======

C waits from Friday noon to Monday noon: one working day, not three calendar days. B is routed to
the district (a unit above the ward: found by its point), D to no unit at all (found by its
point too). I is in Cái Răng (919): counted for the city only. Not counted anywhere: spam, a
hidden report, a duplicate of A, and one received on Sunday 8th, before the period.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.clock import CITY_TZ
from domain.report_figures import Week
from domain.workdays import WorkCalendar
from geodata.db import Scope, scope
from geodata.reports import service
from geodata.reports.figures import last_days, refresh_rollup, unit_figures, weekly
from geodata.reports.service import Action, NewReport

CAI_RANG = (105.77, 9.99)  # a point in Cái Răng (919)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=CITY_TZ)


START, NOW = at(9, 0), at(30, 10)


def _report(conn, point, received, ack=None, resolved=None, rating=None, **act) -> int:
    sent = service.submit(
        conn, NewReport("waste", point[0], point[1], "Rác"), received, received.date()
    )
    if ack:
        service.act(conn, sent.id, Action("acknowledge"), "canbo", ack)
    if resolved:
        service.act(conn, sent.id, Action("resolve", resolution="fixed"), "canbo", resolved)
    if rating:
        service.rate(conn, sent.code, rating, None, resolved + dt.timedelta(hours=1))
    return sent.id


@pytest.fixture
def units(demo_db: Engine) -> dict[str, int]:
    """The hand-made set in the demo city; the ids of the units by code."""
    with demo_db.begin() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM admin_unit")).all())
        ward = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                "FROM admin_unit WHERE code = '91601') s"
            )
        ).one()
        a = _report(conn, ward, at(9, 8), at(9, 20), at(10, 8), 5)
        b = _report(conn, ward, at(9, 8), at(11, 8), at(13, 8), 4)
        _report(conn, ward, at(13, 12), at(16, 12), at(23, 12), 2)
        d = _report(conn, ward, at(16, 10))
        _report(conn, CAI_RANG, at(10, 9), at(10, 10), at(11, 9))
        spam = _report(conn, ward, at(10, 9))
        service.act(conn, spam, Action("resolve", resolution="spam"), "canbo", at(10, 10))
        hidden = _report(conn, ward, at(10, 9), at(10, 10))
        service.act(conn, hidden, Action("publish", hidden=True), "canbo", at(10, 11))
        duplicate = _report(conn, ward, at(9, 9))
        code_a = conn.scalar(text("SELECT code FROM citizen_report WHERE id = :id"), {"id": a})
        service.act(conn, duplicate, Action("duplicate", duplicate_of=code_a), "canbo", at(9, 10))
        _report(conn, ward, at(8, 9), at(9, 9), at(9, 10), 1)  # Sunday, before the period
        conn.execute(
            text("UPDATE citizen_report SET admin_unit_id = :u WHERE id = :id"),
            {"u": ids["916"], "id": b},
        )
        conn.execute(
            text("UPDATE citizen_report SET admin_unit_id = NULL WHERE id = :id"), {"id": d}
        )
    return ids


def _figures(engine: Engine, unit_id: int, start: dt.datetime = START):
    # As the public reads them: the pages and the kiosk do.
    with scope(Scope.public()), engine.connect() as conn:
        return unit_figures(conn, unit_id, start, NOW, NOW)


@pytest.mark.parametrize("code", ["91601", "916"])
def test_a_unit_s_figures_count_its_reports_and_measure_them_in_working_days(
    demo_db, units, code
) -> None:
    f = _figures(demo_db, units[code])
    assert (f.received, f.open, f.overdue, f.resolved) == (4, 1, 1, 3)
    # A, B and C acknowledged in time; D is due and not acknowledged.
    assert (f.acknowledged_on_time, f.ack_measured) == (0.75, 4)
    # A and B resolved in time; C late; D due and open.
    assert (f.resolved_on_time, f.resolve_measured) == (0.5, 4)
    assert f.median_days_to_acknowledge == pytest.approx(1.0)  # of 0.5, 2 and 1
    assert f.median_days_to_resolve == pytest.approx(4.0)  # of 1, 4 and 6
    assert isinstance(f.median_days_to_acknowledge, float)  # not the database's Decimal
    assert f.average_rating == pytest.approx(11 / 3)
    assert (f.rated_4_or_more, f.rated) == (pytest.approx(2 / 3), 3)
    assert f.completed == 0.75


def test_the_city_counts_its_districts_reports_too(demo_db, units) -> None:
    f = _figures(demo_db, units["92"])
    assert (f.received, f.open, f.overdue, f.resolved) == (5, 1, 1, 4)
    assert (f.acknowledged_on_time, f.resolved_on_time) == (0.8, 0.6)
    assert f.median_days_to_acknowledge == pytest.approx((0.5 + 1.0) / 2)  # 1/24, ½, 1, 2
    assert f.median_days_to_resolve == pytest.approx((1 + 4) / 2)  # 1, 1, 4, 6
    assert f.rated == 3
    assert _figures(demo_db, units["919"]).received == 1


def test_a_unit_with_nothing_to_measure_has_no_shares_no_times_and_no_rating(
    demo_db, units
) -> None:
    f = _figures(demo_db, units["924"])  # Vĩnh Thạnh: no report
    assert (f.received, f.open, f.overdue, f.resolved, f.rated) == (0, 0, 0, 0, 0)
    assert f.acknowledged_on_time is f.resolved_on_time is f.completed is None
    assert f.median_days_to_acknowledge is f.median_days_to_resolve is None
    assert f.average_rating is f.rated_4_or_more is None


def test_a_report_not_yet_due_is_not_counted_late_nor_on_time(demo_db, units) -> None:
    # From Monday 16th on: C (received the 13th) is out, D alone is in. Asked on the 17th, D is
    # neither acknowledged nor due: nothing to measure, not 0 %.
    with scope(Scope.public()), demo_db.connect() as conn:
        f = unit_figures(conn, units["91601"], at(16, 0), at(17, 10), at(17, 10))
    assert (f.received, f.open, f.overdue) == (1, 1, 0)
    assert f.acknowledged_on_time is None and f.ack_measured == 0
    assert f.resolved_on_time is None


def test_the_weekly_trend_counts_what_came_and_what_closed_each_week(demo_db, units) -> None:
    with scope(Scope.public()), demo_db.connect() as conn:
        weeks = weekly(conn, units["91601"], START, NOW)
    assert weeks == [
        Week(dt.date(2026, 11, 9), 3, 2),  # A, B, C came; A and B closed
        Week(dt.date(2026, 11, 16), 1, 0),  # D came
        Week(dt.date(2026, 11, 23), 0, 1),  # C closed
        Week(dt.date(2026, 11, 30), 0, 0),
    ]


def test_the_last_30_days_are_today_and_the_29_before_in_can_tho() -> None:
    start, end = last_days(at(30, 10), 30)
    assert start == dt.datetime(2026, 11, 1, 0, 0, tzinfo=CITY_TZ) and end == at(30, 10)


# The daily rollup the figures read (migration 0014): always current, recomputed where touched.


def test_a_report_handled_after_a_reading_shows_in_the_next_reading(demo_db, units) -> None:
    before = _figures(demo_db, units["91601"])
    with demo_db.begin() as conn:
        d = conn.scalar(text("SELECT id FROM citizen_report WHERE admin_unit_id IS NULL"))
        service.act(conn, d, Action("acknowledge"), "canbo", at(24, 10))
    after = _figures(demo_db, units["91601"])
    # D acknowledged late (due Thursday 19th 10:00): measured now, not on time.
    assert (before.ack_measured, after.ack_measured) == (4, 4)
    assert after.acknowledged_on_time == 0.75
    assert before.median_days_to_acknowledge == pytest.approx(1.0)
    assert after.median_days_to_acknowledge == pytest.approx(1.5)  # of ½, 1, 2 and 6
    with demo_db.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM report_rollup_queue")) == 0


def test_a_period_ending_within_a_day_leaves_out_what_came_later_that_day(demo_db, units) -> None:
    # Monday 9th from 00:00 to 08:30: A and B came at 08:00; the duplicate at 09:00 is not counted
    # anyway, and nothing after 08:30 is.
    with scope(Scope.public()), demo_db.connect() as conn:
        f = unit_figures(conn, units["91601"], at(9, 0), at(9, 8) + dt.timedelta(minutes=30), NOW)
        whole = unit_figures(conn, units["91601"], at(9, 0), at(10, 0), NOW)
        later = unit_figures(conn, units["92"], at(9, 9), at(10, 9) + dt.timedelta(minutes=1), NOW)
    assert f.received == whole.received == 2
    assert later.received == 1  # I, at 09:00 on the 10th: the edges of both days read the reports


def test_a_new_unit_is_rolled_up_alone_with_the_units_above_it(demo_db, units) -> None:
    with demo_db.begin() as conn:
        _figures(demo_db, units["92"])  # everything rolled up
        untouched = conn.scalar(
            text("SELECT count(*) FROM report_rollup WHERE admin_unit_id = :u"),
            {"u": units["919"]},
        )
        conn.execute(
            text(
                "INSERT INTO admin_unit (code, name, name_norm, level, parent_id, geom, area_km2, "
                "source, valid_from) SELECT 'NEW1', 'Phường Mới', 'phuong moi', 'ward', parent_id, "
                "geom, area_km2, source, DATE '2025-07-01' "
                "FROM admin_unit WHERE code = '91601'"
            )
        )
        queued = (
            conn.execute(text("SELECT admin_unit_id FROM report_rollup_queue ORDER BY 1"))
            .scalars()
            .all()
        )
        written = refresh_rollup(conn)
        new = conn.scalar(text("SELECT id FROM admin_unit WHERE code = 'NEW1'"))
    assert sorted(queued) == sorted([new, units["916"], units["92"]])
    # The new ward's days (A and B on the 9th, C on the 13th, D on the 16th, the Sunday one,
    # each its day) and the same days of Ninh Kiều and the city: nothing else was recomputed.
    with demo_db.connect() as conn:
        days = conn.scalar(
            text("SELECT count(*) FROM report_rollup WHERE admin_unit_id = :u"), {"u": new}
        )
        assert (
            conn.scalar(
                text("SELECT count(*) FROM report_rollup WHERE admin_unit_id = :u"),
                {"u": units["919"]},
            )
            == untouched
        )
    assert days == 4
    assert written == days + conn_days(demo_db, units["916"]) + conn_days(demo_db, units["92"])
    f = _figures(demo_db, new)
    assert (f.received, f.open) == (4, 1)  # its shape is the ward's: the same reports


def conn_days(engine: Engine, unit_id: int) -> int:
    with engine.connect() as conn:
        return conn.scalar(
            text("SELECT count(*) FROM report_rollup WHERE admin_unit_id = :u"), {"u": unit_id}
        )


def test_a_change_of_the_working_day_calendar_recomputes_the_times(demo_db, units) -> None:
    # Tuesday 10th declared a day off: B's acknowledgement, Monday 08:00 → Wednesday 08:00, took
    # one working day instead of two; A's, Monday 08:00 → 20:00, still half a day.
    _figures(demo_db, units["91601"])
    with demo_db.begin() as conn:
        refresh_rollup(conn, WorkCalendar(extra_days_off=frozenset({dt.date(2026, 11, 10)})))
        tenths = conn.execute(
            text(
                "SELECT ack_tenths FROM report_rollup WHERE admin_unit_id = :u "
                "AND day = DATE '2026-11-09'"
            ),
            {"u": units["91601"]},
        ).scalar_one()
    assert tenths == [5, 10]  # A ½ day, B one day (Tuesday off)
    # Read with the settings' calendar again: recomputed back, B two days.
    assert _figures(demo_db, units["91601"]).median_days_to_acknowledge == pytest.approx(1.0)
    with demo_db.connect() as conn:
        assert conn.execute(
            text(
                "SELECT ack_tenths FROM report_rollup WHERE admin_unit_id = :u "
                "AND day = DATE '2026-11-09'"
            ),
            {"u": units["91601"]},
        ).scalar_one() == [5, 20]
