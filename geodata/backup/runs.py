"""Turning continuous archiving on, taking base backups, and what the repository holds.

``setup`` makes the cluster archive its WAL to the repository (``archive_mode`` on, which needs a
restart and gets one only when it changes; ``archive_command`` through pgBackRest with the
project's configuration; ``archive_timeout`` so a quiet hour still ships its last writes within
that many seconds) and creates pgBackRest's stanza. Running it again changes nothing.

``run`` takes one base backup (full, differential or incremental) and copies the photos with
it, recording it in ``backup_run``: a row when it starts, completed with ok or the error, the
label, the sizes and the WAL range when it ends. One at a time: a second run while one is going
is refused (a session advisory lock), so the worker and a person never overlap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shlex
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from geodata.backup import files
from geodata.backup.tool import (
    BackupRefused,
    Cluster,
    Layout,
    check_repo,
    cluster_of,
    is_running,
    layout_of,
    pgbackrest,
    pgbackrest_binary,
    psql,
    restart,
    write_config,
)
from geodata.settings import Settings

KINDS = ("full", "diff", "incr")
# The lock a running base backup holds for its whole session (hashtext of this key).
RUNNING_LOCK = "cantho.backup.running"


def prepared(settings: Settings, *, create_repo: bool = False) -> tuple[Layout, Cluster]:
    """The repository checked (and made, if it is the default one and ``create_repo``), the
    configuration written; refused if the cluster's data directory is not one."""
    layout = layout_of(settings)
    cluster = cluster_of(settings, layout)
    if not (cluster.pgdata / "PG_VERSION").exists():
        raise BackupRefused(
            f"no PostgreSQL cluster in {cluster.pgdata} (CANTHO_BACKUP_PGDATA): start it with "
            "`make run` or `bash scripts/setup.sh db`, or point the setting at its data directory"
        )
    default_repo = "backup_repo" not in settings.model_fields_set
    check_repo(layout, cluster.owner, create=create_repo and default_repo)
    write_config(layout, cluster, settings)
    return layout, cluster


def archive_command(layout: Layout) -> str:
    return (
        f"{shlex.quote(pgbackrest_binary())} --config={shlex.quote(str(layout.config))} "
        f"--stanza={layout.stanza} archive-push %p"
    )


def setup(settings: Settings) -> list[str]:
    """Archiving on, the stanza made, archiving checked end to end; what was done, line by
    line."""
    layout, cluster = prepared(settings, create_repo=True)
    if not is_running(cluster):
        raise BackupRefused(
            f"PostgreSQL is not running on {cluster.pgdata}: start it (`bash scripts/setup.sh db`)"
        )
    said: list[str] = [f"configuration: {layout.config}", f"repository: {layout.repo}"]
    wanted = {
        "archive_mode": "on",
        "archive_command": archive_command(layout),
        "archive_timeout": f"{settings.backup_archive_timeout_s}s",
    }
    current = {name: psql(cluster, f"SHOW {name}") for name in wanted}
    level = psql(cluster, "SHOW wal_level")
    if level == "minimal":
        wanted["wal_level"] = "replica"
        current["wal_level"] = level
    changed = [name for name, value in wanted.items() if _normal(current[name]) != _normal(value)]
    for name in changed:
        psql(cluster, f"ALTER SYSTEM SET {name} = {_literal(wanted[name])}")
        said.append(f"{name}: {current[name] or '(empty)'} → {wanted[name]}")
    if {"archive_mode", "wal_level"} & set(changed):
        # Only these two need a restart; the others a reload.
        said.append("restarting PostgreSQL (archive_mode and wal_level take effect at start)")
        restart(cluster)
    elif changed:
        psql(cluster, "SELECT pg_reload_conf()")
    if not changed:
        said.append("WAL archiving: already on")
    pgbackrest(layout, cluster.owner, "stanza-create", timeout=600)
    # Switches WAL and waits until the segment is in the repository: archiving works.
    pgbackrest(layout, cluster.owner, "check", timeout=600)
    said.append(f"stanza {layout.stanza}: ready, WAL archiving checked")
    return said


def _normal(value: str) -> str:
    """A setting as SHOW prints it and as we write it, comparable: a time in seconds (SHOW says
    ``1min`` for ``60s``, ``2h`` for ``7200s``), anything else as it is."""
    found = re.fullmatch(r"(\d+)\s*(ms|s|min|h|d)", value.strip())
    if found is None:
        return value.strip()
    seconds = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}[found[2]]
    return f"{int(found[1]) * seconds:g}s"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def stanza_ready(layout: Layout) -> bool:
    return (layout.pgbackrest_repo / "backup" / layout.stanza / "backup.info").exists()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A base backup taken: its ``backup_run`` id, pgBackRest's label and figures, and the
    photos copied with it."""

    run_id: int
    label: str
    kind: str
    db_bytes: int
    repo_bytes: int
    wal_start: str
    wal_stop: str
    photos: files.Synced
    seconds: float


def run(settings: Settings, kind: str) -> Outcome:
    """One base backup of ``kind`` and the photos, recorded in ``backup_run``."""
    if kind not in KINDS:
        raise BackupRefused(f"backup type {kind!r}: one of {', '.join(KINDS)}")
    layout, cluster = prepared(settings)
    if not stanza_ready(layout):
        raise BackupRefused(
            f"the repository {layout.repo} has no stanza {layout.stanza}: run `make backup` "
            "(or python -m geodata backup setup) first"
        )
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as holder:
            holder.execution_options(isolation_level="AUTOCOMMIT")
            if not holder.scalar(
                text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": RUNNING_LOCK}
            ):
                raise BackupRefused("another base backup is running: wait for it to finish")
            if holder.scalar(text("SELECT to_regclass('backup_run')")) is None:
                raise BackupRefused(
                    "this database has no backup_run table yet: python -m geodata db upgrade"
                )
            run_id = holder.scalar(
                text("INSERT INTO backup_run (kind, repo) VALUES (:k, :r) RETURNING id"),
                {"k": kind, "r": str(layout.repo)},
            )
            assert run_id is not None
            started = dt.datetime.now(dt.UTC)
            try:
                pgbackrest(layout, cluster.owner, "backup", f"--type={kind}")
                photos = files.sync(settings.photo_dir, layout.files)
                newest = backups(info(layout, cluster.owner))[-1]
            except Exception as failed:  # recorded whatever it was, then raised as it was
                holder.execute(
                    text(
                        "UPDATE backup_run SET finished_at = now(), ok = false, error = :e "
                        "WHERE id = :id"
                    ),
                    {"e": str(failed)[:4000], "id": run_id},
                )
                raise
            holder.execute(
                text(
                    # The kind pgBackRest took: a diff or incr with no full before it is a full.
                    "UPDATE backup_run SET finished_at = now(), ok = true, kind = :kind, "
                    "label = :label, "
                    "db_bytes = :db, repo_bytes = :repo, files_count = :fc, files_bytes = :fb, "
                    "wal_start = :ws, wal_stop = :we WHERE id = :id"
                ),
                {
                    "kind": newest.kind,
                    "label": newest.label,
                    "db": newest.db_bytes,
                    "repo": newest.repo_bytes,
                    "fc": photos.files,
                    "fb": photos.bytes,
                    "ws": newest.wal_start,
                    "we": newest.wal_stop,
                    "id": run_id,
                },
            )
            holder.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": RUNNING_LOCK})
    finally:
        engine.dispose()
    return Outcome(
        run_id=run_id,
        label=newest.label,
        kind=newest.kind,
        db_bytes=newest.db_bytes,
        repo_bytes=newest.repo_bytes,
        wal_start=newest.wal_start,
        wal_stop=newest.wal_stop,
        photos=photos,
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
    )


def info(layout: Layout, owner: str) -> dict[str, Any]:
    """pgBackRest's ``info`` of the stanza, as JSON."""
    raw = pgbackrest(layout, owner, "info", "--output=json", timeout=300)
    stanzas = json.loads(raw)
    if not stanzas:
        raise BackupRefused(f"the repository {layout.repo} has no stanza {layout.stanza}")
    found: dict[str, Any] = stanzas[0]
    return found


@dataclasses.dataclass(frozen=True)
class Backup:
    """One base backup in the repository."""

    label: str
    kind: str
    started: dt.datetime
    stopped: dt.datetime
    db_bytes: int
    repo_bytes: int
    wal_start: str
    wal_stop: str


def backups(stanza: dict[str, Any]) -> list[Backup]:
    """The stanza's backups, oldest first."""
    found = []
    for b in stanza.get("backup", []):
        if b.get("error"):
            continue
        found.append(
            Backup(
                label=b["label"],
                kind=b["type"],
                started=dt.datetime.fromtimestamp(b["timestamp"]["start"], dt.UTC),
                stopped=dt.datetime.fromtimestamp(b["timestamp"]["stop"], dt.UTC),
                db_bytes=int(b["info"]["size"]),
                repo_bytes=int(b["info"]["repository"]["delta"]),
                wal_start=b["archive"]["start"],
                wal_stop=b["archive"]["stop"],
            )
        )
    return sorted(found, key=lambda b: b.stopped)


def archived_until(stanza: dict[str, Any]) -> str | None:
    """The newest WAL segment in the archive."""
    newest = [a.get("max") for a in stanza.get("archive", []) if a.get("max")]
    return max(newest) if newest else None


def sync_files(settings: Settings) -> files.Synced:
    """The photos copied now (the worker's short schedule between base backups)."""
    layout = layout_of(settings)
    if not layout.repo.is_dir():
        raise BackupRefused(f"the backup repository {layout.repo} does not exist")
    return files.sync(settings.photo_dir, layout.files)
