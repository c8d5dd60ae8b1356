"""Bulk readings from CSV: every row checked in PostgreSQL first, all or nothing, rollups after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.errors import ImportRejected
from geodata.importing.load_readings import ReadingOptions, ReadingSummary, load_readings

UTC = dt.UTC
# 2026-10-15 03:00 UTC is 10:00 in Cần Thơ.
T0 = dt.datetime(2026, 10, 15, 3, 0, tzinfo=UTC)
HEADER = "sensor_code,quantity,observed_at,value,quality"


@pytest.fixture
def sensors_db(demo_db: Engine) -> Engine:
    """The demo city with a river gauge (Báo động 1.7/1.9/2.0 m) and an air station."""
    with demo_db.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3)
                VALUES ('g1', 'test', ST_SetSRID(ST_MakePoint(105.775, 10.035), 4326), 'G1',
                        'river_gauge', 1.7, 1.9, 2.0),
                       ('a1', 'test', ST_SetSRID(ST_MakePoint(105.77, 10.03), 4326), 'A1',
                        'air_station', NULL, NULL, NULL)
                """
            )
        )
        conn.execute(
            text(
                """
                INSERT INTO sensor_quantity (sensor_id, quantity_id)
                SELECT s.id, q.id FROM sensor s JOIN quantity q
                  ON (s.code = 'g1' AND q.code = 'water_level')
                  OR (s.code = 'a1' AND q.code IN ('pm25', 'pm10'))
                """
            )
        )
    return demo_db


def series(count: int, start: dt.datetime = T0) -> list[str]:
    """``count`` 5-minute rows: the gauge's level and the station's PM2.5, alternately."""
    lines = []
    for k in range(count):
        at = (start + dt.timedelta(minutes=5 * (k // 2))).isoformat()
        if k % 2 == 0:
            lines.append(f"g1,water_level,{at},{1.5 + (k % 40) / 100:.2f},0")
        else:
            lines.append(f"a1,pm25,{at},{20 + k % 17},0")
    return lines


def csv_file(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def load(path: Path, **options: Any) -> ReadingSummary:
    return load_readings(ReadingOptions(path=path, **options))


def rejected(path: Path, **options: Any) -> str:
    with pytest.raises(ImportRejected) as info:
        load(path, **options)
    message = str(info.value)
    assert str(path) in message and "nothing was written" in message
    return message


def state(engine: Engine) -> dict[str, Any]:
    """Counts of every table a load writes, to prove a refused one wrote nothing."""
    with engine.connect() as conn:
        return {
            table: conn.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("reading", "reading_hourly", "reading_daily", "sensor_indicator",
                          "unit_indicator")
        } | {"partitions": conn.scalar(text("SELECT count(*) FROM pg_inherits "
                                            "WHERE inhparent = 'reading'::regclass"))}  # fmt: skip


def one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


# --- good files ----------------------------------------------------------------------------------


def test_readings_are_stored_and_rolled_up_with_alert_levels(
    sensors_db: Engine, tmp_path: Path
) -> None:
    lines = series(24)  # an hour of both sensors
    lines.append(f"g1,water_level,{(T0 + dt.timedelta(hours=1)).isoformat()},1.95,0")
    path = csv_file(tmp_path / "readings.csv", lines)

    summary = load(path)

    assert (summary.rows, summary.inserted, summary.updated, summary.unchanged) == (25, 25, 0, 0)
    assert summary.sensors == 2
    assert (summary.first, summary.last) == (T0, T0 + dt.timedelta(hours=1))
    assert one(sensors_db, "SELECT count(*) FROM reading")[0] == 25
    hourly = one(
        sensors_db,
        "SELECT h.n, h.max FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id "
        "WHERE s.code = 'g1' AND h.hour = :h",
        h=T0,
    )
    assert hourly.n == 12
    alert = one(
        sensors_db,
        "SELECT si.value FROM sensor_indicator si JOIN sensor s ON s.id = si.sensor_id "
        "WHERE s.code = 'g1' AND si.indicator = 'alert_level' AND si.period = 'hour' "
        "AND si.period_start = :h",
        h=T0 + dt.timedelta(hours=1),
    )
    assert alert.value == 2  # 1.95 m ≥ Báo động II (1.90 m)
    assert "new:       25" in summary.describe()


def test_mapped_columns_semicolons_and_local_times_via_the_command_line(
    sensors_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(
        tmp_path / "muc_nuoc.csv",
        [
            "1,85;g1;water_level;2026-10-15 10:00:00;ghi chú",
            "1,90;g1;water_level;2026-10-15 10:05;",
        ],
        header="GIA_TRI;MA_TRAM;THONG_SO;THOI_GIAN;GHI_CHU",
    )

    # A decimal comma is not a number here: the file is refused, naming the row and field.
    status = main(
        ["load", "readings", str(path), "--delimiter", ";", "--field", "value=gia_tri",
         "--field", "sensor_code=MA_TRAM", "--field", "observed_at=THOI_GIAN", "--quiet"]
    )  # fmt: skip
    assert status == 2
    assert "row 1 (line 2): field 'GIA_TRI' (value) is not a number: '1,85'" in (
        capsys.readouterr().err
    )

    path.write_text(path.read_text(encoding="utf-8").replace(",", "."), encoding="utf-8")
    status = main(
        ["load", "readings", str(path), "--delimiter", ";", "--field", "value=gia_tri",
         "--field", "sensor_code=MA_TRAM", "--field", "observed_at=THOI_GIAN", "--quiet"]
    )  # fmt: skip
    assert status == 0
    assert "Loaded 2 readings" in capsys.readouterr().out
    first = one(sensors_db, "SELECT observed_at, value FROM reading ORDER BY observed_at LIMIT 1")
    assert first.observed_at == T0  # 10:00 without an offset is Cần Thơ time
    assert first.value == 1.85


def test_reloading_a_file_changes_nothing_and_a_corrected_file_updates_values(
    sensors_db: Engine, tmp_path: Path
) -> None:
    lines = series(24)
    path = csv_file(tmp_path / "readings.csv", lines)
    load(path)
    before = state(sensors_db)

    again = load(path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 24)
    assert state(sensors_db) == before

    lines[0] = f"g1,water_level,{T0.isoformat()},2.10,0"  # corrected by the agency
    corrected = load(csv_file(path, lines))

    assert (corrected.inserted, corrected.updated, corrected.unchanged) == (0, 1, 23)
    assert state(sensors_db) == before
    assert one(sensors_db, "SELECT value FROM reading WHERE observed_at = :t AND quantity_id = 1",
               t=T0).value == 2.10  # fmt: skip
    hourly = one(
        sensors_db,
        "SELECT h.max FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id "
        "WHERE s.code = 'g1' AND h.hour = :h",
        h=T0,
    )
    assert hourly.max == 2.10  # the rollup followed the correction


def test_dry_run_checks_every_row_and_writes_nothing(sensors_db: Engine, tmp_path: Path) -> None:
    path = csv_file(tmp_path / "readings.csv", series(100))
    before = state(sensors_db)

    summary = load(path, dry_run=True)

    assert summary.rows == 100
    assert summary.describe().startswith("Dry run: 100 readings")
    assert state(sensors_db) == before

    bad = csv_file(tmp_path / "bad.csv", [*series(10), "g1,pm25,2026-10-15T10:00:00+07:00,3,0"])
    assert "row 11" in rejected(bad, dry_run=True)


# --- bad files -----------------------------------------------------------------------------------


def test_one_bad_row_among_many_rejects_the_whole_file_naming_row_and_field(
    sensors_db: Engine, tmp_path: Path
) -> None:
    load(csv_file(tmp_path / "earlier.csv", series(50)))
    before = state(sensors_db)
    lines = series(60_000, start=dt.datetime(2026, 5, 1, tzinfo=UTC))  # 104 days
    lines[41_999] = "a1,pm25," + lines[41_999].split(",")[2] + ",-7,0"
    path = csv_file(tmp_path / "big.csv", lines)

    message = rejected(path)

    assert (
        "row 42000 (line 42001): field 'value' (value) -7 µg/m³ is outside the physical range "
        "of pm25 (0 to 1000 µg/m³)"
    ) in message
    assert message.count("row ") == 1
    assert state(sensors_db) == before


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("zz,water_level,2026-10-15T10:00:00+07:00,1.2,0",
         "field 'sensor_code' (sensor_code): unknown sensor 'zz'"),
        ("g1,salinity,2026-10-15T10:00:00+07:00,1.2,0",
         "field 'quantity' (quantity): unknown quantity 'salinity'"),
        ("g1,pm25,2026-10-15T10:00:00+07:00,12,0",
         "field 'quantity' (quantity): sensor 'g1' does not measure 'pm25'"),
        ("g1,water_level,2026-10-15T10:00:00+07:00,12.5,0",
         "field 'value' (value) 12.5 m is outside the physical range of water_level (-5 to 10 m)"),
        ("g1,water_level,15/10/2026 10:00,1.2,0",
         "field 'observed_at' (observed_at) is not a date and time: '15/10/2026 10:00'"),
        ("g1,water_level,2026-02-30T10:00:00+07:00,1.2,0",
         "field 'observed_at' (observed_at) is not a date and time: '2026-02-30T10:00:00+07:00'"),
        ("g1,water_level,1026-10-15T10:00:00+07:00,1.2,0",
         "field 'observed_at' (observed_at) '1026-10-15T10:00:00+07:00' is before 2000-01-01"),
        ("g1,water_level,2999-10-15T10:00:00+07:00,1.2,0",
         "field 'observed_at' (observed_at) '2999-10-15T10:00:00+07:00' is in the future"),
        ("g1,water_level,2026-10-15T10:00:00+07:00,,0", "field 'value' (value) is empty"),
        ("g1,water_level,2026-10-15T10:00:00+07:00,1.2x,0",
         "field 'value' (value) is not a number: '1.2x'"),
        ("g1,water_level,2026-10-15T10:00:00+07:00,1.2,7",
         "field 'quality' (quality) must be 0, 1 or 2: '7'"),
        ("g1,water_level,2026-10-15T10:00:00+07:00,1.2,0,extra", "malformed CSV: extra data"),
        ("g1,water_level,2026-10-15T10:00:00+07:00", "malformed CSV: missing data"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_is_named_with_its_reason(
    sensors_db: Engine, tmp_path: Path, line: str, reason: str
) -> None:
    path = csv_file(tmp_path / "r.csv", [*series(4, start=T0 + dt.timedelta(days=2)), line])
    before = state(sensors_db)

    message = rejected(path)

    assert f"row 5 (line 6): {reason}" in message
    assert state(sensors_db) == before


def test_the_same_reading_twice_in_a_file_is_refused_naming_both_rows(
    sensors_db: Engine, tmp_path: Path
) -> None:
    lines = series(6)
    lines.append(lines[2].replace(",0.", ",9."))
    path = csv_file(tmp_path / "dup.csv", lines)
    before = state(sensors_db)

    message = rejected(path)

    assert "rows 3, 7: the same sensor 'g1', quantity 'water_level' and time" in message
    assert state(sensors_db) == before


def test_many_bad_rows_are_counted_and_the_first_ones_listed(
    sensors_db: Engine, tmp_path: Path
) -> None:
    lines = [f"nobody,pm25,{T0.isoformat()},1,0"] * 120
    message = rejected(csv_file(tmp_path / "r.csv", lines))

    assert "row 1 (line 2): field 'sensor_code' (sensor_code): unknown sensor 'nobody'" in message
    assert "120 of 120 rows are bad; the first 40 are listed" in message


def test_a_header_without_the_needed_columns_is_refused(sensors_db: Engine, tmp_path: Path) -> None:
    path = csv_file(tmp_path / "r.csv", ["g1,2026-10-15T10:00:00+07:00,1.2"], header="tram,t,v")

    message = rejected(path, fields={"value": "v", "colour": "c"})

    assert "no sensor_code column (tried sensor_code, sensor, code, ma_tram)" in message
    assert "no observed_at column" in message
    assert "--field colour=…: readings have no column 'colour'" in message
    assert "no value column" not in message  # mapped


def _rollups(engine: Engine) -> list[Any]:
    """Every rollup and indicator row a load writes, comparable after a recompute: numbers to
    12 significant digits, as a mean of the same floats summed in another order differs in its
    last bit."""

    def same(value: Any) -> Any:
        return float(f"{value:.12g}") if isinstance(value, float) else value

    with engine.connect() as conn:
        return [
            [
                tuple(same(v) for v in row)
                for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4"))
            ]
            for table in ("reading_hourly", "reading_daily", "sensor_indicator")
        ]


def test_rollups_made_from_a_fresh_file_equal_those_read_back_from_the_readings(
    sensors_db: Engine, tmp_path: Path
) -> None:
    from geodata.monitoring.readings import refresh_rollups

    with sensors_db.begin() as conn:  # and a traffic detector, so speed ratios are compared too
        conn.execute(
            text(
                """
                WITH road AS (
                    INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh,
                                              length_m, geom)
                    VALUES ('r1', 'test', 'R1', 'arterial', 40, 550, ST_GeomFromText(
                        'LINESTRING(105.770 10.030, 105.775 10.032)', 4326))
                    RETURNING id
                ), detector AS (
                    INSERT INTO sensor (code, source, geom, name, kind, road_segment_id)
                    SELECT 'd1', 'test', ST_SetSRID(ST_MakePoint(105.772, 10.031), 4326), 'D1',
                           'traffic_detector', id FROM road
                    RETURNING id
                )
                INSERT INTO sensor_quantity (sensor_id, quantity_id)
                SELECT detector.id, q.id FROM detector, quantity q WHERE q.code = 'speed'
                """
            )
        )
    lines = series(400) + [
        f"d1,speed,{(T0 + dt.timedelta(minutes=5 * k)).isoformat()},{30 + k % 11},0"
        for k in range(200)
    ]
    lines[7] = lines[7].removesuffix(",0") + ",2"  # a bad reading: left out of every rollup
    load(csv_file(tmp_path / "fresh.csv", lines))
    made_from_file = _rollups(sensors_db)
    assert made_from_file[0]
    indicators = {row[1] for row in made_from_file[2]}  # (sensor_id, indicator, …)
    assert {"alert_level", "speed_ratio", "aqi"} <= indicators
    with sensors_db.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE everything ON COMMIT DROP AS "
                "SELECT sensor_id, quantity_id, observed_at FROM reading"
            )
        )
        refresh_rollups(conn, "everything")
    assert _rollups(sensors_db) == made_from_file


def test_readings_added_to_an_hour_that_has_some_are_rolled_up_with_them(
    sensors_db: Engine, tmp_path: Path
) -> None:
    # 10:00–10:25 first, then 10:30–10:55 of the same hour in a second file.
    load(csv_file(tmp_path / "first.csv", series(12)))
    load(csv_file(tmp_path / "second.csv", series(12, T0 + dt.timedelta(minutes=30))))
    with sensors_db.connect() as conn:
        n, mean = conn.execute(
            text(
                "SELECT h.n, h.mean FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id "
                "WHERE s.code = 'a1' AND h.hour = :hour"
            ),
            {"hour": T0},
        ).one()
        expected = conn.scalar(
            text(
                "SELECT avg(r.value) FROM reading r JOIN sensor s ON s.id = r.sensor_id "
                "WHERE s.code = 'a1' AND r.observed_at >= :hour "
                "AND r.observed_at < :hour + interval '1 hour'"
            ),
            {"hour": T0},
        )
    assert n == 12 and mean == pytest.approx(expected)
