"""Rows of ``backup_run`` as the backup command writes them (migration 0026): a run that
finished well or failed at a given moment, or one still running."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

GB = 1_000_000_000


def add_backup_run(
    engine: Engine,
    finished_at: dt.datetime | None,
    *,
    ok: bool = True,
    kind: str = "full",
    error: str | None = None,
    label: str | None = None,
    took: dt.timedelta = dt.timedelta(minutes=4),
) -> int:
    """A run that started ``took`` before ``finished_at`` (None: still running, started
    ``took`` ago); good ones with their sizes. Its id."""
    start = (finished_at or dt.datetime.now(dt.UTC)) - took
    done = ok and finished_at is not None
    values = {"kind": kind, "label": label, "start": start, "end": finished_at,
              "ok": None if finished_at is None else ok, "error": None if ok else error,
              "db": 3 * GB // 2 if done else None, "repo": 420_000_000 if done else None,
              "files": 1234 if done else None,
              "files_bytes": 2_500_000 if done else None}  # fmt: skip
    with engine.begin() as conn:
        return int(
            conn.scalar(
                text(
                    """
                    INSERT INTO backup_run (kind, label, repo, started_at, finished_at, ok, error,
                                            db_bytes, repo_bytes, files_count, files_bytes)
                    VALUES (:kind, :label, '/srv/backup/cantho', :start, :end, :ok, :error,
                            :db, :repo, :files, :files_bytes)
                    RETURNING id
                    """
                ),
                values,
            )
        )
