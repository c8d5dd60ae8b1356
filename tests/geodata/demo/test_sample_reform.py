"""The demo city through a reform like that of 1 July 2025 (geodata.demo.sample_reform), moved to
yesterday so the two days of demo readings span it: every old unit ended and kept, about thirty
units drawn over the old city's wards plus the two merged provinces under a wider city, who
succeeded whom, reports routed to today's units, and new units' indicator lines that do not break
at the reform.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.clock import CITY_TZ
from geodata.demo.sample_reform import apply_reform
from geodata.units.lifecycle import tree_on


def _reform(engine: Engine) -> tuple[dt.date, object]:
    day = dt.datetime.now(CITY_TZ).date() - dt.timedelta(days=1)
    with engine.begin() as conn:
        return day, apply_reform(conn, day=day)


def test_today_the_city_has_about_thirty_units_and_the_merged_areas_before_its_districts(
    monitored_db: Engine,
) -> None:
    day, counts = _reform(monitored_db)
    with monitored_db.connect() as conn:
        before = tree_on(conn, day - dt.timedelta(days=1))
        after = tree_on(conn, day)
        areas = dict(
            conn.execute(
                text(
                    "SELECT valid_to IS NULL, round(area_km2) FROM admin_unit WHERE level = 'city'"
                )
            ).all()
        )
        overlaps = conn.scalar(
            text(
                "SELECT count(*) FROM admin_unit a JOIN admin_unit b ON a.id < b.id "
                "AND a.valid_to IS NULL AND b.valid_to IS NULL AND a.level = 'ward' "
                "AND b.level = 'ward' AND ST_Overlaps(a.geom, b.geom) "
                "AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1e-7"
            )
        )
    assert [line.level for line in before].count("district") == 9
    assert [line.level for line in before].count("ward") == 82
    levels = [(line.depth, line.level) for line in after]
    assert levels[0] == (0, "city") and all(d == 1 and lv == "ward" for d, lv in levels[1:])
    assert 28 <= counts.communes <= 34 and len(after) == 1 + counts.communes + 2
    assert {"Khu vực Hậu Giang (cũ)", "Khu vực Sóc Trăng (cũ)"} <= {line.name for line in after}
    assert counts.ended == 92  # the old city, its districts and wards: kept, ended
    assert areas[True] > 3 * areas[False]  # the merged city is several times the old one
    assert overlaps == 0


def test_every_old_unit_has_successors_and_each_report_stays_with_the_units_of_its_day(
    monitored_db: Engine,
) -> None:
    day, _ = _reform(monitored_db)
    with monitored_db.connect() as conn:
        orphans = conn.scalar(
            text(
                "SELECT count(*) FROM admin_unit o WHERE o.valid_to = :d AND NOT EXISTS ("
                "SELECT FROM admin_unit_succession s WHERE s.predecessor_id = o.id)"
            ),
            {"d": day},
        )
        misrouted = conn.scalar(
            text(
                "SELECT count(*) FROM citizen_report r JOIN admin_unit u "
                "ON u.id = r.admin_unit_id WHERE r.reported_at >= :at AND u.valid_to IS NOT NULL"
            ),
            {"at": dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ)},
        )
        # And those from before it stay in the units of their day.
        moved_back = conn.scalar(
            text(
                "SELECT count(*) FROM citizen_report r JOIN admin_unit u "
                "ON u.id = r.admin_unit_id WHERE r.reported_at < :at AND u.valid_from >= :d"
            ),
            {"at": dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ), "d": day},
        )
    assert orphans == 0 and misrouted == 0 and moved_back == 0


def test_a_new_unit_s_indicator_line_runs_across_the_reform(monitored_db: Engine) -> None:
    day, _ = _reform(monitored_db)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ)
    with monitored_db.connect() as conn:
        found = conn.execute(
            text(
                """
                SELECT u.code,
                  count(*) FILTER (WHERE i.period_start < :start) AS before,
                  count(*) FILTER (WHERE i.period_start >= :start) AS after
                FROM admin_unit u JOIN unit_indicator i ON i.admin_unit_id = u.id
                WHERE u.valid_from = :day AND u.level = 'ward' AND i.indicator = 'aqi_max'
                  AND i.period = 'hour'
                GROUP BY u.code
                """
            ),
            {"start": start, "day": day},
        ).all()
    assert found  # the units holding an air station
    assert all(row.before > 0 and row.after > 0 for row in found)
