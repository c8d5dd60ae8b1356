"""Retention applied (geodata/retention/apply.py) to a real PostGIS and a real archive folder:
whole months of raw readings exported, checked and dropped, their rollups kept; the other kinds
deleted by age; every refusal before anything changes."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.db import transaction
from geodata.importing import archive
from geodata.reports import intake
from geodata.reports import photos as files
from geodata.reports.service import NewReport
from geodata.retention import apply
from geodata.retention.apply import make_plan, run
from geodata.retention.policy import RetentionRefused
from geodata.settings import get_settings
from tests.retention_data import (
    OLD_MONTHS,
    add_old_readings,
    add_sensors,
    counts,
    drop_old_partitions,
    keep,
    partitions,
    readings_of_2023,
    rollups_of_2023,
)

NOW = dt.datetime.now(dt.UTC)
PER_MONTH = 3 * 12 * 3 + 1  # three hours of three quantities every 5 minutes, and a bad one


@pytest.fixture
def old_db(demo_db: Engine, tmp_path: Path) -> Engine:
    """The demo city (readings of recent months) with two sensors' readings of early 2023."""
    drop_old_partitions(demo_db)
    add_sensors(demo_db)
    add_old_readings(demo_db, tmp_path)
    return demo_db


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    return folder


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read again after the test sets CANTHO_* variables, and restored after.

    A test clears the settings' cache again after its ``setenv``: anything between this
    fixture and the ``setenv`` (a first database connection in the test) may have read and
    cached the settings without the variable."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _archived_rows(path: Path) -> set[tuple[Any, ...]]:
    """The readings in an archive file, typed as the database gives them back."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as source:
        return {
            (r["sensor_code"], r["quantity"], dt.datetime.fromisoformat(r["observed_at"]),
             float(r["value"]), int(r["quality"]))
            for r in csv.DictReader(source)
        }  # fmt: skip


# --- the plan ------------------------------------------------------------------------------------


def test_plan_names_each_month_past_retention_and_why_and_changes_nothing(
    old_db: Engine, archive_dir: Path, settings_env: pytest.MonkeyPatch, capsys: Any
) -> None:
    before = counts(old_db)
    with transaction() as conn:
        plan = make_plan(conn, keep(), NOW, archive_dir)
    assert [(m.partition, m.rows) for m in plan.months] == [(p, PER_MONTH) for p in OLD_MONTHS]
    assert plan.problems == []
    # Yesterday's month is kept: it has not ended two years ago.
    yesterday = NOW - dt.timedelta(days=1)
    assert f"reading_{yesterday:%Y_%m}" in partitions(old_db)

    settings_env.setenv("CANTHO_RETENTION_ARCHIVE_DIR", str(archive_dir))
    get_settings.cache_clear()
    assert main(["retention", "plan"]) == 0
    said = capsys.readouterr().out
    assert "(730 days, CANTHO_RETENTION_READINGS_DAYS) are dropped" in said
    assert f"reading_2023_01: {PER_MONTH:,} readings, ended 2023-02-01" in said
    assert str(archive_dir / "reading_2023_01.csv.gz") in said
    assert "audit: kept for ever" not in said  # the default keeps it five years
    assert "nothing was changed" in said
    assert counts(old_db) == before and list(archive_dir.iterdir()) == []


# --- raw months: export, check, drop -------------------------------------------------------------


def test_run_exports_each_month_with_its_checksum_then_drops_the_partition(
    old_db: Engine, archive_dir: Path
) -> None:
    stored = readings_of_2023(old_db)
    others = [p for p in partitions(old_db) if p not in OLD_MONTHS]

    outcome = run(keep(), NOW, archive_dir)

    assert outcome.dropped == list(OLD_MONTHS)
    assert partitions(old_db) == others  # whole partitions gone, every other one kept
    assert readings_of_2023(old_db) == set()
    archived: set[tuple[Any, ...]] = set()
    for name in OLD_MONTHS:
        path = archive_dir / f"{name}.csv.gz"
        assert path in outcome.archived
        assert archive.verify(path) == archive.sha256_of(path)
        # The checksum file is sha256sum's own format: the archive can be checked by hand.
        checked = subprocess.run(
            ["sha256sum", "-c", f"{path.name}.sha256"], cwd=archive_dir, capture_output=True
        )
        assert checked.returncode == 0, checked.stdout
        rows = _archived_rows(path)
        assert len(rows) == PER_MONTH
        archived |= rows
    assert archived == stored
    with old_db.connect() as conn:
        logged = conn.execute(
            text("SELECT outcome, detail FROM audit_log WHERE action = 'retention'")
        ).one()
    assert logged.outcome == "success" and logged.detail["dropped"] == list(OLD_MONTHS)


def test_rollups_and_indicators_of_dropped_months_stay(old_db: Engine, archive_dir: Path) -> None:
    before = rollups_of_2023(old_db)
    assert all(before.values()), "every kind of rollup has rows of 2023 to keep"

    run(keep(), NOW, archive_dir)

    assert rollups_of_2023(old_db) == before


def _recompute_2023() -> None:
    """What recomputes rollups over old months: a boundary change recomputes its units'
    indicators for every period, and a queued hour is rolled up from the readings stored."""
    from geodata.monitoring.readings import drain_rollup_queue, refresh_units

    with transaction() as conn:
        refresh_units(conn, list(conn.scalars(text("SELECT id FROM admin_unit"))))
        conn.execute(
            text(
                "INSERT INTO rollup_queue (sensor_id, quantity_id, hour) "
                "SELECT sensor_id, quantity_id, hour FROM reading_hourly "
                "WHERE hour < '2024-01-01'"
            )
        )
        assert drain_rollup_queue(conn) > 0


def test_recomputing_over_a_dropped_month_keeps_its_rollups(
    old_db: Engine, archive_dir: Path
) -> None:
    _recompute_2023()  # settled: recomputed once while the readings are there
    before = rollups_of_2023(old_db)

    run(keep(), NOW, archive_dir)
    _recompute_2023()

    assert rollups_of_2023(old_db) == before


def test_the_archive_loaded_back_gives_the_same_readings_and_rollups(
    old_db: Engine, archive_dir: Path
) -> None:
    from geodata.importing.load_readings import ReadingOptions, load_readings

    stored, rollups = readings_of_2023(old_db), rollups_of_2023(old_db)
    outcome = run(keep(), NOW, archive_dir)

    for path in outcome.archived:
        summary = load_readings(ReadingOptions(path=path))
        assert (summary.rows, summary.inserted) == (PER_MONTH, PER_MONTH)

    assert readings_of_2023(old_db) == stored
    assert rollups_of_2023(old_db) == rollups
    # Archived again (the month is past retention still), the first archive is never
    # overwritten: the same content keeps its name, other content would take the next one.
    first = {p: archive.sha256_of(p) for p in outcome.archived}
    again = run(keep(), NOW, archive_dir)
    assert again.dropped == list(OLD_MONTHS)
    assert {p: archive.verify(p) for p in first} == first
    for path in again.archived:
        month = path.name.split(".")[0]
        assert _archived_rows(path) == _archived_rows(archive_dir / f"{month}.csv.gz")


def test_without_export_months_are_dropped_and_no_file_is_written(
    old_db: Engine, archive_dir: Path
) -> None:
    outcome = run(keep(), NOW, None)
    assert outcome.dropped == list(OLD_MONTHS) and outcome.archived == []
    assert list(archive_dir.iterdir()) == []


def test_an_export_that_cannot_be_read_back_drops_nothing(
    old_db: Engine, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(old_db)
    real = apply._copy_out

    def one_row_short(conn: Any, partition: str) -> Iterator[bytes]:
        data = b"".join(real(conn, partition))
        yield data[: data.rstrip(b"\n").rfind(b"\n") + 1]  # the last row lost on the way

    monkeypatch.setattr(apply, "_copy_out", one_row_short)
    with pytest.raises(RetentionRefused, match=f"read back {PER_MONTH - 1} rows"):
        run(keep(), NOW, archive_dir)
    assert counts(old_db) == before
    assert list(archive_dir.iterdir()) == []  # the partial file is gone too


# --- refusals: nothing changes -------------------------------------------------------------------


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into, root included (immutable when run as root)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o500)
    try:
        with pytest.raises(OSError):
            (folder / "probe").write_bytes(b"")
        yield folder
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o700)


@pytest.mark.parametrize("case", ["missing", "a file", "not writable"])
def test_an_archive_folder_that_cannot_take_the_months_is_refused_and_nothing_changes(
    old_db: Engine, tmp_path: Path, unwritable_dir: Path, case: str
) -> None:
    folder = {
        "missing": tmp_path / "not-mounted",
        "a file": tmp_path / "a-file",
        "not writable": unwritable_dir,
    }[case]
    if case == "a file":
        folder.write_text("")
    before, rollups = counts(old_db), rollups_of_2023(old_db)
    reason = {"missing": "does not exist", "a file": "is not a folder",
              "not writable": "is not writable"}[case]  # fmt: skip

    with pytest.raises(RetentionRefused, match=reason) as refused:
        run(keep(audit=1), NOW, folder)

    message = str(refused.value)
    assert str(folder) in message and "CANTHO_RETENTION_ARCHIVE_DIR" in message
    assert counts(old_db) == before and rollups_of_2023(old_db) == rollups
    assert not folder.exists() or folder.is_file() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CANTHO_RETENTION_READINGS_DAYS", "20", "CANTHO_INGEST_MAX_AGE_DAYS=30"),
        ("CANTHO_RETENTION_HOURLY_DAYS", "400", "CANTHO_RETENTION_READINGS_DAYS=730"),
        ("CANTHO_RETENTION_AUDIT_DAYS", "-5", "1 or more"),
    ],
)
def test_refused_settings_stop_the_command_and_change_nothing(
    old_db: Engine, archive_dir: Path, settings_env: pytest.MonkeyPatch, capsys: Any,
    variable: str, value: str, named: str,
) -> None:  # fmt: skip
    before = counts(old_db)
    settings_env.setenv(variable, value)
    get_settings.cache_clear()
    assert main(["retention", "run", "--export-dir", str(archive_dir)]) == 2
    said = capsys.readouterr().err
    assert f"{variable}={value}" in said and named in said and "nothing was changed" in said
    assert counts(old_db) == before and list(archive_dir.iterdir()) == []


# --- the other kinds, by age ---------------------------------------------------------------------


def test_audit_log_forecasts_and_resolved_alerts_past_retention_are_deleted_in_batches(
    old_db: Engine, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply, "BATCH", 10)
    old, recent = NOW - dt.timedelta(days=6 * 365), NOW - dt.timedelta(days=3)
    with old_db.begin() as conn:
        conn.execute(
            text("INSERT INTO audit_log (at, action, outcome) "
                 "SELECT :at, 'sign_in', 'success' FROM generate_series(1, :n)"),
            [{"at": old, "n": 25}, {"at": recent, "n": 3}],
        )  # fmt: skip
        gauge = conn.scalar(text("SELECT id FROM sensor WHERE code = 'rg'"))
        conn.execute(
            text("INSERT INTO water_forecast (sensor_id, issued_at, method, no_forecast) "
                 "VALUES (:s, :at, 'test', 'short_history')"),
            [{"s": gauge, "at": old}, {"s": gauge, "at": recent}],
        )  # fmt: skip
        rule = conn.scalar(
            text("INSERT INTO alert_rule (name, kind, fire_at, clear_at) "
                 "VALUES ('test', 'gauge_level', 2, 1) RETURNING id")
        )  # fmt: skip
        alerts = {}
        for name, state, started, resolved in (
            ("old resolved", "resolved", old, old), ("old firing", "firing", old, None),
            ("recent resolved", "resolved", recent, recent),
        ):  # fmt: skip
            alerts[name] = conn.scalar(
                text("INSERT INTO alert (rule_id, subject_kind, subject_id, state, started_at, "
                     "fired_at, resolved_at, evaluated_at) "
                     "VALUES (:r, 'sensor', :s, :state, :at, :at, :res, :at) RETURNING id"),
                {"r": rule, "s": gauge, "state": state, "at": started, "res": resolved},
            )  # fmt: skip
            conn.execute(
                text("INSERT INTO alert_event (alert_id, at, action) VALUES (:a, :at, 'fired')"),
                {"a": alerts[name], "at": started},
            )
    before = counts(old_db)

    outcome = run(keep(audit=1827, forecasts=730, alerts=365), NOW, archive_dir)

    assert outcome.deleted["audit log entries"] == 25
    assert outcome.deleted["water-level forecasts"] == 1
    assert outcome.deleted["resolved alerts (with their steps)"] == 1
    after = counts(old_db)
    assert after["audit_log"] == before["audit_log"] - 25 + 1  # and the run's own entry
    assert after["water_forecast"] == before["water_forecast"] - 1
    with old_db.connect() as conn:
        kept = set(conn.scalars(text("SELECT id FROM alert")))
        events = set(conn.scalars(text("SELECT alert_id FROM alert_event")))
    # An alert still firing is kept however old; a resolved one goes with its steps.
    assert kept == events == {alerts["old firing"], alerts["recent resolved"]}


def test_hourly_rollups_past_their_retention_go_with_their_indicators_and_daily_ones_stay(
    old_db: Engine, archive_dir: Path
) -> None:
    before = rollups_of_2023(old_db)
    with old_db.connect() as conn:
        recent = conn.scalar(text("SELECT count(*) FROM reading_hourly WHERE hour > now() - "
                                  "interval '3 days'"))  # fmt: skip

    outcome = run(keep(hourly=1000), NOW, archive_dir)

    after = rollups_of_2023(old_db)
    assert after["reading_hourly"] == set()
    assert after["reading_daily"] == before["reading_daily"]
    for table in ("sensor_indicator", "unit_indicator"):
        assert {r for r in before[table] if r[2] == "day"} == after[table]
    assert outcome.deleted["hourly rollups"] == len(before["reading_hourly"])
    with old_db.connect() as conn:
        assert (
            recent
            and conn.scalar(
                text("SELECT count(*) FROM reading_hourly WHERE hour > now() - interval '3 days'")
            )
            == recent
        )


def _photo(colour: tuple[int, int, int]) -> files.Photo:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return files.accept(out.getvalue(), "anh.jpg")


def _files(folder: Path) -> set[str]:
    return {p.stem for p in folder.rglob("*") if p.is_file()}


def test_a_resolved_report_loses_its_contact_then_its_photos_but_is_kept(
    old_db: Engine, archive_dir: Path, tmp_path: Path, settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("CANTHO_PHOTO_DIR", str(tmp_path / "photos"))
    get_settings.cache_clear()
    shared, own, fresh = _photo((200, 30, 30)), _photo((30, 200, 30)), _photo((30, 30, 200))
    new = NewReport(category="waste", lon=105.775, lat=10.03, name="Nguyễn Văn A",
                    phone="0900000000")  # fmt: skip
    at = NOW - dt.timedelta(days=4 * 365)
    old_resolved = intake.submit_with_photos(new, [shared, own], at, at.date())
    still_open = intake.submit_with_photos(new, [shared], at, at.date())
    lately_resolved = intake.submit_with_photos(new, [fresh], at, at.date())
    with old_db.begin() as conn:
        for report, resolved in ((old_resolved, NOW - dt.timedelta(days=3 * 365)),
                                 (lately_resolved, NOW - dt.timedelta(days=30))):  # fmt: skip
            conn.execute(
                text("UPDATE citizen_report SET status = 'resolved', resolution = 'fixed', "
                     "resolved_at = :at WHERE id = :id"),
                {"at": resolved, "id": report.id},
            )  # fmt: skip
    before = counts(old_db)

    outcome = run(keep(report_contacts=365, report_photos=730), NOW, archive_dir)

    with old_db.connect() as conn:
        contacts = set(conn.scalars(text("SELECT report_id FROM report_contact")))
        photo_rows = set(conn.scalars(text("SELECT report_id FROM report_photo")))
    assert outcome.deleted == {
        "contacts of citizens' reports": 1,
        "photos of citizens' reports": 2,
    }
    assert counts(old_db)["citizen_report"] == before["citizen_report"]  # the reports stay
    assert old_resolved.id not in contacts and old_resolved.id not in photo_rows
    assert {still_open.id, lately_resolved.id} <= contacts & photo_rows
    # The photo only the old report had is gone from the disk; the one an open report shares
    # stays, as does the lately resolved report's.
    assert outcome.photo_files_removed == 2
    assert _files(tmp_path / "photos") == {
        shared.sha256,
        shared.thumb_sha256,
        fresh.sha256,
        fresh.thumb_sha256,
    }


def test_nothing_past_retention_changes_nothing_but_the_audit_entry(
    old_db: Engine, archive_dir: Path
) -> None:
    before = counts(old_db)
    outcome = run(keep(readings=None), NOW, archive_dir)
    assert outcome.total() == 0 and "nothing was past retention" in outcome.describe()
    assert counts(old_db) == before | {"audit_log": before["audit_log"] + 1}
    assert list(archive_dir.iterdir()) == []
