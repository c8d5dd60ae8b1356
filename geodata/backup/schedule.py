"""What the worker does for backups, and when (``python -m geodata worker``, ``make run``).

Every turn, once backups are set up (``make backup`` made the stanza):

- the photos not yet in the repository are copied when ``backup_files_interval_s`` has passed
  since the last copy (a few seconds' work: the folder is listed and only new files are read);
- a base backup is started when one is due (``due``): a full one every ``backup_full_days``
  days, a differential one when none finished in the last ``backup_diff_hours`` hours. It runs
  as its own process (``python -m geodata backup run``) so the rollups and alerts never wait
  for it; the session lock that process holds keeps a second one from starting, on this node
  or another.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Connection, text

from geodata.backup import files
from geodata.backup.runs import RUNNING_LOCK, stanza_ready
from geodata.backup.tool import layout_of
from geodata.settings import Settings

# The checkout, from which ``python -m geodata`` runs.
_ROOT = Path(__file__).resolve().parent.parent.parent
_SYNCED = ".synced"  # a file in the repository's photo part: its time is the last copy's


def due(conn: Connection, now: dt.datetime, settings: Settings) -> str | None:
    """The kind of base backup due at ``now`` for the settings' repository (``full``, ``diff``),
    or None: none due, or one failed less than ``backup_retry_min`` minutes ago."""
    repo = str(layout_of(settings).repo)
    last = conn.execute(
        text(
            "SELECT max(finished_at) FILTER (WHERE ok AND kind = 'full') AS full, "
            "max(finished_at) FILTER (WHERE ok) AS any_ok, "
            "max(started_at) FILTER (WHERE ok = false) AS failed "
            "FROM backup_run WHERE repo = :repo"
        ),
        {"repo": repo},
    ).one()
    failed_last = last.failed is not None and (last.any_ok is None or last.failed > last.any_ok)
    if failed_last and now - last.failed < dt.timedelta(minutes=settings.backup_retry_min):
        return None
    if settings.backup_full_days and (
        last.full is None or now - last.full >= dt.timedelta(days=settings.backup_full_days)
    ):
        return "full"
    if settings.backup_diff_hours and (
        last.any_ok is None or now - last.any_ok >= dt.timedelta(hours=settings.backup_diff_hours)
    ):
        return "diff"
    return None


def turn(conn: Connection, now: dt.datetime, settings: Settings) -> int:
    """The worker's backup job: photos copied, and a base backup started when due; how many
    things it did (photos copied, plus one for a backup started)."""
    layout = layout_of(settings)
    if not stanza_ready(layout):
        return 0  # backups are not set up here (make backup)
    did = 0
    marker = layout.files / _SYNCED
    interval = settings.backup_files_interval_s
    if interval and (not marker.exists() or time.time() - marker.stat().st_mtime >= interval):
        did += files.sync(settings.photo_dir, layout.files).copied
        marker.touch()
    kind = due(conn, now, settings)
    # The running backup's session lock conflicts with this transaction lock: got it, none runs.
    if kind and conn.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": RUNNING_LOCK}
    ):
        start_backup(kind, layout.state / "log" / "scheduled.log")
        did += 1
    return did


def start_backup(kind: str, log: Path) -> subprocess.Popen[bytes]:
    """``python -m geodata backup run --type KIND`` in a process of its own, its output
    appended to ``log``."""
    with log.open("ab") as out:
        out.write(f"--- {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}Z scheduled {kind}\n".encode())
        out.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "geodata", "backup", "run", "--type", kind],
            cwd=_ROOT,
            env=os.environ.copy(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
