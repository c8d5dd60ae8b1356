"""Alerts from rules: pending → firing → resolved, with a clear line so a value hovering at the
fire line does not flap, one alert per rule and subject, each step recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.monitoring.readings import Reading, write_readings
from tests.gauges import add_river_gauge

UTC = dt.UTC
HOUR = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def gauge(demo_db: Engine) -> tuple[int, int]:
    """A river gauge in Ninh Kiều (Báo động I/II/III at 1.7/1.9/2.0 m): (sensor, quantity)."""
    with demo_db.begin() as conn:
        sensor = add_river_gauge(conn, "g-alert", name="Trạm thử")
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
    return sensor, int(quantity)


def _level(engine: Engine, gauge: tuple[int, int], hour: dt.datetime, metres: float) -> None:
    with engine.begin() as conn:
        write_readings(conn, [Reading(*gauge, hour + dt.timedelta(minutes=10), metres)])


def _alerts(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id, state, value, peak, fired_at, resolved_at FROM alert ORDER BY id")
        ).all()


def _events(engine: Engine, alert_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                text("SELECT action FROM alert_event WHERE alert_id = :a ORDER BY id"),
                {"a": alert_id},
            )
        )


def test_a_gauge_over_alert_ii_fires_stays_while_over_the_clear_line_and_then_resolves(
    demo_db, gauge
) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Báo động II", "gauge_level", 2, 1)
    _level(demo_db, gauge, HOUR, 1.95)  # Báo động II
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(minutes=15)).firing == 1
    (alert,) = _alerts(demo_db)
    assert (alert.state, alert.value) == ("firing", 2)
    # Down to Báo động I: under the fire line, not under the clear line: no flapping.
    _level(demo_db, gauge, HOUR + dt.timedelta(hours=1), 1.75)
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(hours=1, minutes=15)).total() == 0
    # Back to II: the same alert, not a second one.
    _level(demo_db, gauge, HOUR + dt.timedelta(hours=2), 1.92)
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(hours=2, minutes=15)).total() == 0
    # Below Báo động I: resolved.
    _level(demo_db, gauge, HOUR + dt.timedelta(hours=3), 1.2)
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(hours=3, minutes=15)).resolved == 1
    (alert,) = _alerts(demo_db)
    assert (alert.state, alert.peak) == ("resolved", 2)
    assert alert.resolved_at == HOUR + dt.timedelta(hours=3, minutes=15)
    assert _events(demo_db, alert.id) == ["firing", "resolved"]


def test_a_rule_with_a_pending_time_fires_only_once_it_has_held(demo_db, gauge) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Báo động III kéo dài", "gauge_level", 3, 2, pending_s=1800)
    for minutes in (0, 20):
        _level(demo_db, gauge, HOUR, 2.1)
        with demo_db.begin() as conn:
            evaluate(conn, HOUR + dt.timedelta(minutes=minutes))
        assert [a.state for a in _alerts(demo_db)] == ["pending"]
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(minutes=31)).firing == 1
    (alert,) = _alerts(demo_db)
    assert alert.fired_at == HOUR + dt.timedelta(minutes=31)
    assert _events(demo_db, alert.id) == ["pending", "firing"]


def test_a_pending_alert_whose_value_falls_back_ends_without_firing(demo_db, gauge) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Báo động III kéo dài", "gauge_level", 3, 2, pending_s=1800)
    _level(demo_db, gauge, HOUR, 2.1)
    with demo_db.begin() as conn:
        evaluate(conn, HOUR + dt.timedelta(minutes=5))
    _level(demo_db, gauge, HOUR + dt.timedelta(hours=1), 1.5)
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(hours=1, minutes=5)).cancelled == 1
    (alert,) = _alerts(demo_db)
    assert (alert.state, alert.fired_at) == ("resolved", None)
    assert _events(demo_db, alert.id) == ["pending", "cancelled"]


def test_a_rule_scoped_to_another_district_ignores_the_gauge(demo_db, gauge) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Cái Răng", "gauge_level", 1, 0, unit_codes=("919",))
    _level(demo_db, gauge, HOUR, 2.5)
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(minutes=15)).subjects == 0
    assert _alerts(demo_db) == []


def test_flood_reports_clustering_in_an_hour_fire_for_the_district_they_are_in(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Ngập lan rộng", "report_cluster", 3, 1,
                 params={"radius_m": 300, "window_min": 60})  # fmt: skip
        for k, (dx, minutes) in enumerate([(0, 5), (0.001, 20), (0.002, 40), (0.05, 30)]):
            conn.execute(
                text(
                    "INSERT INTO citizen_report (code, source, geom, reported_at, category) "
                    "VALUES (:code, 'test', ST_SetSRID(ST_MakePoint(:x, 10.03), 4326), :at, "
                    "'flooding')"
                ),
                {"code": f"c{k}", "x": 105.775 + dx, "at": HOUR - dt.timedelta(minutes=minutes)},
            )
    with demo_db.begin() as conn:
        steps = evaluate(conn, HOUR)
    assert steps.firing == 1
    with demo_db.connect() as conn:
        code, value = conn.execute(
            text("SELECT u.code, a.value FROM alert a JOIN admin_unit u ON u.id = a.subject_id")
        ).one()
    assert (code, value) == ("916", 3)  # three within 300 m; the fourth is 5 km off
    # An hour later the reports have left the window: resolved.
    with demo_db.begin() as conn:
        assert evaluate(conn, HOUR + dt.timedelta(hours=1)).resolved == 1


def test_a_units_worst_air_fires_for_each_district_over_the_line(monitored_db) -> None:
    with monitored_db.connect() as conn:
        at = conn.scalar(
            text("SELECT max(period_start) FROM unit_indicator WHERE indicator = 'aqi_max'")
        )
        expected = dict(
            conn.execute(
                text(
                    "SELECT u.code, i.value FROM unit_indicator i JOIN admin_unit u "
                    "ON u.id = i.admin_unit_id WHERE i.indicator = 'aqi_max' AND i.period = 'hour' "
                    "AND i.period_start = :at AND u.level = 'district' AND i.value IS NOT NULL"
                ),
                {"at": at},
            ).all()
        )
    line = sorted(expected.values())[len(expected) // 2]  # about half the districts over it
    with monitored_db.begin() as conn:
        add_rule(conn, "Không khí xấu", "unit_aqi", line, line - 10)
        evaluate(conn, at + dt.timedelta(minutes=30))
    with monitored_db.connect() as conn:
        fired = dict(
            conn.execute(
                text(
                    "SELECT u.code, a.value FROM alert a JOIN admin_unit u ON u.id = a.subject_id "
                    "WHERE a.state = 'firing'"
                )
            ).all()
        )
    assert fired == {code: v for code, v in expected.items() if v >= line}
    assert 0 < len(fired) < len(expected)


def test_a_road_crawling_below_its_line_fires_and_clears_when_traffic_flows(demo_db) -> None:
    with demo_db.begin() as conn:
        road = conn.scalar(
            text(
                "INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh, "
                "length_m, geom) VALUES ('r-test', 'test', 'Đường 30 Tháng 4', 'arterial', 50, "
                "1096, "
                "ST_SetSRID(ST_MakeLine(ST_MakePoint(105.77, 10.03), "
                "ST_MakePoint(105.78, 10.03)), 4326)) RETURNING id"
            )
        )
        detector = conn.scalar(
            text(
                "INSERT INTO sensor (code, source, geom, name, kind, road_segment_id) VALUES "
                "('d-test', 'test', ST_SetSRID(ST_MakePoint(105.775, 10.03), 4326), 'd-test', "
                "'traffic_detector', :r) RETURNING id"
            ),
            {"r": road},
        )
        speed = conn.scalar(text("SELECT id FROM quantity WHERE code = 'speed'"))
        conn.execute(
            text("INSERT INTO sensor_quantity VALUES (:s, :q)"), {"s": detector, "q": speed}
        )
        add_rule(conn, "Kẹt xe", "road_congestion", 0.3, 0.5)
    for hour, kmh in ((HOUR, 10.0), (HOUR + dt.timedelta(hours=1), 20.0),
                      (HOUR + dt.timedelta(hours=2), 40.0)):  # fmt: skip
        with demo_db.begin() as conn:
            write_readings(conn, [Reading(detector, speed, hour + dt.timedelta(minutes=5), kmh)])
            evaluate(conn, hour + dt.timedelta(minutes=10))
    (alert,) = _alerts(demo_db)
    assert alert.state == "resolved" and alert.peak == pytest.approx(0.2)  # 10 of 50 km/h
    assert _events(demo_db, alert.id) == ["firing", "resolved"]  # 0.4: still under the clear line
