"""The restore drill (issue 16), against a private cluster with pgBackRest for real: write rows
and citizens' reports with photos, take a base backup, write more, note the time, write more,
then make the mistake (drop a table, delete the reports, lose the photos) and restore to the
noted time with ``python -m geodata backup restore``: every row and photo from before the
moment is back and none from after. Also a cluster whose data directory is deleted outright
comes back to its last archived write, and bad input is refused with nothing changed.

The tests share one cluster and its history (a sample city takes a while to write); each states
what it needs of it, so any one can run alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from domain.clock import CITY_TZ
from geodata.reports import photos
from geodata.reports.service import NewReport, add_photos, submit
from tests.pgcluster import PrivateCluster
from tests.servers import ROOT, free_port

pytestmark = pytest.mark.skipif(
    shutil.which("pgbackrest") is None,
    reason="pgBackRest is not installed (`bash scripts/setup.sh system-backup`, which `make "
    "test` runs, installs the Debian package pgbackrest)",
)

NINH_KIEU = (105.775, 10.03)


@dataclasses.dataclass
class Drill:
    """The private cluster, its repository and photo folder, and the command line on them."""

    cluster: PrivateCluster
    env: dict[str, str]
    photo_dir: Path
    repo: Path

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "geodata", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def ok(self, *args: str) -> str:
        done = self.cli(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def engine(self, port: int | None = None) -> Engine:
        url = make_url(self.cluster.url)
        return create_engine(url.set(port=port or self.cluster.port), poolclass=NullPool)

    def report(self, colour: tuple[int, int, int]) -> tuple[str, set[str]]:
        """A citizen's report with one photo, stored as the intake stores it (rows, then the
        content-addressed files); its tracking code and its files."""
        out = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, "JPEG")
        photo = photos.accept(out.getvalue(), "anh.jpg")
        now = dt.datetime.now(CITY_TZ)
        engine = self.engine()
        with engine.begin() as conn:
            new = NewReport(category="waste", lon=NINH_KIEU[0], lat=NINH_KIEU[1])
            sent = submit(conn, new, now, now.date())
            add_photos(conn, sent.id, [photo])
            code = conn.scalar(
                text("SELECT code FROM citizen_report WHERE id = :i"), {"i": sent.id}
            )
        engine.dispose()
        written = set()
        for sha, content in ((photo.sha256, photo.content), (photo.thumb_sha256, photo.thumb)):
            relative = f"{sha[:2]}/{sha[2:4]}/{sha}.jpg"
            (self.photo_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.photo_dir / relative).write_bytes(content)
            written.add(relative)
        return code, written

    def state(self, port: int | None = None) -> State:
        """What the cluster holds now."""
        engine = self.engine(port)
        with engine.connect() as conn:
            codes = set(conn.scalars(text("SELECT code FROM citizen_report")))
            logged = conn.scalar(text("SELECT to_regclass('drill_log') IS NOT NULL"))
            rows = list(conn.scalars(text("SELECT n FROM drill_log ORDER BY n"))) if logged else []
            runs = conn.scalar(text("SELECT count(*) FROM backup_run"))
        engine.dispose()
        return State(codes, rows, runs)

    def now(self) -> dt.datetime:
        engine = self.engine()
        with engine.connect() as conn:
            moment = conn.scalar(text("SELECT clock_timestamp()"))
        engine.dispose()
        assert isinstance(moment, dt.datetime)
        return moment

    def execute(self, *statements: str) -> None:
        engine = self.engine()
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()


@dataclasses.dataclass(frozen=True)
class State:
    codes: set[str]
    drill_rows: list[int]
    backup_runs: int


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*.jpg")} if folder.exists() else set()


def sound(folder: Path, relative: str) -> bool:
    digest = hashlib.sha256((folder / relative).read_bytes()).hexdigest()
    return relative.endswith(f"/{digest}.jpg")


def stop_cluster(data: Path) -> None:
    """Stop the cluster a restore made in ``data``."""
    pg_ctl = Path("/usr/lib/postgresql") / (data / "PG_VERSION").read_text().strip() / "bin/pg_ctl"
    argv = [str(pg_ctl), "-D", str(data), "-w", "-m", "immediate", "stop"]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, cwd="/", capture_output=True)


@pytest.fixture(scope="module")
def drill() -> Iterator[Drill]:
    cluster = PrivateCluster()
    try:
        cluster.start()
        cluster.prepare()
        root = cluster.root
        repo = root / "repo"
        repo.mkdir()
        if os.geteuid() == 0:
            shutil.chown(repo, "postgres", "postgres")
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "CANTHO_BACKUP_PGDATA": str(cluster.data),
            "CANTHO_BACKUP_PGSOCKET": str(root),
            "CANTHO_BACKUP_PGUSER": "postgres",
            "CANTHO_BACKUP_REPO": str(repo),
            "CANTHO_BACKUP_STATE": str(root / "state"),
            "CANTHO_PHOTO_DIR": str(root / "photos"),
            # A WAL switch every second, so the test need not wait a minute for its last write
            # to reach the archive.
            "CANTHO_BACKUP_ARCHIVE_TIMEOUT_S": "1",
        }
        drill = Drill(cluster, env, root / "photos", repo)
        drill.ok("db", "upgrade")
        drill.ok("sample", "--days", "0", "--no-reform", "--no-alerts", "--report-days", "1")
        setup = drill.ok("backup", "setup")
        assert "archive_mode: off → on" in setup and "restarting PostgreSQL" in setup
        # Safe to run again: nothing changes, no restart.
        again = drill.ok("backup", "setup")
        assert "already on" in again and "restarting" not in again
        yield drill
    finally:
        cluster.remove()


@dataclasses.dataclass(frozen=True)
class History:
    before_backup: dt.datetime
    moment: dt.datetime
    at_moment: State
    files_at_moment: set[str]
    after_files: set[str]
    after_code: str


@pytest.fixture(scope="module")
def history(drill: Drill) -> History:
    """Writes before and after a base backup and a noted moment, then the mistake."""
    first_code, first_files = drill.report((200, 30, 30))
    before_backup = drill.now()
    drill.ok("backup", "run", "--type", "full")
    drill.report((30, 200, 30))
    drill.execute(
        "CREATE TABLE drill_log (n integer PRIMARY KEY)",
        "INSERT INTO drill_log SELECT generate_series(1, 100)",
    )
    drill.ok("backup", "files")
    at_moment, files_at_moment = drill.state(), files_in(drill.photo_dir)
    moment = drill.now()
    after_code, after_files = drill.report((30, 30, 200))
    drill.execute("INSERT INTO drill_log SELECT generate_series(101, 110)")
    drill.ok("backup", "files")  # the later photo is in the repository too
    # The mistake: a table dropped, every report deleted, the photo folder wiped.
    drill.execute("DROP TABLE drill_log", "DELETE FROM citizen_report")
    shutil.rmtree(drill.photo_dir)
    assert first_code in at_moment.codes and first_files <= files_at_moment
    return History(before_backup, moment, at_moment, files_at_moment, after_files, after_code)


def _to(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def test_a_base_backup_is_recorded_in_backup_run_with_its_label_sizes_and_photos(
    drill: Drill, history: History
) -> None:
    engine = drill.engine()
    with engine.connect() as conn:
        run = conn.execute(text("SELECT * FROM backup_run WHERE ok ORDER BY id LIMIT 1")).one()
    engine.dispose()
    listed = drill.ok("backup", "list")
    assert run.kind == "full" and run.label in listed and run.label.endswith("F")
    assert run.repo == str(drill.repo) and run.error is None
    assert run.finished_at > run.started_at and run.db_bytes > 0 and run.repo_bytes > 0
    assert run.wal_start and run.wal_stop and run.wal_start <= run.wal_stop
    # The one report written before it: a photo and its thumbnail.
    assert run.files_count == 2 and run.files_bytes > 0


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(
    drill: Drill, history: History
) -> None:
    before, folders = drill.state(), sorted(os.listdir(drill.cluster.root))
    out = drill.ok("backup", "restore", "--to", _to(history.moment), "--in-place", "--dry-run")
    assert "dry run: nothing was changed" in out
    assert f"rewrite {drill.cluster.data} in place" in out and "then stop it" in out
    assert drill.state() == before and sorted(os.listdir(drill.cluster.root)) == folders


@pytest.mark.parametrize(
    ("to", "refusal"),
    [
        ("last tuesday", "'last tuesday' is not a time"),
        ("2099-01-01 08:00", "is in the future"),
        (None, "is before the oldest backup"),
    ],
    ids=["unparsable", "future", "before-the-oldest-backup"],
)
def test_a_bad_restore_time_is_refused_with_nothing_changed(
    drill: Drill, history: History, to: str | None, refusal: str
) -> None:
    before = drill.state()
    done = drill.cli("backup", "restore", "--to", to or _to(history.before_backup), "--in-place")
    assert done.returncode == 2 and refusal in done.stderr
    assert drill.state() == before


def test_a_missing_or_unwritable_repository_is_refused_with_nothing_changed(
    drill: Drill, history: History
) -> None:
    before = drill.state()
    missing = {**drill.env, "CANTHO_BACKUP_REPO": str(drill.cluster.root / "not-mounted")}
    for args in (("backup", "run"), ("backup", "restore", "--in-place")):
        done = drill.cli(*args, env=missing)
        assert done.returncode == 2 and "not-mounted does not exist" in done.stderr
    locked = drill.cluster.root / "read-only"
    locked.mkdir(mode=0o555)  # nobody but root writes here, and pgBackRest never runs as root
    done = drill.cli("backup", "run", env={**drill.env, "CANTHO_BACKUP_REPO": str(locked)})
    assert done.returncode == 2 and "read-only is not writable by" in done.stderr
    assert drill.state() == before and not (drill.cluster.root / "not-mounted").exists()


def test_a_restore_into_a_new_cluster_brings_back_the_moment_and_leaves_the_old_one_alone(
    drill: Drill, history: History
) -> None:
    into, port = drill.cluster.root / "restored", free_port()
    old = drill.state()
    try:
        out = drill.ok(
            "backup",
            "restore",
            "--to",
            _to(history.moment),
            "--into",
            str(into),
            "--port",
            str(port),
        )
        assert "WAL archiving off" in out
        assert drill.state(port) == history.at_moment
        restored_photos = into.with_name("restored.photos")
        assert files_in(restored_photos) == history.files_at_moment
        assert all(sound(restored_photos, f) for f in history.files_at_moment)
        assert drill.state() == old  # the old cluster as the mistake left it
    finally:
        stop_cluster(into)


def test_a_restore_in_place_undoes_the_mistake_and_brings_back_nothing_from_after(
    drill: Drill, history: History
) -> None:
    out = drill.ok("backup", "restore", "--to", _to(history.moment), "--in-place")
    assert "take a new full backup" in out
    restored = drill.state()
    assert restored.codes == history.at_moment.codes and history.after_code not in restored.codes
    assert restored.drill_rows == list(range(1, 101))
    # Exactly the photos of then: the later report's are in the repository but stay out.
    assert files_in(drill.photo_dir) == history.files_at_moment
    assert history.after_files <= files_in(drill.repo / "files")
    assert all(sound(drill.photo_dir, f) for f in history.files_at_moment)


def test_a_cluster_whose_data_directory_is_deleted_comes_back_to_its_last_archived_write(
    drill: Drill, history: History
) -> None:
    code, written = drill.report((120, 120, 0))
    drill.execute(
        "CREATE TABLE IF NOT EXISTS last_words (said text)",
        "INSERT INTO last_words VALUES ('before the disk died')",
    )
    lsn = drill.cluster.superuser("SELECT pg_walfile_name(pg_current_wal_lsn())", "postgres")
    drill.ok("backup", "files")
    # archive_timeout (1 s here) ships the segment holding the last commit by itself.
    deadline = time.monotonic() + 30
    archiver = "SELECT last_archived_wal, last_failed_wal, failed_count FROM pg_stat_archiver"
    while drill.cluster.superuser(archiver, "postgres").split("|")[0] < lsn:
        assert time.monotonic() < deadline, (
            f"{lsn} never reached the archive: {drill.cluster.superuser(archiver, 'postgres')}"
        )
        time.sleep(0.2)
    drill.cluster.crash()
    shutil.rmtree(drill.cluster.data)
    shutil.rmtree(drill.photo_dir)
    drill.ok("backup", "restore", "--in-place")
    assert code in drill.state().codes
    engine = drill.engine()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT said FROM last_words")) == "before the disk died"
    engine.dispose()
    assert written <= files_in(drill.photo_dir)
    assert all(sound(drill.photo_dir, f) for f in written)
