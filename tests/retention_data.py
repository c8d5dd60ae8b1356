"""Old readings to apply retention to: a river gauge and an air station in Ninh Kiều with a few
hours of 5-minute readings in January and February 2023 (long past the default two years), and
a picture of everything retention may touch, to compare before and after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from geodata.importing.load_readings import ReadingOptions, load_readings
from geodata.retention.policy import Policy

OLD_MONTHS = ("reading_2023_01", "reading_2023_02")
HEADER = "sensor_code,quantity,observed_at,value,quality"


def add_sensors(engine: Engine) -> None:
    """The gauge ``rg`` (Báo động 1.7/1.9/2.0 m) and the air station ``ra`` (PM2.5, PM10)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3)
                VALUES ('rg', 'test', ST_SetSRID(ST_MakePoint(105.775, 10.035), 4326), 'RG',
                        'river_gauge', 1.7, 1.9, 2.0),
                       ('ra', 'test', ST_SetSRID(ST_MakePoint(105.77, 10.03), 4326), 'RA',
                        'air_station', NULL, NULL, NULL)
                """
            )
        )
        conn.execute(
            text(
                """
                INSERT INTO sensor_quantity (sensor_id, quantity_id)
                SELECT s.id, q.id FROM sensor s JOIN quantity q
                  ON (s.code = 'rg' AND q.code = 'water_level')
                  OR (s.code = 'ra' AND q.code IN ('pm25', 'pm10'))
                """
            )
        )


def drop_old_partitions(engine: Engine) -> None:
    """No partition before 2024 left by another test: each test starts from its own months."""
    with engine.begin() as conn:
        for name in conn.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'reading'::regclass AND c.relname < 'reading_2024'"
            )
        ).all():
            conn.execute(text(f'DROP TABLE "{name}"'))


def old_lines(month: int, hours: int = 3) -> list[str]:
    """``hours`` hours of both sensors on the 10th of ``month`` 2023 (from 06:00 UTC), with a
    bad reading (quality 2) in the first hour, and odd values that must come back exactly."""
    start = dt.datetime(2023, month, 10, 6, tzinfo=dt.UTC)
    lines = []
    for k in range(12 * hours):
        at = (start + dt.timedelta(minutes=5 * k)).isoformat()
        lines.append(f"rg,water_level,{at},{1.5 + (k % 50) / 97:.17g},0")
        lines.append(f"ra,pm25,{at},{20 + (k * 7) % 23 + 1 / 3:.17g},{1 if k % 5 == 0 else 0}")
        lines.append(f"ra,pm10,{at},{40 + (k * 11) % 29},0")
    lines.append(f"rg,water_level,{(start + dt.timedelta(minutes=2)).isoformat()},9.5,2")
    return lines


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def recent_lines() -> list[str]:
    """An hour of the gauge yesterday: a month well within retention."""
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=1)
    return [
        f"rg,water_level,{(start + dt.timedelta(minutes=5 * k)).isoformat()},1.2,0"
        for k in range(12)
    ]


def add_old_readings(engine: Engine, folder: Path) -> None:
    """January and February 2023, and an hour yesterday, loaded as a bulk file (rollups and
    indicators with them)."""
    # Two files: one spanning 2023 to now would make every month's partition in between.
    load_readings(ReadingOptions(path=write_csv(folder / "old.csv", old_lines(1) + old_lines(2))))
    load_readings(ReadingOptions(path=write_csv(folder / "recent.csv", recent_lines())))


def keep(**days: int | None) -> Policy:
    """A policy keeping raw readings 730 days and everything else for ever, but ``days``."""
    values: dict[str, Any] = {
        "readings": 730, "hourly": None, "daily": None, "audit": None, "forecasts": None,
        "alerts": None, "report_contacts": None, "report_photos": None,
    }  # fmt: skip
    return Policy(**(values | days))


def partitions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(
            conn.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'reading'::regclass"
                )
            )
        )


def readings_of_2023(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT s.code, q.code, r.observed_at, r.value, r.quality FROM reading r "
                    "JOIN sensor s ON s.id = r.sensor_id JOIN quantity q ON q.id = r.quantity_id "
                    "WHERE r.observed_at < '2024-01-01'"
                )
            ).all()
        )


ROLLUP_QUERIES = {
    "reading_hourly": "SELECT sensor_id, quantity_id, hour, n, mean, min, max "
    "FROM reading_hourly WHERE hour < '2024-01-01'",
    "reading_daily": "SELECT sensor_id, quantity_id, day, n, mean, min, max "
    "FROM reading_daily WHERE day < '2024-01-01'",
    "sensor_indicator": "SELECT sensor_id, indicator, period, period_start, value, detail "
    "FROM sensor_indicator WHERE period_start < '2024-01-01'",
    "unit_indicator": "SELECT admin_unit_id, indicator, period, period_start, value, detail "
    "FROM unit_indicator WHERE period_start < '2024-01-01'",
}


def _rounded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Floats to 9 significant digits: a mean summed in another order may differ in its last
    bit, which is not a different rollup."""
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else str(v) for v in row)


def rollups_of_2023(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup and indicator row of 2023 (floats rounded)."""
    with engine.connect() as conn:
        return {
            table: {_rounded(tuple(r)) for r in conn.execute(text(sql)).all()}
            for table, sql in ROLLUP_QUERIES.items()
        }


def counts(engine: Engine) -> dict[str, int]:
    """Rows of every table retention may touch, and the partitions: the state to compare."""
    tables = (
        "reading", "reading_hourly", "reading_daily", "sensor_indicator", "unit_indicator",
        "audit_log", "water_forecast", "alert", "alert_event", "citizen_report",
        "report_contact", "report_photo",
    )  # fmt: skip
    with engine.connect() as conn:
        found = {t: int(conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0) for t in tables}
    return found | {"partitions": len(partitions(engine))}
