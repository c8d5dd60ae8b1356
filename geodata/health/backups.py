"""Backup health in one place (issue 16): the newest good base backup, the last failed run and
why, and whether WAL archiving keeps up.

Base backups are read from ``backup_run`` (migration 0026; the backup command writes a row when
it starts and completes it when it is done). WAL archiving is read live from the server itself
(``pg_stat_archiver``, ``archive_mode``, ``archive_timeout``, the WAL position): what matters is
the primary's, so callers read through :func:`geodata.db.transaction` (the primary), never
:func:`geodata.db.reading`, which may answer from a replica whose archiver is idle by design.

WAL archiving is judged, in this order:

- ``off``: ``archive_mode`` off, or on with no archive command or library (PostgreSQL then
  keeps the WAL and archives nothing);
- ``failing``: the archiver's last failure is newer than its last success;
- ``behind``: finished WAL segments wait unarchived and nothing was archived for longer than
  the bound (setting ``backup_wal_max_delay_s``; by default twice ``archive_timeout``, at least
  a minute, or 10 minutes when ``archive_timeout`` is off). A segment that has just finished
  after a long quiet spell counts as behind only until the archiver's next success, a second or
  so later: the alert rule's pending time covers that;
- ``ok`` otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geodata.settings import get_settings

WAL_STATES = ("ok", "off", "failing", "behind")
_NO_TIMEOUT_BOUND_S = 600.0


@dataclass(frozen=True)
class BackupRun:
    """One row of ``backup_run``."""

    id: int
    kind: str  # 'full', 'diff' or 'incr'
    label: str | None
    repo: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    ok: bool | None
    error: str | None
    db_bytes: int | None
    repo_bytes: int | None
    files_count: int | None
    files_bytes: int | None


@dataclass(frozen=True)
class WalArchiving:
    """The primary's WAL archiver as the server reports it now."""

    mode: str  # archive_mode: off, on, always
    timeout_s: int  # archive_timeout (0: none)
    configured: bool  # an archive command or library is set
    archived_count: int
    last_archived_wal: str | None
    last_archived_at: dt.datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_at: dt.datetime | None
    current_wal: str | None  # the segment being written
    waiting: int | None  # finished segments not archived yet (None: cannot tell)
    bound_s: float  # how long finished segments may wait
    state: str  # one of WAL_STATES

    @property
    def keeps_up(self) -> bool:
        return self.state == "ok"


@dataclass(frozen=True)
class BackupHealth:
    """Backups and WAL archiving at ``at``."""

    at: dt.datetime
    max_age_h: float
    newest_good: BackupRun | None
    last_failed: BackupRun | None
    failures_since_good: int  # failed runs finished after the newest good one
    running: BackupRun | None  # a run started and not finished yet
    wal: WalArchiving

    @property
    def age_h(self) -> float | None:
        """Hours since the newest good backup finished; None when there is none."""
        if self.newest_good is None or self.newest_good.finished_at is None:
            return None
        return (self.at - self.newest_good.finished_at).total_seconds() / 3600

    @property
    def stale(self) -> bool:
        """No good backup, or the newest is older than the setting."""
        age = self.age_h
        return age is None or age > self.max_age_h

    @property
    def failed_last(self) -> bool:
        """The last finished run failed (newer than the newest good one, or no good one)."""
        return self.failures_since_good > 0

    @property
    def needs_attention(self) -> bool:
        """What the header warns officials of: a backup too old, or WAL archiving not keeping
        up."""
        return self.stale or not self.wal.keeps_up


_RUN_COLUMNS = (
    "id, kind, label, repo, started_at, finished_at, ok, error, db_bytes, repo_bytes, "
    "files_count, files_bytes"
)


def _run(conn: Connection, where: str, order: str, at: dt.datetime) -> BackupRun | None:
    row = conn.execute(
        text(f"SELECT {_RUN_COLUMNS} FROM backup_run WHERE {where} ORDER BY {order} LIMIT 1"),
        {"at": at, "max_age_h": get_settings().backup_max_age_h},
    ).one_or_none()
    return None if row is None else BackupRun(**row._asdict())


def _segment(name: str | None, segment_bytes: int) -> int | None:
    """A WAL file's segment number (timeline aside); None for a name that is not a segment's
    (a timeline history file)."""
    if not name or len(name) < 24:
        return None
    try:
        log, seg = int(name[8:16], 16), int(name[16:24], 16)
    except ValueError:
        return None
    return log * (0x1_0000_0000 // segment_bytes) + seg


def wal_archiving(conn: Connection) -> WalArchiving:
    """The WAL archiver of the server ``conn`` is connected to, now."""
    r = conn.execute(
        text(
            """
            SELECT current_setting('archive_mode') AS mode,
                   (SELECT setting::int FROM pg_settings WHERE name = 'archive_timeout')
                     AS timeout_s,
                   (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')
                     AS segment_bytes,
                   coalesce(current_setting('archive_command', true), '') AS command,
                   coalesce(current_setting('archive_library', true), '') AS library,
                   CASE WHEN NOT pg_is_in_recovery()
                        THEN pg_walfile_name(pg_current_wal_lsn()) END AS current_wal,
                   now() AS now, a.*
            FROM pg_stat_archiver a
            """
        )
    ).one()
    settings = get_settings()
    if settings.backup_wal_max_delay_s:
        bound = settings.backup_wal_max_delay_s
    else:
        bound = max(60.0, 2.0 * r.timeout_s) if r.timeout_s else _NO_TIMEOUT_BOUND_S
    configured = r.command not in ("", "(disabled)") or r.library != ""
    last, current = (
        _segment(r.last_archived_wal, r.segment_bytes),
        _segment(r.current_wal, r.segment_bytes),
    )
    waiting = None if last is None or current is None else max(0, current - last - 1)
    if r.mode == "off" or not configured:
        state = "off"
    elif r.last_failed_time is not None and (
        r.last_archived_time is None or r.last_failed_time > r.last_archived_time
    ):
        state = "failing"
    elif (
        waiting
        and r.last_archived_time is not None
        and (r.now - r.last_archived_time).total_seconds() > bound
    ):
        state = "behind"
    else:
        state = "ok"
    return WalArchiving(
        mode=r.mode, timeout_s=r.timeout_s, configured=configured,
        archived_count=r.archived_count, last_archived_wal=r.last_archived_wal,
        last_archived_at=r.last_archived_time, failed_count=r.failed_count,
        last_failed_wal=r.last_failed_wal, last_failed_at=r.last_failed_time,
        current_wal=r.current_wal, waiting=waiting, bound_s=bound, state=state,
    )  # fmt: skip


def backup_health(conn: Connection, at: dt.datetime | None = None) -> BackupHealth:
    """Backups finished by ``at`` (default now) and the WAL archiver now, from the server
    ``conn`` is connected to (the primary: see the module's text)."""
    at = at or dt.datetime.now(dt.UTC)
    good = _run(conn, "ok AND finished_at <= :at", "finished_at DESC, id DESC", at)
    failed = _run(conn, "NOT ok AND finished_at <= :at", "finished_at DESC, id DESC", at)
    # A run unfinished for longer than a backup may be old is not running: its process died, or
    # the database was restored to a moment while it ran (the row came back, the run did not).
    running = _run(
        conn,
        "finished_at IS NULL AND started_at <= :at "
        "AND started_at > CAST(:at AS timestamptz) - make_interval(secs => :max_age_h * 3600)",
        "started_at DESC",
        at,
    )
    since = good.finished_at if good else None
    failures = conn.scalar(
        text(
            "SELECT count(*) FROM backup_run WHERE NOT ok AND finished_at <= :at "
            "AND (CAST(:since AS timestamptz) IS NULL OR finished_at > :since)"
        ),
        {"at": at, "since": since},
    )
    return BackupHealth(
        at=at, max_age_h=get_settings().backup_max_age_h, newest_good=good, last_failed=failed,
        failures_since_good=int(failures or 0), running=running, wal=wal_archiving(conn),
    )  # fmt: skip
