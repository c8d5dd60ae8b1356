"""The demo monitoring data (geodata.demo.sample_monitoring) as it lands in PostGIS: deterministic,
inside the city, a 5-minute series per sensor and quantity, plausible for Cần Thơ, rolled up.

The module writes the demo city and three days of monitoring data once, ending at
2026-10-29 05:00 UTC (12:00 in Cần Thơ): late October, the top of the Mekong flood season, just
after the full moon of 26 October, when the spring tides (triều cường) come.
Tests that rewrite the data do it in a transaction they roll back, or restore the set afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, Engine, text

from geodata.demo.sample import write_sample
from geodata.demo.sample_monitoring import LOCAL, tide_level, write_monitoring_sample
from geodata.monitoring.readings import Reading, write_readings
from tests.dbutil import truncate_all

UTC = dt.UTC
SEED = 2004
DAYS = 3
END = dt.datetime(2026, 10, 29, 5, 0, tzinfo=UTC)
STEPS = DAYS * 24 * 12  # 5-minute readings per series
FIRST = END - (STEPS - 1) * dt.timedelta(minutes=5)
# Hours holding readings: the last reading (05:00) opens an hour of its own.
HOURS = DAYS * 24 + 1
CANTHO = "demo-gauge-cantho"
M2_HOURS = 12.4206  # the principal lunar semi-diurnal tide


def _write_demo(engine: Engine) -> None:
    write_sample()
    with engine.begin() as conn:
        write_monitoring_sample(conn, seed=SEED, days=DAYS, end=END)


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Engine:
    """The demo city with three days of demo monitoring data up to END."""
    truncate_all(engine)
    _write_demo(engine)
    return engine


@pytest.fixture
def conn(demo: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back at the end: nothing a test writes outlives it."""
    with demo.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _all(conn: Connection, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(sql), params))


def _scalar(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.scalar(text(sql), params)


def _snapshot(conn: Connection) -> dict[str, Any]:
    """Everything a run writes, keyed by codes (ids differ from run to run)."""
    return {
        # Values are rounded to 3 decimals when written: a numeric sum is exact, whatever the
        # order the rows are read in.
        "readings": {
            (r.code, r.quantity): (r.n, r.total, r.first, r.last)
            for r in _all(
                conn,
                """
                SELECT s.code, q.code AS quantity, count(*) AS n,
                       sum(round(r.value::numeric, 3)) AS total,
                       min(r.observed_at) AS first, max(r.observed_at) AS last
                FROM reading r JOIN sensor s ON s.id = r.sensor_id
                JOIN quantity q ON q.id = r.quantity_id
                WHERE s.source = 'demo' GROUP BY 1, 2
                """,
            )
        },
        "sensors": {
            r.code: (r.kind, r.wkt, r.segment)
            for r in _all(
                conn,
                """
                SELECT s.code, s.kind, ST_AsText(s.geom) AS wkt, g.code AS segment
                FROM sensor s LEFT JOIN road_segment g ON g.id = s.road_segment_id
                WHERE s.source = 'demo'
                """,
            )
        },
        "segments": {
            r.code: (r.road_class, r.wkt)
            for r in _all(
                conn,
                "SELECT code, road_class, ST_AsText(geom) AS wkt FROM road_segment "
                "WHERE source = 'demo'",
            )
        },
        "floods": sorted(
            tuple(r)
            for r in _all(
                conn,
                "SELECT code, ST_AsText(geom), started_at, ended_at, depth_m "
                "FROM inundation_area WHERE source = 'demo'",
            )
        )
        + sorted(
            tuple(r)
            for r in _all(
                conn,
                "SELECT code, ST_AsText(geom), reported_at, depth_cm FROM flood_report "
                "WHERE source = 'demo'",
            )
        ),
        "incidents": sorted(
            tuple(r)
            for r in _all(
                conn,
                "SELECT code, ST_AsText(geom), kind, started_at, ended_at "
                "FROM traffic_incident WHERE source = 'demo'",
            )
        ),
    }


# --- determinism -------------------------------------------------------------------------------


def test_the_same_seed_and_end_write_exactly_the_same_data_again(conn: Connection) -> None:
    first = _snapshot(conn)
    write_monitoring_sample(conn, seed=SEED, days=DAYS, end=END)
    again = _snapshot(conn)
    assert first["readings"] and first["segments"] and first["floods"]
    for part in first:
        assert again[part] == first[part], part


def test_another_seed_draws_other_streets_and_other_noise(conn: Connection) -> None:
    first = _snapshot(conn)
    write_monitoring_sample(conn, seed=SEED + 1, days=DAYS, end=END)
    other = _snapshot(conn)
    assert other["readings"][(CANTHO, "water_level")] != first["readings"][(CANTHO, "water_level")]
    assert other["segments"] != first["segments"]


def test_rewriting_replaces_the_demo_monitoring_set_instead_of_adding_to_it(
    conn: Connection,
) -> None:
    def counts() -> tuple[int, ...]:
        return tuple(
            _scalar(conn, f"SELECT count(*) FROM {table}")
            for table in (
                "sensor",
                "sensor_quantity",
                "road_segment",
                "reading",
                "reading_hourly",
                "sensor_indicator",
                "unit_indicator",
                "flood_report",
                "inundation_area",
                "traffic_incident",
                "camera",
            )
        )

    before = counts()
    write_monitoring_sample(conn, seed=SEED, days=DAYS, end=END)
    assert counts() == before


# --- where things are --------------------------------------------------------------------------


def test_every_sensor_stands_inside_the_city_and_knows_its_admin_unit(conn: Connection) -> None:
    rows = _all(
        conn,
        """
        SELECT s.code, ST_Covers(c.geom, s.geom) AS inside, s.admin_unit_id,
               ST_Covers(u.geom, s.geom) AS in_own_unit
        FROM sensor s CROSS JOIN (SELECT geom FROM admin_unit WHERE code = '92') c
        LEFT JOIN admin_unit u ON u.id = s.admin_unit_id
        """,
    )
    assert len(rows) > 100
    assert [r.code for r in rows if not r.inside] == []
    assert [r.code for r in rows if r.admin_unit_id is None] == []
    assert [r.code for r in rows if not r.in_own_unit] == []


def test_sensors_are_given_the_smallest_unit_they_stand_in(conn: Connection) -> None:
    levels = {
        r.level
        for r in _all(
            conn,
            "SELECT DISTINCT u.level FROM sensor s JOIN admin_unit u ON u.id = s.admin_unit_id",
        )
    }
    assert levels == {"ward"}


def test_every_road_segment_lies_inside_the_city(conn: Connection) -> None:
    outside = _scalar(
        conn,
        """
        SELECT count(*) FROM road_segment g, admin_unit c
        WHERE c.code = '92' AND NOT ST_Covers(c.geom, g.geom)
        """,
    )
    assert outside == 0
    assert _scalar(conn, "SELECT count(*) FROM road_segment WHERE admin_unit_id IS NULL") == 0


def test_there_are_arterials_and_many_more_local_streets(conn: Connection) -> None:
    by_class = dict(_all(conn, "SELECT road_class, count(*) FROM road_segment GROUP BY road_class"))
    assert by_class.get("arterial", 0) >= 50
    assert by_class.get("local", 0) + by_class.get("collector", 0) > by_class["arterial"]
    named = _all(
        conn, "SELECT DISTINCT name FROM road_segment WHERE road_class = 'arterial' ORDER BY 1"
    )
    assert {"Quốc lộ 91", "Quốc lộ 1A", "Đường 30 Tháng 4"} <= {r.name for r in named}


def test_arterials_are_cut_into_segments_of_about_half_a_kilometre(conn: Connection) -> None:
    lengths = [
        r.length_m
        for r in _all(conn, "SELECT length_m FROM road_segment WHERE road_class = 'arterial'")
    ]
    assert 350 <= float(np.median(lengths)) <= 650
    assert max(lengths) < 1000


def test_traffic_detectors_sit_on_the_arterial_segment_they_measure(conn: Connection) -> None:
    rows = _all(
        conn,
        """
        SELECT s.code, g.road_class,
               ST_Distance(s.geom::geography, g.geom::geography) AS off_road_m
        FROM sensor s LEFT JOIN road_segment g ON g.id = s.road_segment_id
        WHERE s.kind = 'traffic_detector'
        """,
    )
    assert len(rows) >= 20
    assert {r.road_class for r in rows} == {"arterial"}
    assert max(r.off_road_m for r in rows) < 1.0
    untied = _scalar(
        conn,
        "SELECT count(*) FROM sensor WHERE kind <> 'traffic_detector' "
        "AND road_segment_id IS NOT NULL",
    )
    assert untied == 0


def test_the_named_stations_are_all_there(conn: Connection) -> None:
    kinds = dict(_all(conn, "SELECT kind, count(*) FROM sensor GROUP BY kind"))
    assert kinds["river_gauge"] == 3 and kinds["canal_gauge"] == 5
    assert kinds["air_station"] == 9 and kinds["rain_gauge"] == 4
    codes = set(conn.scalars(text("SELECT code FROM sensor")))
    assert all(code.startswith("demo-") for code in codes)
    assert CANTHO in codes


# --- the readings ------------------------------------------------------------------------------


def test_each_sensor_has_one_series_per_quantity_it_measures(conn: Connection) -> None:
    declared = set(_all(conn, "SELECT sensor_id, quantity_id FROM sensor_quantity ORDER BY 1, 2"))
    written = set(_all(conn, "SELECT DISTINCT sensor_id, quantity_id FROM reading ORDER BY 1, 2"))
    assert written == declared
    air = _all(
        conn,
        """
        SELECT s.code, array_agg(q.code ORDER BY q.code) AS quantities
        FROM sensor s JOIN sensor_quantity sq ON sq.sensor_id = s.id
        JOIN quantity q ON q.id = sq.quantity_id WHERE s.kind = 'air_station' GROUP BY s.code
        """,
    )
    assert {tuple(r.quantities) for r in air} == {("co", "no2", "o3", "pm10", "pm25", "so2")}
    # Every sensor measures something.
    assert (
        _scalar(
            conn,
            "SELECT count(*) FROM sensor s WHERE NOT EXISTS "
            "(SELECT 1 FROM sensor_quantity sq WHERE sq.sensor_id = s.id)",
        )
        == 0
    )


def test_readings_come_every_five_minutes_over_the_window_with_few_dropouts(
    conn: Connection,
) -> None:
    rows = _all(
        conn,
        """
        SELECT sensor_id, quantity_id, count(*) AS n, min(observed_at) AS first,
               max(observed_at) AS last,
               count(*) FILTER (WHERE extract(epoch FROM observed_at)::bigint % 300 <> 0)
                 AS off_grid
        FROM reading GROUP BY 1, 2
        """,
    )
    assert rows
    assert all(r.off_grid == 0 for r in rows)
    assert min(r.first for r in rows) == FIRST and max(r.last for r in rows) == END
    assert all(FIRST <= r.first < FIRST + dt.timedelta(hours=1) for r in rows)
    assert all(END - dt.timedelta(hours=1) < r.last <= END for r in rows)
    # About 0.5 % of readings go missing, as with real telemetry; none is duplicated.
    assert all(0.97 * STEPS <= r.n <= STEPS for r in rows)
    missing = 1 - sum(r.n for r in rows) / (len(rows) * STEPS)
    assert 0.001 < missing < 0.01


def test_every_value_is_within_its_quantitys_physical_range(conn: Connection) -> None:
    wrong = _all(
        conn,
        """
        SELECT q.code, count(*) FROM reading r JOIN quantity q ON q.id = r.quantity_id
        WHERE r.value < q.min_value OR r.value > q.max_value GROUP BY q.code
        """,
    )
    assert wrong == []


def _series(conn: Connection, code: str, quantity: str) -> tuple[np.ndarray, np.ndarray]:
    rows = _all(
        conn,
        """
        SELECT extract(epoch FROM r.observed_at) / 3600.0 AS h, r.value
        FROM reading r JOIN sensor s ON s.id = r.sensor_id
        JOIN quantity q ON q.id = r.quantity_id
        WHERE s.code = :code AND q.code = :quantity ORDER BY r.observed_at
        """,
        code=code,
        quantity=quantity,
    )
    return np.array([float(r.h) for r in rows]), np.array([r.value for r in rows])


def _hourly_means(conn: Connection, code: str, quantity: str) -> list[Any]:
    return _all(
        conn,
        """
        SELECT h.hour, extract(hour FROM h.hour AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS local,
               h.mean, h.max FROM reading_hourly h
        JOIN sensor s ON s.id = h.sensor_id JOIN quantity q ON q.id = h.quantity_id
        WHERE s.code = :code AND q.code = :quantity ORDER BY h.hour
        """,
        code=code,
        quantity=quantity,
    )


def test_the_can_tho_station_reads_plausible_water_levels(conn: Connection) -> None:
    _, level = _series(conn, CANTHO, "water_level")
    assert len(level) > 0.97 * STEPS
    assert level.min() >= -1.0 and level.max() <= 2.6
    # A tidal river: more than 1.5 m between the lowest low and the highest high.
    assert level.max() - level.min() > 1.5


def test_the_river_rises_and_falls_twice_in_a_lunar_day(conn: Connection) -> None:
    means = np.array([r.mean for r in _hourly_means(conn, CANTHO, "water_level")])
    assert len(means) == HOURS
    highs = [
        k
        for k in range(1, len(means) - 1)
        if means[k] > means[k - 1] and means[k] >= means[k + 1] and means[k] > means.mean()
    ]
    # 72 hours hold 72 / 12.42 ≈ 5.8 semi-diurnal cycles.
    assert len(highs) in (5, 6)
    assert 11.0 <= float(np.mean(np.diff(highs))) <= 14.0


def test_the_dominant_period_of_the_water_level_is_the_semi_diurnal_tide(
    conn: Connection,
) -> None:
    hours, level = _series(conn, CANTHO, "water_level")
    grid = np.arange(hours[0], hours[-1] + 1e-9, 1 / 12)  # fill the dropouts
    filled = np.interp(grid, hours, level)
    padded = 16 * len(filled)  # zero padding: a finer frequency grid than 1 / 72 h
    spectrum = np.abs(np.fft.rfft(filled - filled.mean(), padded))
    frequency = np.fft.rfftfreq(padded, d=1 / 12)
    period = 1 / frequency[1 + int(np.argmax(spectrum[1:]))]
    assert period == pytest.approx(M2_HOURS, abs=0.5)


def test_mid_october_spring_tides_put_gauges_above_alert(conn: Connection) -> None:
    cantho = _all(
        conn,
        """
        SELECT si.period_start, si.value FROM sensor_indicator si
        JOIN sensor s ON s.id = si.sensor_id
        WHERE s.code = :code AND si.indicator = 'alert_level' AND si.period = 'hour'
        """,
        code=CANTHO,
    )
    assert len(cantho) == HOURS
    assert any(r.value >= 1 for r in cantho)
    # … but not all the time: the tide falls again.
    assert sum(r.value >= 1 for r in cantho) < HOURS / 2
    city_peak = _scalar(
        conn,
        """
        SELECT max(i.value) FROM unit_indicator i JOIN admin_unit u ON u.id = i.admin_unit_id
        WHERE u.code = '92' AND i.indicator = 'gauges_above_alert' AND i.period = 'hour'
        """,
    )
    assert city_peak >= 1


def test_the_highest_alert_hours_are_the_high_tides(conn: Connection) -> None:
    hourly = _hourly_means(conn, CANTHO, "water_level")
    levels = dict(
        _all(
            conn,
            """
            SELECT si.period_start, si.value FROM sensor_indicator si
            JOIN sensor s ON s.id = si.sensor_id
            WHERE s.code = :code AND si.indicator = 'alert_level' AND si.period = 'hour'
            """,
            code=CANTHO,
        )
    )
    above = [r.max for r in hourly if levels[r.hour] >= 1]
    below = [r.max for r in hourly if levels[r.hour] == 0]
    assert min(above) >= 1.70 > max(below)  # Báo động I at Cần Thơ is 1.70 m


def test_low_tides_below_the_datum_are_kept_not_clipped_to_zero(conn: Connection) -> None:
    hours, level = _series(conn, CANTHO, "water_level")
    modelled = tide_level(hours)
    assert modelled.min() < -0.2  # the model's low tides in this window
    assert level.min() < -0.2
    assert np.count_nonzero(level == 0.0) == 0


def test_the_largest_daily_tidal_ranges_follow_new_and_full_moon() -> None:
    spring_days = []
    for day in range(1, 32):
        start = dt.datetime(2026, 10, day, tzinfo=LOCAL).timestamp() / 3600
        level = tide_level(start + np.arange(24 * 12) / 12)
        spring_days.append((level.max() - level.min(), day))
    top_two_fortnights = [
        max(spring_days[:15])[1],  # 1-15 October
        max(spring_days[15:])[1],  # 16-31 October
    ]
    new_moon, full_moon = 10, 26  # 2026-10-10 and 2026-10-26
    assert new_moon <= top_two_fortnights[0] <= new_moon + 3
    assert full_moon <= top_two_fortnights[1] <= full_moon + 3


def _by_local_hour(conn: Connection, quantity: str) -> dict[int, float]:
    rows = _all(
        conn,
        """
        SELECT extract(hour FROM h.hour AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS local,
               avg(h.mean) AS mean
        FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id
        JOIN quantity q ON q.id = h.quantity_id
        WHERE s.kind = 'air_station' AND q.code = :q GROUP BY 1
        """,
        q=quantity,
    )
    return {r.local: r.mean for r in rows}


def test_pm25_is_worse_in_the_morning_rush_than_before_dawn(conn: Connection) -> None:
    pm25 = _by_local_hour(conn, "pm25")
    rush = np.mean([pm25[7], pm25[8]])  # 07:00-09:00 local
    night = np.mean([pm25[2], pm25[3]])  # 02:00-04:00 local
    assert rush > 1.5 * night


def test_pm25_is_worse_in_every_station_at_rush_hour(conn: Connection) -> None:
    rows = _all(
        conn,
        """
        SELECT s.code,
               avg(h.mean) FILTER (WHERE extract(hour FROM h.hour AT TIME ZONE
                   'Asia/Ho_Chi_Minh') IN (7, 8)) AS rush,
               avg(h.mean) FILTER (WHERE extract(hour FROM h.hour AT TIME ZONE
                   'Asia/Ho_Chi_Minh') IN (2, 3)) AS night
        FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id
        WHERE s.kind = 'air_station' AND h.quantity_id = 3 GROUP BY s.code
        """,
    )
    assert len(rows) == 9
    assert [r.code for r in rows if not r.rush > r.night] == []


def test_ozone_peaks_in_the_afternoon(conn: Connection) -> None:
    o3 = _by_local_hour(conn, "o3")
    peak = max(o3, key=o3.__getitem__)
    assert 12 <= peak <= 16
    assert o3[peak] > 2 * o3[3]


def test_arterial_traffic_slows_at_rush_hour(conn: Connection) -> None:
    ratio = dict(
        _all(
            conn,
            """
            SELECT extract(hour FROM si.period_start AT TIME ZONE 'Asia/Ho_Chi_Minh')::int,
                   avg(si.value)
            FROM sensor_indicator si
            WHERE si.indicator = 'speed_ratio' AND si.period = 'hour' GROUP BY 1
            """,
        )
    )
    assert ratio[17] < ratio[3] and ratio[7] < ratio[3]


# --- rollups -----------------------------------------------------------------------------------


def test_every_series_is_rolled_up_for_every_hour_and_local_day(conn: Connection) -> None:
    series = _scalar(conn, "SELECT count(*) FROM sensor_quantity")
    hourly = _all(
        conn, "SELECT sensor_id, quantity_id, count(*) AS n FROM reading_hourly GROUP BY 1, 2"
    )
    assert len(hourly) == series
    assert all(HOURS - 1 <= r.n <= HOURS for r in hourly)
    assert _scalar(conn, "SELECT sum(n) FROM reading_hourly") == _scalar(
        conn, "SELECT count(*) FROM reading"
    )
    # 17 Oct 12:05 to 20 Oct 12:00 local touches four local days.
    days = _all(conn, "SELECT DISTINCT day FROM reading_daily ORDER BY day")
    assert [r.day.astimezone(LOCAL).date() for r in days] == [
        dt.date(2026, 10, d) for d in (26, 27, 28, 29)
    ]


def test_sensor_indicators_hold_aqi_alert_levels_and_speed_ratios(conn: Connection) -> None:
    rows = _all(
        conn,
        """
        SELECT si.indicator, s.kind, count(DISTINCT si.sensor_id) AS sensors,
               count(DISTINCT si.period_start) AS hours
        FROM sensor_indicator si JOIN sensor s ON s.id = si.sensor_id
        WHERE si.period = 'hour' GROUP BY 1, 2
        """,
    )
    found = {(r.indicator, r.kind): r for r in rows}
    assert {indicator for indicator, _ in found} == {"aqi", "alert_level", "speed_ratio"}
    assert found[("aqi", "air_station")].sensors == 9
    assert found[("alert_level", "river_gauge")].sensors == 3
    assert found[("alert_level", "canal_gauge")].sensors == 5
    assert found[("speed_ratio", "traffic_detector")].hours == HOURS
    aqi = _all(
        conn,
        "SELECT value FROM sensor_indicator WHERE indicator = 'aqi' AND period = 'hour' "
        "AND value IS NOT NULL",
    )
    assert aqi and all(0 <= r.value <= 500 for r in aqi)


def test_unit_indicators_exist_for_the_city_its_districts_and_wards(conn: Connection) -> None:
    rows = _all(
        conn,
        """
        SELECT u.level, i.indicator, count(DISTINCT u.id) AS units,
               count(DISTINCT i.period_start) AS hours
        FROM unit_indicator i JOIN admin_unit u ON u.id = i.admin_unit_id
        WHERE i.period = 'hour' GROUP BY 1, 2
        """,
    )
    found = {(r.level, r.indicator): r for r in rows}
    for indicator in ("aqi_max", "gauges_above_alert", "congested_share"):
        assert found[("city", indicator)].units == 1
        assert found[("district", indicator)].units >= 5
        assert found[("ward", indicator)].units >= 5
    assert found[("city", "gauges_above_alert")].hours == HOURS
    assert found[("city", "congested_share")].hours == HOURS
    assert found[("district", "aqi_max")].units == 9  # an air station in every district


def test_rewriting_the_demo_keeps_the_unit_indicators_of_real_sensors(conn: Connection) -> None:
    sensor = conn.scalar(
        text(
            "INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3) "
            "VALUES ('agency-gauge', 'agency', ST_SetSRID(ST_MakePoint(105.77, 10.03), 4326), "
            "'Agency gauge', 'river_gauge', 1.7, 1.9, 2.0) RETURNING id"
        )
    )
    hour = dt.datetime(2026, 9, 1, 3, 0, tzinfo=UTC)  # long before the demo window
    write_readings(conn, [Reading(sensor, 1, hour, 1.95)])

    def agency_hour() -> int:
        return _scalar(
            conn,
            "SELECT count(*) FROM unit_indicator WHERE period_start = :h "
            "AND indicator = 'gauges_above_alert'",
            h=hour,
        )

    assert agency_hour() >= 3  # the city, Ninh Kiều and the ward
    write_monitoring_sample(conn, seed=SEED, days=DAYS, end=END)
    assert agency_hour() >= 3


# --- write_sample ------------------------------------------------------------------------------


def _demo_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            table: c.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in (
                "admin_unit",
                "sensor",
                "road_segment",
                "reading",
                "reading_hourly",
                "sensor_indicator",
                "unit_indicator",
                "flood_report",
                "inundation_area",
                "traffic_incident",
                "camera",
            )
        }


def _scalar_in(engine: Engine, sql: str) -> Any:
    with engine.connect() as c:
        return c.scalar(text(sql))


def test_writing_the_sample_again_replaces_the_monitoring_data_instead_of_doubling_it(
    demo: Engine,
) -> None:
    try:
        assert _demo_counts(demo)["reading"] > 0
        write_sample()  # the city alone: the old monitoring set must not hang on
        counts = _demo_counts(demo)
        assert counts["admin_unit"] == 1 + 9 + 82
        assert {table: n for table, n in counts.items() if table != "admin_unit" and n} == {}

        write_sample(days=1)
        once = _demo_counts(demo)
        write_sample(days=1)
        twice = _demo_counts(demo)
        assert once["sensor"] == twice["sensor"] > 100
        assert once["road_segment"] == twice["road_segment"]
        series = _scalar_in(demo, "SELECT count(*) FROM sensor_quantity")
        assert 0.99 * 288 * series < twice["reading"] <= 288 * series
        assert twice["admin_unit"] == 1 + 9 + 82
    finally:
        _write_demo(demo)  # give the module's other tests their data back
