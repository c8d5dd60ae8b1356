"""Backup and restore figures (issue 16): base backup time and size, restore time after the data
directory is lost, and the writes lost, at the bench scale and at the demo scale.

Never touches the cluster it copies beyond reading it: it takes a copy with ``pg_basebackup``
(read-only for the source), starts the copy on a port of its own, drops every database but the
ones kept, and measures there with the project's commands (``python -m geodata backup ...``):

1. ``backup setup`` (archiving on, archive_timeout 60 s) and a timed ``backup run --type full``;
2. a writer commits a heartbeat row every 0.1 s for ``--write-seconds``; the moment it stops,
   the copy is killed (``pg_ctl -m immediate``: no shutdown, no last WAL archived) and its data
   directory deleted;
3. a timed ``backup restore --in-place`` (to the newest archived write), then the writes lost:
   the time from the newest heartbeat that came back to the last one that was committed.

Done twice: with every kept database (the bench scale: ``cantho_bench``, the city-scale set of
``geodata bench``, beside the demo database), then again on a fresh repository after the bench
database is dropped (the demo scale). Everything it made is removed at the end.

Usage (as root or as the source cluster's owner; timed runs take the machine's bench lock):

    flock /tmp/cantho-bench.lock .venv/bin/python scripts/bench_backup.py \\
        --source-socket /work/main/var/run --source-port 54329 \\
        --bench-db cantho_bench --demo-db paint1 --work /var/tmp/cantho-backup-bench \\
        --database-url "$(cat /work/main/var/database_url)"
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geodata.backup.runs import backups, info  # noqa: E402
from geodata.backup.tool import Layout, as_owner, free_port, make_folder, newest_postgres  # noqa: E402


def _pg(owner: str, tool: str, *args: str) -> str:
    binary = Path("/usr/lib/postgresql") / newest_postgres() / "bin" / tool
    done = subprocess.run(
        as_owner(owner, [str(binary), *args]), cwd="/", capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{tool} {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _sql(owner: str, work: Path, port: int, *statements: str) -> str:
    """Statements as the copy's superuser over its socket; the output, unaligned."""
    args = ["-X", "-q", "-At", "-h", str(work), "-p", str(port), "-d", "postgres"]
    for statement in statements:
        args += ["-c", statement]
    return _pg(owner, "psql", *args)


def _cli(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "geodata", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"python -m geodata {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout


class Heartbeat(threading.Thread):
    """Commits a row stamped with the server's clock every 0.1 s; remembers the last one
    committed (acknowledged)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.stop = threading.Event()
        self.last: dt.datetime | None = None
        self.count = 0

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                self.last = conn.scalar(
                    text("INSERT INTO bench_heartbeat VALUES (clock_timestamp()) RETURNING at")
                )
                self.count += 1
                time.sleep(0.1)


def measure(
    label: str, env: dict[str, str], owner: str, pgdata: Path, layout: Layout, write_seconds: float
) -> dict[str, object]:
    """One scale's figures on the running copy."""
    url = env["DATABASE_URL"]
    make_folder(layout.repo, owner)
    _cli(env, "backup", "setup")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_heartbeat (at timestamptz)"))
        conn.execute(text("TRUNCATE bench_heartbeat"))
        cluster_bytes = conn.scalar(text("SELECT sum(pg_database_size(datname)) FROM pg_database"))
    engine.dispose()
    backup_s, _ = _cli(env, "backup", "run", "--type", "full")
    newest = backups(info(layout, owner))[-1]
    beat = Heartbeat(url)
    beat.start()
    time.sleep(write_seconds)
    beat.stop.set()
    beat.join()
    _pg(owner, "pg_ctl", "-D", str(pgdata), "-w", "-m", "immediate", "stop")
    shutil.rmtree(pgdata)
    restore_s, _ = _cli(env, "backup", "restore", "--in-place")
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        back = conn.scalar(text("SELECT max(at) FROM bench_heartbeat"))
        rows = conn.scalar(text("SELECT count(*) FROM bench_heartbeat"))
    engine.dispose()
    assert beat.last is not None and back is not None
    return {
        "scale": label,
        "cluster": int(cluster_bytes or 0),
        "backup_s": backup_s,
        "db_bytes": newest.db_bytes,
        "repo_bytes": newest.repo_bytes,
        "restore_s": restore_s,
        "lost_s": (beat.last - back).total_seconds(),
        "lost_rows": beat.count - (rows or 0),
        "written_rows": beat.count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-socket", type=Path, required=True)
    parser.add_argument("--source-port", type=int, required=True)
    parser.add_argument("--source-owner", default="postgres", help="OS user of the source")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="the app's URL on the source (its role and password; default $DATABASE_URL)",
    )
    parser.add_argument("--bench-db", default="cantho_bench")
    parser.add_argument("--demo-db", default="paint1")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/cantho-backup-bench"))
    parser.add_argument("--write-seconds", type=float, default=75.0)
    parser.add_argument("--keep-work", action="store_true", help="leave the copy and repository")
    args = parser.parse_args()
    owner = args.source_owner
    if not args.database_url:
        raise SystemExit("--database-url (or DATABASE_URL): the app's URL on the source")
    work: Path = args.work.absolute()
    if work.exists():
        raise SystemExit(f"{work} exists: remove it or name another --work")
    make_folder(work, owner)
    pgdata, port = work / "pgdata", free_port()
    try:
        print(
            f"copying the source cluster (pg_basebackup from {args.source_socket} port "
            f"{args.source_port}) into {pgdata}",
            flush=True,
        )
        started = time.monotonic()
        _pg(
            owner,
            "pg_basebackup",
            "-D",
            str(pgdata),
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            str(args.source_socket),
            "-p",
            str(args.source_port),
            "-U",
            owner,
        )
        print(f"  copied in {time.monotonic() - started:.0f} s", flush=True)
        # The copy must not archive into anyone's repository before ours is set up.
        (pgdata / "postgresql.auto.conf").write_text("")
        base = f"-c listen_addresses=127.0.0.1 -p {port} -k {work}"

        def start(options: str) -> None:
            log = str(work / "postgres.log")
            _pg(owner, "pg_ctl", "-D", str(pgdata), "-l", log, "-w", "-t", "600", "-o", options,
                "start")  # fmt: skip

        start(base + " -c archive_mode=off")
        keep = {args.bench_db, args.demo_db, "postgres", "template0", "template1"}
        names = _sql(owner, work, port, "SELECT datname FROM pg_database").split()
        for name in names:
            if name not in keep:
                _sql(
                    owner,
                    work,
                    port,
                    f'ALTER DATABASE "{name}" IS_TEMPLATE false',
                    f'DROP DATABASE "{name}" WITH (FORCE)',
                )
        _pg(owner, "pg_ctl", "-D", str(pgdata), "-w", "-m", "fast", "stop")
        # Started the project's way from here on (setup.sh's options; archiving from setup).
        start(base)
        # The app's role and password came with the copy.
        url = make_url(args.database_url).set(host="127.0.0.1", port=port, database=args.demo_db)
        env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "CANTHO_BACKUP_PGDATA": str(pgdata),
            "CANTHO_BACKUP_PGSOCKET": str(work),
            "CANTHO_BACKUP_PGUSER": owner,
            "CANTHO_BACKUP_STATE": str(work / "state"),
            "CANTHO_PHOTO_DIR": str(work / "photos"),
        }
        _cli(env, "db", "upgrade")  # backup_run on the copy of the demo database
        figures = []
        for label in ("bench", "demo"):
            if label == "demo":
                _sql(owner, work, port, f'DROP DATABASE "{args.bench_db}" WITH (FORCE)')
            repo = work / f"repo-{label}"
            env["CANTHO_BACKUP_REPO"] = str(repo)
            layout = Layout(repo=repo, state=work / "state", stanza="cantho")
            print(f"measuring the {label} scale", flush=True)
            figures.append(measure(label, env, owner, pgdata, layout, args.write_seconds))
            print(f"  {figures[-1]}", flush=True)
    finally:
        if (pgdata / "postmaster.pid").exists():
            subprocess.run(
                as_owner(
                    owner,
                    [
                        str(Path("/usr/lib/postgresql") / newest_postgres() / "bin/pg_ctl"),
                        "-D",
                        str(pgdata),
                        "-m",
                        "immediate",
                        "stop",
                    ],
                ),
                capture_output=True,
            )
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(
        f"{'scale':6} {'cluster':>9} {'backup':>8} {'db':>9} {'repo':>9} {'restore':>8} "
        f"{'lost':>7} {'rows lost':>12}"
    )
    for f in figures:
        print(
            f"{f['scale']:6} {f['cluster'] / 1e9:7.2f}GB {f['backup_s']:7.0f}s "  # type: ignore[operator]
            f"{f['db_bytes'] / 1e9:7.2f}GB {f['repo_bytes'] / 1e9:7.2f}GB "  # type: ignore[operator]
            f"{f['restore_s']:7.0f}s {f['lost_s']:6.1f}s "
            f"{f['lost_rows']:>5}/{f['written_rows']:<6}"
        )
    print(
        "cluster: the databases' size; db and repo: pgBackRest's figures for the full backup "
        "(repo after zstd); restore: the data directory deleted, back to the newest archived "
        "write; lost: from the newest heartbeat restored to the last one committed "
        "(archive_timeout 60 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
