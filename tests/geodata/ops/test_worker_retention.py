"""The worker's retention job: once a day, with the settings' policy and archive folder, under
the worker's lock; a refusal is logged and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geodata.ops.worker import run_once
from geodata.retention import apply
from geodata.settings import get_settings
from tests.retention_data import (
    OLD_MONTHS,
    add_old_readings,
    add_sensors,
    drop_old_partitions,
    partitions,
    readings_of_2023,
    rollups_of_2023,
)

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def old_db(demo_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    drop_old_partitions(demo_db)
    add_sensors(demo_db)
    add_old_readings(demo_db, tmp_path)
    monkeypatch.setattr(apply, "_last_try", {})  # no earlier turn of this process counts
    get_settings.cache_clear()
    yield demo_db
    monkeypatch.undo()
    get_settings.cache_clear()


def _kept(engine: Engine) -> tuple[object, ...]:
    """What retention would change (the turn's other jobs write forecasts and alerts)."""
    return partitions(engine), readings_of_2023(engine), rollups_of_2023(engine)


def test_the_worker_applies_retention_once_a_day(
    old_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "archive").mkdir()
    monkeypatch.setenv("CANTHO_RETENTION_ARCHIVE_DIR", str(tmp_path / "archive"))

    assert run_once(NOW)["retention"] == len(OLD_MONTHS)
    assert not set(OLD_MONTHS) & set(partitions(old_db))
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == [
        "reading_2023_01.csv.gz", "reading_2023_01.csv.gz.sha256",
        "reading_2023_02.csv.gz", "reading_2023_02.csv.gz.sha256",
    ]  # fmt: skip
    # Later the same day: not due (the audit log says when it last ran).
    assert run_once(NOW + dt.timedelta(hours=3))["retention"] == 0


def test_a_refused_turn_is_logged_changes_nothing_and_waits_an_hour(
    old_db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CANTHO_RETENTION_ARCHIVE_DIR", str(tmp_path / "not-mounted"))
    before = _kept(old_db)

    assert run_once(NOW)["retention"] == 0

    assert "the archive folder" in caplog.text and "does not exist" in caplog.text
    assert _kept(old_db) == before
    (tmp_path / "not-mounted").mkdir()  # mounted again: the next try is an hour later
    assert run_once(NOW + dt.timedelta(minutes=5))["retention"] == 0
    assert _kept(old_db) == before
    assert run_once(NOW + dt.timedelta(hours=1, minutes=1))["retention"] == len(OLD_MONTHS)
