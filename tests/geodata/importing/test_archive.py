"""Archived months back through ``load readings`` (geodata/importing/archive.py and the loader):
a .csv.gz is read as a plain file, a checksum beside it is checked first, and a month whose
readings retention dropped only takes back whole hours, never part of one."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geodata.errors import ImportRejected
from geodata.importing import archive
from geodata.importing.load_readings import ReadingOptions, load_readings
from geodata.monitoring.ingest import BatchRejected, Limits, add_token, ingest
from geodata.monitoring.readings import DroppedMonthWrite, Reading, write_readings
from geodata.retention.apply import run
from tests.retention_data import (
    HEADER,
    add_old_readings,
    add_sensors,
    counts,
    drop_old_partitions,
    keep,
    old_lines,
    partitions,
    readings_of_2023,
    rollups_of_2023,
)

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def sensors_db(demo_db: Engine) -> Engine:
    drop_old_partitions(demo_db)
    add_sensors(demo_db)
    return demo_db


def _gz(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join([HEADER, *lines]) + "\n")
    return path


def _state(engine: Engine) -> tuple[dict[str, int], dict[str, set[tuple[Any, ...]]]]:
    return counts(engine), rollups_of_2023(engine)


def test_a_gzip_file_is_loaded_as_the_plain_file_would_be(
    sensors_db: Engine, tmp_path: Path
) -> None:
    path = _gz(tmp_path / "january.csv.gz", old_lines(1))
    summary = load_readings(ReadingOptions(path=path))
    assert (summary.rows, summary.inserted) == (len(old_lines(1)), len(old_lines(1)))
    assert len(readings_of_2023(sensors_db)) == len(old_lines(1))


def test_a_file_matching_its_checksum_is_loaded(sensors_db: Engine, tmp_path: Path) -> None:
    path = _gz(tmp_path / "january.csv.gz", old_lines(1))
    archive.write_checksum(path, archive.sha256_of(path))
    assert load_readings(ReadingOptions(path=path)).inserted == len(old_lines(1))


@pytest.mark.parametrize("damage", ["file changed", "checksum file changed", "not a checksum"])
def test_a_file_that_does_not_match_its_checksum_is_refused_and_nothing_is_written(
    sensors_db: Engine, tmp_path: Path, damage: str
) -> None:
    path = _gz(tmp_path / "reading_2023_01.csv.gz", old_lines(1))
    archive.write_checksum(path, archive.sha256_of(path))
    if damage == "file changed":
        _gz(path, old_lines(1)[:-1])  # a row lost: still a good gzip file, another checksum
    elif damage == "checksum file changed":
        archive.write_checksum(path, "0" * 64)
    else:
        archive.checksum_path(path).write_text("it was fine yesterday\n")
    before = _state(sensors_db)

    with pytest.raises(ImportRejected) as refused:
        load_readings(ReadingOptions(path=path))

    message = str(refused.value)
    assert str(path) in message and "nothing was written" in message and "checksum" in message
    if damage != "not a checksum":
        assert "reading_2023_01.csv.gz.sha256 states" in message
    assert _state(sensors_db) == before


def test_a_damaged_gzip_file_is_refused(sensors_db: Engine, tmp_path: Path) -> None:
    path = _gz(tmp_path / "cut.csv.gz", old_lines(1))
    path.write_bytes(path.read_bytes()[:-40])  # cut short
    before = _state(sensors_db)
    with pytest.raises(ImportRejected, match="not a readable gzip file"):
        load_readings(ReadingOptions(path=path))
    assert _state(sensors_db) == before


@pytest.fixture
def dropped_db(sensors_db: Engine, tmp_path: Path) -> Engine:
    """January and February 2023 archived and dropped by retention (their rollups kept)."""
    add_old_readings(sensors_db, tmp_path)
    (tmp_path / "archive").mkdir()
    run(keep(), NOW, tmp_path / "archive")
    return sensors_db


def test_part_of_an_hour_of_a_dropped_month_is_refused_and_its_rollup_kept(
    dropped_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "late.csv"
    # One reading more for an hour of January: loaded, it would be all the hour has.
    path.write_text(f"{HEADER}\nrg,water_level,2023-01-10T06:01:00+00:00,1.6,0\n")
    before = _state(dropped_db)

    with pytest.raises(ImportRejected) as refused:
        load_readings(ReadingOptions(path=path))

    message = str(refused.value)
    assert "row 1 (line 2): the readings of 2023-01 were dropped by retention" in message
    assert "sensor 'rg' (water_level) had 12 good reading(s) and the file holds 1" in message
    assert "Load the month's archive" in message
    assert _state(dropped_db) == before  # not even the month's partition made again


def test_a_dropped_month_made_again_empty_by_a_wider_load_still_takes_only_whole_hours(
    dropped_db: Engine, tmp_path: Path
) -> None:
    around = tmp_path / "around.csv"
    around.write_text(
        f"{HEADER}\nrg,water_level,2022-12-20T06:00:00+00:00,1.6,0\n"
        "rg,water_level,2023-03-20T06:00:00+00:00,1.6,0\n"
    )
    load_readings(ReadingOptions(path=around))  # makes every partition from 2022-12 to 2023-03
    assert {"reading_2023_01", "reading_2023_02"} <= set(partitions(dropped_db))
    late = tmp_path / "late.csv"
    late.write_text(f"{HEADER}\nrg,water_level,2023-01-10T06:01:00+00:00,1.6,0\n")
    before = _state(dropped_db)

    with pytest.raises(ImportRejected, match="2023-01 were dropped by retention"):
        load_readings(ReadingOptions(path=late))
    assert _state(dropped_db) == before
    # The next run drops the empty partitions again, and writes no empty archive beside the
    # month's own.
    outcome = run(keep(), NOW, tmp_path / "archive")
    assert {"reading_2023_01", "reading_2023_02"} <= set(outcome.dropped)
    assert not any("2023_01" in p.name or "2023_02" in p.name for p in outcome.archived)


def test_the_archive_then_more_readings_of_the_month_are_taken(
    dropped_db: Engine, tmp_path: Path
) -> None:
    load_readings(ReadingOptions(path=tmp_path / "archive" / "reading_2023_01.csv.gz"))
    path = tmp_path / "late.csv"
    path.write_text(f"{HEADER}\nrg,water_level,2023-01-10T06:01:00+00:00,1.6,0\n")
    load_readings(ReadingOptions(path=path))
    with dropped_db.connect() as conn:
        n = conn.scalar(
            text("SELECT h.n FROM reading_hourly h JOIN sensor s ON s.id = h.sensor_id "
                 "WHERE s.code = 'rg' AND h.hour = '2023-01-10T06:00:00+00:00'")
        )  # fmt: skip
    assert n == 13  # the archive's twelve and the late one


def test_a_push_into_a_dropped_month_is_refused_and_writes_nothing(dropped_db: Engine) -> None:
    before = _state(dropped_db)
    with dropped_db.connect() as conn:
        ids = conn.execute(
            text("SELECT s.id, q.id FROM sensor s, quantity q "
                 "WHERE s.code = 'rg' AND q.code = 'water_level'")
        ).one()  # fmt: skip
    at = dt.datetime(2023, 2, 10, 6, 1, tzinfo=dt.UTC)
    with (
        pytest.raises(DroppedMonthWrite, match="2023-02: that month's readings were dropped"),
        dropped_db.begin() as conn,
    ):
        write_readings(conn, [Reading(ids[0], ids[1], at, 1.6)])
    assert _state(dropped_db) == before


def test_a_sensor_push_into_a_dropped_month_is_refused_naming_the_item(
    dropped_db: Engine,
) -> None:
    # Only reachable with the ingestion window widened after the drop (retention refuses a
    # window longer than the readings are kept): the API must refuse the item, not fail.
    with dropped_db.begin() as conn:
        token = add_token(conn, "rg")
    items = [
        {"quantity": "water_level", "unit": "m", "value": 1.6,
         "observed_at": "2023-03-01T06:00:00+00:00"},
        {"quantity": "water_level", "unit": "m", "value": 1.6,
         "observed_at": "2023-02-10T13:01:00+07:00"},
    ]  # fmt: skip
    before = _state(dropped_db)

    with pytest.raises(BatchRejected) as refused, dropped_db.begin() as conn:
        ingest(conn, token, items, Limits(max_age=dt.timedelta(days=10_000)), NOW)

    assert [(e.index, e.field, e.reason, e.values["month"]) for e in refused.value.errors] == [
        (1, "observed_at", "dropped_month", "2023-02")
    ]
    assert _state(dropped_db) == before
