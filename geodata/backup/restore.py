"""Point-in-time restore: the database and the photos as they were at a moment, in one command.

``plan`` makes every check that can refuse the restore (a time that does not parse, one in the
future or before the oldest backup finished, a repository that is missing or unreadable, a
target folder that is not empty, a port taken) before anything changes, and chooses the base
backup: the newest that finished before the moment. ``describe`` says what ``execute`` would do
(the dry run). ``execute``:

1. if the cluster backed up is running, commits one transaction and has pgBackRest switch and
   archive the WAL, so the archive holds every write up to now (and a commit after the moment,
   which PostgreSQL needs to know it has reached it);
2. over the old cluster (``--in-place``): stops it and lets pgBackRest rewrite its data directory
   (``--delta``: only the files that differ), archiving kept on so the cluster goes on with a new
   timeline; into a new one (``--into``): restores there with archiving off, so the copy never
   writes into the original's archive;
3. starts PostgreSQL, which replays the archived WAL up to the moment and opens for writes;
4. asks the restored database which photos it refers to and makes the photo folder hold exactly
   those, each checked against its SHA-256 (photos added after the moment are moved aside).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from domain.clock import CITY_TZ
from geodata.backup import files
from geodata.backup.runs import Backup, backups, info, stanza_ready
from geodata.backup.tool import (
    BackupFailed,
    BackupRefused,
    Cluster,
    Layout,
    cluster_of,
    free_port,
    is_running,
    layout_of,
    log_path,
    make_folder,
    pgbackrest,
    port_taken,
    psql,
    start,
    stop,
)
from geodata.settings import Settings


def parse_moment(raw: str, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO 8601 time (``2026-12-02 14:05``, ``2026-12-02T07:05:00Z``); without an offset it
    is Cần Thơ time (UTC+7). Refused when it does not parse or lies in the future."""
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BackupRefused(
            f"--to {raw!r} is not a time: write it as ISO 8601, e.g. 2026-12-02 14:05 (Cần Thơ "
            "time) or 2026-12-02T07:05:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_TZ)
    now = now or dt.datetime.now(dt.UTC)
    if moment > now:
        raise BackupRefused(
            f"--to {raw!r} is in the future ({_shown(moment)}; now is {_shown(now)}): nothing "
            "was written then to restore"
        )
    return moment


def _shown(moment: dt.datetime) -> str:
    return moment.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M:%S %z")


@dataclasses.dataclass(frozen=True)
class Plan:
    """A restore that passed every check: to what moment (None: the end of the archive), from
    which backup, into which cluster, and the photos where."""

    layout: Layout
    source: Cluster  # the cluster backed up (it may be gone)
    target: Cluster  # the one restored: the same data directory, or a new one
    moment: dt.datetime | None
    backup: Backup
    oldest: Backup
    in_place: bool
    source_running: bool
    photo_dir: Path
    live_photo_dir: Path
    photos_in_repo: int
    database_url: str


def plan(
    settings: Settings,
    moment: dt.datetime | None,
    *,
    into: Path | None = None,
    port: int | None = None,
    photo_dir: Path | None = None,
) -> Plan:
    """Check everything a restore needs; refuse (``BackupRefused``) before anything changes."""
    layout = layout_of(settings)
    _check_readable(layout)
    source = cluster_of(settings, layout)
    if not stanza_ready(layout):
        raise BackupRefused(f"the repository {layout.repo} holds no backup of {layout.stanza}")
    found = backups(info(layout, source.owner))
    if not found:
        raise BackupRefused(f"the repository {layout.repo} holds no backup of {layout.stanza}")
    oldest = found[0]
    if moment is not None and moment < oldest.stopped:
        raise BackupRefused(
            f"--to {_shown(moment)} is before the oldest backup in {layout.repo} finished "
            f"({oldest.label}, {_shown(oldest.stopped)}): the earliest moment that can be "
            "restored is then"
        )
    chosen = [b for b in found if moment is None or b.stopped <= moment][-1]
    url = make_url(settings.database_url)
    if into is None:
        target = source
        if port is not None and port != source.port:
            raise BackupRefused("--port is for --into: in place, the cluster keeps its port")
        restored_photos = settings.photo_dir
    else:
        into = into.expanduser().absolute()
        if into == source.pgdata:
            raise BackupRefused(f"--into {into} is the cluster's own data directory: --in-place")
        if into.exists() and (not into.is_dir() or any(into.iterdir())):
            raise BackupRefused(f"--into {into} exists and is not empty: name a new folder")
        if not into.exists() and not into.parent.is_dir():
            raise BackupRefused(f"--into {into}: its folder {into.parent} does not exist")
        port = port or free_port()
        if port_taken(port):
            raise BackupRefused(f"--port {port} is taken: something listens there")
        target = dataclasses.replace(source, pgdata=into, socket=into, port=port)
        restored_photos = photo_dir or into.with_name(f"{into.name}.photos")
        url = url.set(port=port)
    running = is_running(source)
    if into is None and not running and port_taken(source.port):
        raise BackupRefused(
            f"port {source.port} is taken but no server runs on {source.pgdata}: stop whatever "
            "listens there first"
        )
    return Plan(
        layout=layout,
        source=source,
        target=target,
        moment=moment,
        backup=chosen,
        oldest=oldest,
        in_place=into is None,
        source_running=running,
        photo_dir=restored_photos.expanduser().absolute(),
        live_photo_dir=settings.photo_dir.expanduser().absolute(),
        photos_in_repo=sum(1 for _ in files.stored_files(layout.files)),
        database_url=url.render_as_string(hide_password=False),
    )


def _check_readable(layout: Layout) -> None:
    """A restore only reads the repository (it may be a read-only copy on a new machine)."""
    repo = layout.repo
    if not repo.exists():
        raise BackupRefused(
            f"the backup repository {repo} does not exist (CANTHO_BACKUP_REPO): mount the "
            "backup disk or share there"
        )
    if not repo.is_dir():
        raise BackupRefused(f"the backup repository {repo} is not a folder (CANTHO_BACKUP_REPO)")


def describe(p: Plan) -> list[str]:
    """What ``execute`` does, line by line (the dry run prints it)."""
    to = f"as it was at {_shown(p.moment)}" if p.moment else "to the newest write in the archive"
    lines = [
        f"restore the database {to}",
        f"  from base backup {p.backup.label} ({p.backup.kind}, finished "
        f"{_shown(p.backup.stopped)}) and the WAL archived after it, in {p.layout.repo}",
        f"  (the earliest moment this repository can restore: {_shown(p.oldest.stopped)})",
    ]
    if p.source_running:
        lines.append(
            f"archive the running cluster's last writes, then stop it ({p.source.pgdata})"
            if p.in_place
            else f"archive the running cluster's last writes ({p.source.pgdata} keeps running)"
        )
    if p.in_place:
        lines.append(
            f"rewrite {p.target.pgdata} in place (only the files that differ) and start "
            f"it on port {p.target.port}, WAL archiving on (a new timeline)"
        )
    else:
        lines.append(
            f"create the new cluster {p.target.pgdata} and start it on port "
            f"{p.target.port}, WAL archiving off"
        )
    lines.append(
        f"bring back into {p.photo_dir} exactly the photos the restored database refers "
        f"to ({p.photos_in_repo} photo files in the repository), each checked by "
        "SHA-256; photos there from after the moment are moved aside"
    )
    return lines


@dataclasses.dataclass(frozen=True)
class Done:
    """A restore finished: the database's URL and the photos' outcome."""

    database_url: str
    photos: files.Restored
    seconds: float


def execute(p: Plan) -> Done:
    """Restore as planned (see the module's docstring)."""
    started = time.monotonic()
    if p.source_running:
        # One commit now, archived with everything before it: the archive reaches past the
        # moment, so recovery knows it has got there.
        psql(p.source, "SELECT pg_current_xact_id()")
        pgbackrest(p.layout, p.source.owner, "check", timeout=600)
        if p.in_place:
            stop(p.source)
    target = p.target
    if not target.pgdata.exists():
        make_folder(target.pgdata, target.owner)
    target.pgdata.chmod(0o700)
    options = [f"--set={p.backup.label}", f"--pg1-path={target.pgdata}"]
    if p.moment is not None:
        options += [
            "--type=time",
            f"--target={p.moment.isoformat(sep=' ')}",
            "--target-action=promote",
        ]
    if p.in_place:
        options.append("--delta")
    else:
        options.append("--archive-mode=off")
    pgbackrest(p.layout, target.owner, "restore", *options)
    log = log_path(target, beside=p.in_place)
    start(target, log)
    _wait_promoted(target, log)

    def referenced() -> set[str]:
        engine = create_engine(p.database_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return files.referenced(conn)
        finally:
            engine.dispose()

    photos = files.restore(
        referenced(),
        p.layout.files,
        p.photo_dir,
        also_from=None if p.in_place else p.live_photo_dir,
        referenced_now=referenced,
    )
    return Done(p.database_url, photos, time.monotonic() - started)


def _wait_promoted(cluster: Cluster, log: Path, timeout: float = 3600) -> None:
    """Wait until recovery has reached the moment and the server takes writes; the log's end
    if it stopped instead (a moment the archive does not reach, say)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(cluster):
            break
        try:
            if psql(cluster, "SELECT pg_is_in_recovery()") == "f":
                # The checkpointer went to sleep for checkpoint_timeout while recovery was still
                # in progress, and archive_timeout only counts once it wakes: without a nudge,
                # the first writes after a restore could wait 5 minutes to be archived, not 1.
                psql(cluster, "SELECT pg_reload_conf()")
                return
        except BackupFailed:
            pass  # still starting
        time.sleep(0.5)
    tail = _tail(log)
    hint = ""
    if "recovery ended before configured recovery target was reached" in tail:
        hint = (
            "\nthe archive ends before that moment (nothing was committed after it that the "
            "archive holds): restore without --to for its newest write"
        )
    raise BackupFailed(f"PostgreSQL did not finish recovery on {cluster.pgdata}:\n{tail}{hint}")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as unreadable:
        return f"(its log {log} cannot be read: {unreadable})"
