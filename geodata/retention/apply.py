"""Applying retention: ``python -m geodata retention plan|run`` and the worker's daily turn.

What goes, kind by kind (the days are settings, :mod:`geodata.retention.policy`):

- **raw readings**: a monthly partition of ``reading`` (``reading_YYYY_MM``, UTC months) goes
  when the whole month ended before the cutoff, and only by ``DROP TABLE`` of the partition:
  the big table is never deleted from row by row. First the month is exported to
  ``reading_YYYY_MM.csv.gz`` in the archive folder (what ``load readings`` reads) with its
  SHA-256 beside it, and the file is read back (checksum and row count) before the drop; if any
  of that fails, the month is not dropped. The partition is locked against writes from the
  count to the drop. Its rollups and indicators stay: they are other tables, and nothing
  recomputes them from a month without readings (see ``dropped_months`` in
  ``geodata.monitoring.readings``).
- **hourly / daily rollups** with that period's sensor and unit indicators, **audit log**,
  **forecasts** issued, **resolved alerts** (their steps and notices go with them by cascade):
  rows older than the cutoff, deleted in batches of ``BATCH`` rows, a transaction each.
- **citizens' reports**: never deleted (the report figures are rolled up again from the reports
  themselves, so deleting one would rewrite past figures). A report resolved before the cutoff
  loses the citizen's contact (personal data) and, after its own cutoff, its photos: the rows,
  then the files no other report shares, removed after the rows' deletion is committed, under
  the photo files' locks (``geodata.reports.photos``).

Every refusal (settings, the archive folder) is made before anything changes. Each month and
each batch commits on its own, so a run stopped half way keeps what it did and the next run goes
on from there. A run is recorded in the audit log (action ``retention``) with what it did.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine, text

from geodata.accounts.users import audit
from geodata.db import transaction
from geodata.importing import archive
from geodata.reports import photos
from geodata.retention.policy import SETTING, Policy, RetentionRefused, env

log = logging.getLogger("cantho.retention")

BATCH = 10_000  # rows per delete statement (and transaction)
# How long the drop may wait for the writers of `reading` (it locks the whole table for an
# instant); past it the month is left for the next run rather than holding every writer up.
DROP_LOCK_TIMEOUT = "30s"
_PARTITION = re.compile(r"^reading_(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Month:
    """A monthly partition of raw readings past retention."""

    partition: str
    first: dt.date  # its first day (UTC)
    rows: int

    @property
    def end(self) -> dt.datetime:
        """The moment the month ended (UTC): its readings are all older than this."""
        year, month = divmod(self.first.month, 12)
        return dt.datetime(self.first.year + year, month + 1, 1, tzinfo=dt.UTC)

    @property
    def archive_name(self) -> str:
        return f"{self.partition}.csv.gz"


@dataclass(frozen=True)
class Deletion:
    """Rows of one kind older than the cutoff."""

    kind: str  # a field of Policy
    label: str
    table: str
    where: str  # SQL on the table's rows (alias t), with :cutoff
    before: str = "older than"  # how the plan says which rows go: "<label> <before> <date>"

    def count(self, conn: Connection, cutoff: dt.datetime) -> int:
        return int(
            conn.scalar(text(f"SELECT count(*) FROM {self.table} t WHERE {self.where}"),
                        {"cutoff": cutoff}) or 0
        )  # fmt: skip


_RESOLVED_BEFORE = (
    "report_id IN (SELECT r.id FROM citizen_report r "
    "WHERE r.status = 'resolved' AND r.resolved_at < :cutoff)"
)
DELETIONS = (
    Deletion("hourly", "hourly rollups", "reading_hourly", "t.hour < :cutoff"),
    Deletion("hourly", "hourly sensor indicators", "sensor_indicator",
             "t.period = 'hour' AND t.period_start < :cutoff"),
    Deletion("hourly", "hourly unit indicators", "unit_indicator",
             "t.period = 'hour' AND t.period_start < :cutoff"),
    Deletion("daily", "daily rollups", "reading_daily", "t.day < :cutoff"),
    Deletion("daily", "daily sensor indicators", "sensor_indicator",
             "t.period = 'day' AND t.period_start < :cutoff"),
    Deletion("daily", "daily unit indicators", "unit_indicator",
             "t.period = 'day' AND t.period_start < :cutoff"),
    Deletion("audit", "audit log entries", "audit_log", "t.at < :cutoff"),
    Deletion("forecasts", "water-level forecasts", "water_forecast", "t.issued_at < :cutoff"),
    Deletion("alerts", "resolved alerts (with their steps)", "alert",
             "t.state = 'resolved' AND t.resolved_at < :cutoff"),
    Deletion("report_contacts", "contacts of citizens' reports", "report_contact",
             _RESOLVED_BEFORE, "resolved before"),
    Deletion("report_photos", "photos of citizens' reports", "report_photo", _RESOLVED_BEFORE,
             "resolved before"),
)  # fmt: skip


@dataclass
class Plan:
    """What a run would do now, and why; or what stops it (``problems``)."""

    now: dt.datetime
    policy: Policy
    export_dir: Path | None  # None: months are dropped without an export
    months: list[Month] = field(default_factory=list)
    deletions: list[tuple[Deletion, dt.datetime, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The plan in words, kind by kind, with the setting behind each."""
        lines = [f"retention as of {self.now:%Y-%m-%d %H:%M} UTC:"]
        cutoff = self.policy.cutoff("readings", self.now)
        if cutoff is None:
            lines.append(f"  raw readings: kept for ever ({env(SETTING['readings'])})")
        else:
            where = f"exported to {self.export_dir} first" if self.export_dir else "NOT exported"
            lines.append(
                f"  raw readings: months that ended before {cutoff:%Y-%m-%d} "
                f"({self.policy.readings} days, {env(SETTING['readings'])}) are dropped, "
                f"{where}: {len(self.months)} month(s)"
            )
            for m in self.months:
                where = f" → {self.export_dir / m.archive_name}" if self.export_dir else ""
                lines.append(
                    f"    {m.partition}: {m.rows:,} readings, ended {m.end:%Y-%m-%d}"
                    + (where if m.rows else " (empty: nothing to archive)")
                )
        shown: set[str] = set()
        for d in DELETIONS:
            days = getattr(self.policy, d.kind)
            if days is None and d.kind not in shown:
                shown.add(d.kind)
                lines.append(f"  {d.kind}: kept for ever ({env(SETTING[d.kind])})")
        for d, when, n in self.deletions:
            lines.append(
                f"  {d.label} {d.before} {when:%Y-%m-%d} ({getattr(self.policy, d.kind)} days, "
                f"{env(SETTING[d.kind])}): {n:,}"
            )
        lines.append(
            "  citizens' reports themselves: kept (their figures are made from them); open "
            "reports keep everything"
        )
        for p in self.problems:
            lines.append(f"  REFUSED: {p}")
        return "\n".join(lines)


@dataclass
class Outcome:
    """What a run did."""

    plan: Plan
    archived: list[Path] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    photo_files_removed: int = 0

    def describe(self) -> str:
        lines = [f"retention run at {self.plan.now:%Y-%m-%d %H:%M} UTC:"]
        for name in self.dropped:
            lines.append(f"  dropped {name}")
        for path in self.archived:
            lines.append(f"  archived {path} (+ .sha256)")
        for label, n in self.deleted.items():
            lines.append(f"  deleted {n:,} {label}")
        if self.photo_files_removed:
            lines.append(f"  removed {self.photo_files_removed} photo file(s)")
        if len(lines) == 1:
            lines.append("  nothing was past retention")
        return "\n".join(lines)

    def total(self) -> int:
        return len(self.dropped) + sum(self.deleted.values()) + self.photo_files_removed


def reading_partitions(conn: Connection) -> list[tuple[str, dt.date]]:
    """Every monthly partition of ``reading``, oldest first: (name, first day of its month)."""
    found = []
    children = text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'reading'::regclass"
    )
    for name in conn.scalars(children):
        if match := _PARTITION.match(name):
            found.append((name, dt.date(int(match[1]), int(match[2]), 1)))
    return sorted(found, key=lambda p: p[1])


def export_dir_problem(path: Path) -> str | None:
    """Why months cannot be exported to ``path`` (None: they can). A missing folder is not
    made: the archive is meant for a second disk or a share, and one that is not mounted must
    not be filled in its place on the system disk."""
    setting = env("retention_archive_dir")
    if not path.exists():
        return f"the archive folder {path} does not exist ({setting} or --export-dir)"
    if not path.is_dir():
        return f"the archive folder {path} is not a folder ({setting} or --export-dir)"
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return (
            f"the archive folder {path} is not writable: {exc.strerror or exc} "
            f"({setting} or --export-dir)"
        )
    return None


def make_plan(conn: Connection, policy: Policy, now: dt.datetime, export_dir: Path | None) -> Plan:
    """What a run would drop and delete now, counted; changes nothing."""
    plan = Plan(now=now, policy=policy, export_dir=export_dir)
    cutoff = policy.cutoff("readings", now)
    if cutoff is not None:
        for name, first in reading_partitions(conn):
            month = Month(name, first, 0)
            if month.end > cutoff:
                continue
            rows = int(conn.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)
            plan.months.append(Month(name, first, rows))
        problem = export_dir_problem(export_dir) if plan.months and export_dir else None
        if problem:
            plan.problems.append(problem)
    for d in DELETIONS:
        when = policy.cutoff(d.kind, now)
        if when is not None:
            plan.deletions.append((d, when, d.count(conn, when)))
    return plan


def run(
    policy: Policy,
    now: dt.datetime,
    export_dir: Path | None,
    *,
    engine: Engine | None = None,
) -> Outcome:
    """Apply retention now: the plan's months exported and dropped, then the other kinds
    deleted in batches, then photo files no report holds any more removed. Raises
    ``RetentionRefused`` (nothing changed) when the plan has problems."""
    with transaction(engine) as conn:
        plan = make_plan(conn, policy, now, export_dir)
    if plan.problems:
        raise RetentionRefused(plan.problems)
    outcome = Outcome(plan)
    for month in plan.months:
        with transaction(engine) as conn:
            path = _drop_month(conn, month, export_dir)
        if path is not None:
            outcome.archived.append(path)
        outcome.dropped.append(month.partition)
        log.info("retention: dropped %s (%s)", month.partition, path or "not exported")
    shas: list[str] = []
    for d, when, _ in plan.deletions:
        n = 0
        while True:
            with transaction(engine) as conn:
                done, gone = _delete_batch(conn, d, when)
            n += done
            shas.extend(gone)
            if done < BATCH:
                break
        if n:
            outcome.deleted[d.label] = outcome.deleted.get(d.label, 0) + n
    if shas:
        outcome.photo_files_removed = _remove_photo_files(engine, shas)
    with transaction(engine) as conn:
        audit(conn, "retention", "success", None, None, {
            "dropped": outcome.dropped, "archived": [str(p) for p in outcome.archived],
            "deleted": outcome.deleted, "photo_files_removed": outcome.photo_files_removed,
        })  # fmt: skip
    return outcome


def _delete_batch(conn: Connection, d: Deletion, cutoff: dt.datetime) -> tuple[int, list[str]]:
    """One batch of ``d``'s rows older than the cutoff deleted; how many, and for photos the
    SHA-256 of the files they held."""
    returning = " RETURNING sha256, thumb_sha256" if d.table == "report_photo" else ""
    result = conn.execute(
        text(
            f"DELETE FROM {d.table} WHERE ctid = ANY (ARRAY("
            f"SELECT t.ctid FROM {d.table} t WHERE {d.where} LIMIT :batch)){returning}"
        ),
        {"cutoff": cutoff, "batch": BATCH},
    )
    if returning:
        rows = result.all()
        return len(rows), [sha for row in rows for sha in row]
    return result.rowcount, []


def _remove_photo_files(engine: Engine | None, shas: list[str]) -> int:
    """Remove the files of these SHA-256 that no photo row references any more: under the
    files' locks, as ``geodata.reports.photos`` asks, so a report storing the same photo now
    keeps it."""
    wanted = sorted(set(shas))
    with transaction(engine) as conn:
        for sha in wanted:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": photos.lock_key(sha)})
        referenced = set(
            conn.scalars(
                text(
                    "SELECT sha256 FROM report_photo WHERE sha256 = ANY (:s) "
                    "UNION SELECT thumb_sha256 FROM report_photo WHERE thumb_sha256 = ANY (:s)"
                ),
                {"s": wanted},
            )
        )
        return len(photos.remove_unreferenced(wanted, referenced))


# --- a month: export, check, drop -----------------------------------------------------------


def _drop_month(conn: Connection, month: Month, export_dir: Path | None) -> Path | None:
    """Export ``month`` (unless ``export_dir`` is None), read the file back, drop the partition;
    the archive's path. Any failure raises before the drop, and the transaction rolls back."""
    conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": DROP_LOCK_TIMEOUT})
    # No reading may come or go between the export and the drop.
    conn.execute(text(f'LOCK TABLE "{month.partition}" IN SHARE MODE'))
    path = None
    rows = int(conn.scalar(text(f'SELECT count(*) FROM "{month.partition}"')) or 0)
    # An empty partition (a load spanning the month made it again) has nothing to archive.
    if export_dir is not None and rows:
        path = export_month(conn, month, export_dir, rows)
    conn.execute(text(f'DROP TABLE "{month.partition}"'))
    return path


def export_month(conn: Connection, month: Month, export_dir: Path, rows: int) -> Path:
    """Write the month's readings to ``export_dir`` as gzip-compressed CSV with its checksum
    file, and check both by reading the file back; its path. A file of the same name already
    there is kept: the same content is not written twice, other content gets the next free
    name (``reading_YYYY_MM.2.csv.gz``) — an archive is never overwritten."""
    partial = export_dir / f".{month.archive_name}.partial"
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            hashed = _Hashing(out, digest)
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=hashed, compresslevel=6, mtime=0
            ) as zipped:
                for chunk in _copy_out(conn, month.partition):
                    zipped.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        _check_export(partial, sha, rows)
        path = _free_name(export_dir, month, sha)
        if path.exists():  # the very same archive is already there
            partial.unlink()
        else:
            os.replace(partial, path)
        archive.write_checksum(path, sha)
        _fsync_dir(export_dir)
        # Read back from where it now lies, through its checksum file, as `load readings` will.
        if archive.verify(path) != sha:
            raise RetentionRefused([f"{path}: the checksum file was not written as expected"])
        _check_export(path, sha, rows)
        return path
    finally:
        partial.unlink(missing_ok=True)


def _copy_out(conn: Connection, partition: str) -> Iterator[bytes]:
    """The partition's rows as CSV with a header, in the columns ``load readings`` reads. A
    reading of a sensor deleted since keeps its id as ``#<id>``: ``load readings`` refuses such
    rows by name, and nothing of the month is lost."""
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            f"""
        COPY (
            SELECT coalesce(s.code, '#' || r.sensor_id) AS sensor_code, q.code AS quantity,
                   to_char(r.observed_at AT TIME ZONE 'UTC',
                           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS observed_at,
                   r.value, r.quality
            FROM "{partition}" r
            JOIN quantity q ON q.id = r.quantity_id
            LEFT JOIN sensor s ON s.id = r.sensor_id
        ) TO STDOUT (FORMAT csv, HEADER true)
        """
        ) as copy,
    ):
        for chunk in copy:
            yield bytes(chunk)


def _check_export(path: Path, sha: str, rows: int) -> None:
    """The file is what was written (its SHA-256) and holds every row (decompressed, counted)."""
    if archive.sha256_of(path) != sha:
        raise RetentionRefused([f"{path}: the file read back is not the one written"])
    with gzip.open(path, "rb") as source:
        header = source.readline().decode("utf-8").strip()
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))
    if header != ",".join(archive.HEADER) or lines != rows:
        raise RetentionRefused(
            [f"{path}: read back {lines:,} rows, the partition holds {rows:,}; not dropped"]
        )


def _free_name(export_dir: Path, month: Month, sha: str) -> Path:
    """``reading_YYYY_MM.csv.gz``, or the first of ``reading_YYYY_MM.N.csv.gz`` that is free or
    already holds exactly this content."""
    n = 1
    while True:
        name = month.archive_name if n == 1 else f"{month.partition}.{n}.csv.gz"
        path = export_dir / name
        if not path.exists() or archive.sha256_of(path) == sha:
            return path
        n += 1


def _fsync_dir(path: Path) -> None:
    """Make the new names in the folder durable (a rename is only safe once its folder is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Hashing(io.RawIOBase):
    """A write-only file that hashes what goes through it (the compressed bytes)."""

    def __init__(self, out: BinaryIO, digest: hashlib._Hash) -> None:
        super().__init__()
        self.out, self.digest = out, digest

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = memoryview(data)
        self.digest.update(view)
        return self.out.write(view)

    def flush(self) -> None:
        self.out.flush()


# --- the worker's daily turn ------------------------------------------------------------------

EVERY = dt.timedelta(days=1)
# A refused run (settings, an archive folder not mounted) is logged and tried again this much
# later by the same worker, not on each of its turns every few seconds.
RETRY = dt.timedelta(hours=1)
_last_try: dict[str, dt.datetime] = {}


def scheduled(conn: Connection, now: dt.datetime) -> int:
    """The worker's job (under its advisory lock, ``conn``): a run once a day, with the
    settings' policy and archive folder; how much it dropped and deleted (0 when not due)."""
    from geodata.retention.policy import read_policy
    from geodata.settings import get_settings

    last = conn.scalar(
        text("SELECT max(at) FROM audit_log WHERE action = 'retention' AND outcome = 'success'")
    )
    tried = _last_try.get("run")
    if (last is not None and now - last < EVERY) or (tried is not None and now - tried < RETRY):
        return 0
    _last_try["run"] = now
    settings = get_settings()
    try:
        policy = read_policy(settings)
        export_dir = settings.retention_archive_dir if settings.retention_export else None
        outcome = run(policy, now, export_dir)
    except RetentionRefused as refused:
        log.warning("retention: %s", refused)
        return 0
    log.info("retention: %s", outcome.describe())
    return outcome.total()
