"""Readings in PostGIS: idempotent batches, and every rollup kept current as they arrive."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geodata.monitoring.readings import Reading, write_readings

UTC = dt.UTC
# 2026-10-15 03:00 UTC is 10:00 in Cần Thơ.
T0 = dt.datetime(2026, 10, 15, 3, 0, tzinfo=UTC)
Q = {"water_level": 1, "rainfall": 2, "pm25": 3, "pm10": 4, "no2": 5, "speed": 9}


def _sensor(engine: Engine, code: str, kind: str, lon: float, lat: float, **extra: Any) -> int:
    columns = {"alert_1": None, "alert_2": None, "alert_3": None, "road_segment_id": None, **extra}
    with engine.begin() as conn:
        return int(
            conn.scalar(
                text(
                    """
                    INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2,
                                        alert_3, road_segment_id)
                    VALUES (:code, 'test', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :code,
                            :kind, :alert_1, :alert_2, :alert_3, :road_segment_id)
                    RETURNING id
                    """
                ),
                {"code": code, "kind": kind, "lon": lon, "lat": lat, **columns},
            )
        )


def _write(engine: Engine, readings: list[Reading]):
    with engine.begin() as conn:
        return write_readings(conn, readings)


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one_or_none()


def _every_5_min(sensor: int, quantity: str, start: dt.datetime, values: list[float]):
    return [
        Reading(sensor, Q[quantity], start + dt.timedelta(minutes=5 * k), v)
        for k, v in enumerate(values)
    ]


@pytest.fixture
def gauge(demo_db) -> int:
    # In Ninh Kiều, with the Cần Thơ station's alert levels.
    return _sensor(
        demo_db, "g1", "river_gauge", 105.77, 10.03, alert_1=1.7, alert_2=1.9, alert_3=2.0
    )


def test_hourly_and_daily_rollups_are_computed_from_the_batch(demo_db, gauge) -> None:
    result = _write(
        demo_db, _every_5_min(gauge, "water_level", T0, [1.0 + 0.1 * k for k in range(12)])
    )
    assert result.inserted == 12
    row = _one(
        demo_db, "SELECT n, mean, min, max FROM reading_hourly WHERE sensor_id = :s", s=gauge
    )
    assert row.n == 12 and row.min == 1.0 and row.max == pytest.approx(2.1)
    assert row.mean == pytest.approx(1.55)
    day = _one(demo_db, "SELECT day, n FROM reading_daily WHERE sensor_id = :s", s=gauge)
    # The local (UTC+7) day starts at 17:00 UTC the evening before.
    assert day.day == dt.datetime(2026, 10, 14, 17, 0, tzinfo=UTC) and day.n == 12


def test_sending_the_same_batch_twice_changes_nothing(demo_db, gauge) -> None:
    batch = _every_5_min(gauge, "water_level", T0, [1.2, 1.3, 1.4])
    _write(demo_db, batch)
    again = _write(demo_db, batch)
    assert again.inserted == 0
    assert _one(demo_db, "SELECT count(*) AS n FROM reading").n == 3
    assert _one(demo_db, "SELECT n FROM reading_hourly").n == 3


def test_late_readings_update_the_hour_they_belong_to(demo_db, gauge) -> None:
    _write(demo_db, _every_5_min(gauge, "water_level", T0, [1.0, 1.0]))
    _write(demo_db, _every_5_min(gauge, "water_level", T0 + dt.timedelta(minutes=30), [2.2]))
    row = _one(demo_db, "SELECT n, max FROM reading_hourly")
    assert row.n == 3 and row.max == 2.2


def test_readings_flagged_bad_are_kept_but_left_out_of_rollups(demo_db, gauge) -> None:
    _write(
        demo_db,
        [
            Reading(gauge, Q["water_level"], T0, 1.5),
            Reading(gauge, Q["water_level"], T0 + dt.timedelta(minutes=5), 9.0, quality=2),
        ],
    )
    assert _one(demo_db, "SELECT count(*) AS n FROM reading").n == 2
    assert _one(demo_db, "SELECT n, max FROM reading_hourly").max == 1.5


def test_a_new_month_gets_its_own_partition(demo_db, gauge) -> None:
    _write(demo_db, [Reading(gauge, Q["water_level"], dt.datetime(2027, 3, 2, tzinfo=UTC), 1.0)])
    assert _one(demo_db, "SELECT to_regclass('reading_2027_03') AS t").t is not None


@pytest.mark.parametrize(
    ("peak", "level"), [(1.69, 0), (1.70, 1), (1.89, 1), (1.95, 2), (2.00, 3), (2.10, 3)]
)
def test_the_hours_alert_level_comes_from_its_highest_water_and_the_gauges_own_levels(
    demo_db, gauge, peak: float, level: int
) -> None:
    _write(demo_db, _every_5_min(gauge, "water_level", T0, [1.2, peak, 1.5]))
    row = _one(
        demo_db,
        "SELECT value FROM sensor_indicator WHERE indicator = 'alert_level' AND period = 'hour'",
    )
    assert row.value == level


def test_units_count_the_gauges_above_alert_at_every_level(demo_db, gauge) -> None:
    _sensor(demo_db, "g2", "canal_gauge", 105.45, 10.12, alert_1=1.2, alert_2=1.4, alert_3=1.6)
    g2 = _one(demo_db, "SELECT id FROM sensor WHERE code = 'g2'").id
    _write(demo_db, _every_5_min(gauge, "water_level", T0, [1.95]))
    _write(demo_db, _every_5_min(g2, "water_level", T0, [1.0]))
    counts = dict(
        (r.code, r.value)
        for r in _all(
            demo_db,
            """
            SELECT u.code, i.value FROM unit_indicator i JOIN admin_unit u ON u.id = i.admin_unit_id
            WHERE i.indicator = 'gauges_above_alert' AND i.period = 'hour'
            """,
        )
    )
    assert counts["92"] == 1  # the city: one of its two gauges is above alert
    assert counts["916"] == 1  # Ninh Kiều holds the gauge at level II
    assert counts["925"] == 0  # Cờ Đỏ's gauge is below its own level I


def _all(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


_SENSOR_ROLLUPS = ("reading_hourly", "reading_daily", "sensor_indicator")


def _rollup_rows(engine: Engine, sensor: int) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.scalar(
                text(f"SELECT count(*) FROM {table} WHERE sensor_id = :s"), {"s": sensor}
            )
            for table in _SENSOR_ROLLUPS
        }


def test_deleting_a_sensor_deletes_its_rollups_and_indicators_and_no_others(demo_db, gauge) -> None:
    # The rollups keep no per-row foreign key (migration 0008): a trigger on sensor does it.
    g2 = _sensor(demo_db, "g2", "canal_gauge", 105.45, 10.12, alert_1=1.2)
    _write(demo_db, _every_5_min(gauge, "water_level", T0, [1.95, 1.9]))
    _write(demo_db, _every_5_min(g2, "water_level", T0, [1.0]))
    assert all(_rollup_rows(demo_db, gauge).values())
    with demo_db.begin() as conn:
        conn.execute(text("DELETE FROM sensor WHERE id = :s"), {"s": gauge})
    assert _rollup_rows(demo_db, gauge) == dict.fromkeys(_SENSOR_ROLLUPS, 0)
    assert all(_rollup_rows(demo_db, g2).values())


def test_deleting_a_unit_deletes_its_indicators_and_no_others(demo_db, gauge) -> None:
    _write(demo_db, _every_5_min(gauge, "water_level", T0, [1.95]))
    ward = _one(
        demo_db,
        "SELECT u.id FROM admin_unit u JOIN sensor s ON ST_Covers(u.geom, s.geom) "
        "WHERE s.id = :s AND u.level = 'ward'",
        s=gauge,
    ).id
    count = "SELECT count(*) AS n FROM unit_indicator WHERE admin_unit_id = :u"
    district = _one(demo_db, "SELECT id FROM admin_unit WHERE code = '916'").id
    assert _one(demo_db, count, u=ward).n > 0
    with demo_db.begin() as conn:
        conn.execute(text("DELETE FROM admin_unit WHERE id = :u"), {"u": ward})
    assert _one(demo_db, count, u=ward).n == 0
    assert _one(demo_db, count, u=district).n > 0


def test_steady_pm25_gives_the_hand_worked_aqi_and_the_worst_station_per_unit(demo_db) -> None:
    station = _sensor(demo_db, "air1", "air_station", 105.77, 10.03)
    # 35 µg/m³ for 3 hours: NowCast of a steady series is the value; 50 + 50/25 × 10 = 70.
    values = [35.0] * 36
    _write(demo_db, _every_5_min(station, "pm25", T0, values))
    hourly = _all(
        demo_db,
        "SELECT period_start, value, detail FROM sensor_indicator "
        "WHERE indicator = 'aqi' AND period = 'hour' ORDER BY period_start",
    )
    assert [r.value for r in hourly] == [None, 70, 70]  # the first hour lacks 2 of the last 3
    assert hourly[-1].detail["dominant"] == "pm25"
    worst = _all(
        demo_db,
        """
        SELECT u.code, i.value, i.detail FROM unit_indicator i
        JOIN admin_unit u ON u.id = i.admin_unit_id
        WHERE i.indicator = 'aqi_max' AND i.period = 'hour' AND i.period_start = :t
        """.replace(":t", f"'{(T0 + dt.timedelta(hours=2)).isoformat()}'"),
    )
    by_unit = {r.code: r for r in worst}
    assert {"92", "916"} <= set(by_unit) and by_unit["916"].value == 70
    assert by_unit["92"].detail["sensor"] == "air1"


def test_gases_alone_give_no_aqi(demo_db) -> None:
    station = _sensor(demo_db, "air2", "air_station", 105.77, 10.03)
    _write(demo_db, _every_5_min(station, "no2", T0, [150.0] * 36))
    values = [
        r.value for r in _all(demo_db, "SELECT value FROM sensor_indicator WHERE indicator = 'aqi'")
    ]
    assert values and all(v is None for v in values)


def test_detector_speeds_give_the_segment_ratio_and_the_units_congested_share(demo_db) -> None:
    with demo_db.begin() as conn:
        segments = [
            conn.scalar(
                text(
                    """
                    INSERT INTO road_segment (code, source, road_class, free_flow_kmh, length_m,
                                              geom)
                    VALUES (:code, 'test', 'arterial', 50, :len,
                            ST_SetSRID(ST_MakeLine(ST_MakePoint(:x, 10.03),
                                                   ST_MakePoint(:x + 0.004, 10.03)), 4326))
                    RETURNING id
                    """
                ),
                {"code": code, "len": length, "x": x},
            )
            for code, length, x in (("s1", 300.0, 105.765), ("s2", 700.0, 105.770))
        ]
    d1 = _sensor(demo_db, "d1", "traffic_detector", 105.767, 10.03, road_segment_id=segments[0])
    d2 = _sensor(demo_db, "d2", "traffic_detector", 105.772, 10.03, road_segment_id=segments[1])
    _write(demo_db, _every_5_min(d1, "speed", T0, [10.0, 10.0]))  # ratio 0.2: standstill
    _write(demo_db, _every_5_min(d2, "speed", T0, [45.0, 45.0]))  # ratio 0.9: free-flowing
    ratios = {
        r.sensor_id: r.value
        for r in _all(
            demo_db,
            "SELECT sensor_id, value FROM sensor_indicator "
            "WHERE indicator = 'speed_ratio' AND period = 'hour'",
        )
    }
    assert ratios == {d1: pytest.approx(0.2), d2: pytest.approx(0.9)}
    share = _one(
        demo_db,
        """
        SELECT i.value FROM unit_indicator i JOIN admin_unit u ON u.id = i.admin_unit_id
        WHERE u.code = '92' AND i.indicator = 'congested_share' AND i.period = 'hour'
        """,
    )
    assert share.value == pytest.approx(0.3)  # 300 m of 1,000 m measured is congested


def test_queued_batches_are_rolled_up_together_by_one_drain_as_if_written_at_once(
    demo_db, gauge
) -> None:
    from geodata.monitoring.readings import drain_rollup_queue

    first = _every_5_min(gauge, "water_level", T0, [1.0, 1.2, 1.4])
    second = _every_5_min(gauge, "water_level", T0 + dt.timedelta(minutes=15), [1.8, 2.05])
    for batch in (first, second):
        with demo_db.begin() as conn:
            assert write_readings(conn, batch, queue_rollups=True).inserted == len(batch)
    # Stored, queued (one hour), not yet rolled up.
    assert _one(demo_db, "SELECT count(*) AS n FROM reading WHERE sensor_id = :s", s=gauge).n == 5
    assert _one(demo_db, "SELECT count(*) AS n FROM rollup_queue").n == 1
    assert _one(demo_db, "SELECT n FROM reading_hourly WHERE sensor_id = :s", s=gauge) is None
    with demo_db.begin() as conn:
        assert drain_rollup_queue(conn) == 1
    row = _one(demo_db, "SELECT n, max FROM reading_hourly WHERE sensor_id = :s", s=gauge)
    assert row.n == 5 and row.max == 2.05
    level = _one(
        demo_db,
        "SELECT value FROM sensor_indicator WHERE sensor_id = :s AND indicator = 'alert_level' "
        "AND period = 'hour'",
        s=gauge,
    )
    assert level.value == 3  # 2.05 m is above Báo động III (2.0 m)
    assert _one(demo_db, "SELECT count(*) AS n FROM rollup_queue").n == 0
    with demo_db.begin() as conn:
        assert drain_rollup_queue(conn) == 0  # nothing left: a second drain does nothing


def test_a_failed_drain_leaves_the_hours_queued(demo_db, gauge) -> None:
    from geodata.monitoring.readings import drain_rollup_queue

    with demo_db.begin() as conn:
        write_readings(conn, _every_5_min(gauge, "water_level", T0, [1.0]), queue_rollups=True)
    with pytest.raises(RuntimeError), demo_db.begin() as conn:
        drain_rollup_queue(conn)
        raise RuntimeError("the rollups failed half-way")
    assert _one(demo_db, "SELECT count(*) AS n FROM rollup_queue").n == 1
    assert _one(demo_db, "SELECT n FROM reading_hourly WHERE sensor_id = :s", s=gauge) is None
