"""When the worker starts a base backup (geodata/backup/schedule.py): a full one every
``backup_full_days``, a differential one when none finished for ``backup_diff_hours``, none
while a failure is recent, counting only the runs of the repository in the settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geodata.backup.schedule import due
from geodata.settings import Settings

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
REPO = Path("/mnt/backup/cantho")


def _settings(**changes: object) -> Settings:
    values: dict[str, object] = {
        "backup_repo": REPO,
        "backup_full_days": 7,
        "backup_diff_hours": 24,
        "backup_retry_min": 30,
    }
    return Settings(**(values | changes))  # type: ignore[arg-type]


def _run(engine: Engine, kind: str, hours_ago: float, ok: bool, repo: Path = REPO) -> None:
    finished = NOW - dt.timedelta(hours=hours_ago)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO backup_run (kind, repo, started_at, finished_at, ok, error) "
                "VALUES (:k, :r, :s, :f, :ok, :e)"
            ),
            {
                "k": kind,
                "r": str(repo),
                "s": finished - dt.timedelta(minutes=5),
                "f": finished,
                "ok": ok,
                "e": None if ok else "disk full",
            },
        )


def _due(engine: Engine, **changes: object) -> str | None:
    with engine.connect() as conn:
        return due(conn, NOW, _settings(**changes))


@pytest.fixture
def runs(empty_db: Engine) -> Engine:
    return empty_db


def test_the_first_backup_is_a_full_one(runs) -> None:
    assert _due(runs) == "full"


def test_a_full_backup_an_hour_old_leaves_nothing_due(runs) -> None:
    _run(runs, "full", 1, ok=True)
    assert _due(runs) is None


def test_a_day_after_the_last_backup_a_differential_one_is_due(runs) -> None:
    _run(runs, "full", 25, ok=True)
    assert _due(runs) == "diff"
    assert _due(runs, backup_diff_hours=0) is None  # differential backups off


def test_a_week_after_the_last_full_backup_a_full_one_is_due_whatever_came_between(runs) -> None:
    _run(runs, "full", 7 * 24 + 1, ok=True)
    _run(runs, "diff", 1, ok=True)
    assert _due(runs) == "full"


def test_a_failed_backup_is_tried_again_after_the_retry_delay_not_every_turn(runs) -> None:
    _run(runs, "full", 25, ok=True)
    _run(runs, "diff", 0.1, ok=False)
    assert _due(runs) is None
    assert _due(runs, backup_retry_min=5) == "diff"


def test_only_the_runs_of_this_repository_count(runs) -> None:
    _run(runs, "full", 1, ok=True, repo=Path("/old/disk"))
    assert _due(runs) == "full"
