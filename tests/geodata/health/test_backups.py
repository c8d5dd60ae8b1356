"""Backup health read in one place: the newest good backup and its age against the setting, the
last failed run and why, failures since the last success, a run still going; and WAL archiving
as a real server reports it (a private cluster, archiving switched on, failing, then working)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from dash.testing.wait import until
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import ProgrammingError

from geodata.db import Scope, scope, transaction
from geodata.health.backups import backup_health, wal_archiving
from geodata.settings import get_settings
from tests.backup_runs import GB, add_backup_run
from tests.pgcluster import PrivateCluster

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now_is_when_the_test_starts() -> None:
    """NOW is each test's own start: the pages read the clock, and the suite may run a test many
    minutes after it was collected."""
    global NOW
    NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _health(engine: Engine, at: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return backup_health(conn, at or NOW)


def test_with_no_backup_on_record_there_is_no_good_one_and_it_is_stale(empty_db) -> None:
    health = _health(empty_db)
    assert health.newest_good is None and health.last_failed is None
    assert health.age_h is None and health.stale and health.needs_attention
    assert health.failures_since_good == 0 and not health.failed_last


def test_a_good_backup_two_hours_old_is_the_newest_and_fresh(empty_db) -> None:
    add_backup_run(empty_db, NOW - 30 * HOUR, label="old")
    add_backup_run(empty_db, NOW - 2 * HOUR, kind="diff", label="20261202-040000F_D")
    health = _health(empty_db)
    good = health.newest_good
    assert good is not None
    assert (good.label, good.kind) == ("20261202-040000F_D", "diff")
    assert good.finished_at == NOW - 2 * HOUR
    assert (good.db_bytes, good.files_count) == (3 * GB // 2, 1234)
    assert health.age_h == pytest.approx(2.0)
    assert not health.stale and health.max_age_h == get_settings().backup_max_age_h == 26


def test_a_good_backup_older_than_the_setting_is_stale(empty_db) -> None:
    add_backup_run(empty_db, NOW - 27 * HOUR)
    health = _health(empty_db)
    assert health.age_h == pytest.approx(27.0)
    assert health.stale and health.needs_attention


def test_a_failure_after_the_last_success_is_told_with_why_and_counted(empty_db) -> None:
    add_backup_run(empty_db, NOW - 5 * HOUR, ok=False, error="older failure")
    add_backup_run(empty_db, NOW - 3 * HOUR)
    add_backup_run(empty_db, NOW - 2 * HOUR, ok=False, error="disk full")
    add_backup_run(empty_db, NOW - HOUR, ok=False, error="ERROR: [047]: unable to create path")
    health = _health(empty_db)
    assert health.newest_good is not None and health.newest_good.finished_at == NOW - 3 * HOUR
    assert health.last_failed is not None
    assert health.last_failed.error == "ERROR: [047]: unable to create path"
    assert health.failures_since_good == 2 and health.failed_last
    assert not health.stale  # three hours old: the backup itself is fresh enough


def test_read_at_a_past_moment_only_what_had_finished_by_then_counts(empty_db) -> None:
    add_backup_run(empty_db, NOW - 30 * HOUR)
    add_backup_run(empty_db, NOW - HOUR)
    running = add_backup_run(empty_db, None)
    then = _health(empty_db, NOW - 2 * HOUR)
    assert then.newest_good is not None and then.age_h == pytest.approx(28.0) and then.stale
    now = _health(empty_db)
    assert now.running is not None and now.running.id == running and not now.stale


def test_a_run_unfinished_for_longer_than_a_backup_may_be_old_is_not_running(empty_db) -> None:
    # Its process died, or the database was restored to a moment while it ran.
    max_age = dt.timedelta(hours=get_settings().backup_max_age_h)
    add_backup_run(empty_db, None, took=max_age + HOUR)
    assert _health(empty_db).running is None
    recent = add_backup_run(empty_db, None, took=HOUR)
    assert (running := _health(empty_db).running) is not None and running.id == recent


def test_the_public_and_ward_staff_reader_roles_cannot_read_backups(empty_db) -> None:
    add_backup_run(empty_db, NOW - HOUR)
    for reader in (Scope.public(), Scope.ward(["916"])):
        denied = pytest.raises(ProgrammingError, match="permission denied for table backup_run")
        with denied, scope(reader), transaction() as conn:
            backup_health(conn, NOW)


# --- WAL archiving, read live from a server of our own -------------------------------------------


@pytest.fixture(scope="module")
def archiving_cluster() -> Iterator[tuple[PrivateCluster, Engine]]:
    """A private cluster with WAL archiving on, and no archive command yet."""
    cluster = PrivateCluster()
    try:
        cluster.start()
        cluster.superuser("ALTER SYSTEM SET archive_mode = 'on'", "postgres")
        cluster.stop()
        cluster.start()
        engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres")
        try:
            yield cluster, engine
        finally:
            engine.dispose()
    finally:
        cluster.remove()


def _wal(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return wal_archiving(conn)


def _switch(cluster: PrivateCluster) -> None:
    """Some WAL written and its segment finished: the archiver has work."""
    cluster.superuser("CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1)", "postgres")
    cluster.superuser("SELECT pg_switch_wal()", "postgres")


def test_wal_archiving_is_off_then_failing_then_keeping_up(archiving_cluster) -> None:
    cluster, engine = archiving_cluster
    # archive_mode on without a command: PostgreSQL keeps the WAL and archives nothing.
    wal = _wal(engine)
    assert (wal.mode, wal.configured, wal.state) == ("on", False, "off")
    assert not wal.keeps_up
    # A command that fails every time.
    cluster.superuser("ALTER SYSTEM SET archive_command = 'false'", "postgres")
    cluster.superuser("SELECT pg_reload_conf()", "postgres")
    _switch(cluster)
    until(lambda: _wal(engine).failed_count > 0, timeout=30, msg="the archiver never failed")
    wal = _wal(engine)
    assert wal.state == "failing" and wal.last_failed_at is not None and not wal.keeps_up
    # One that works (it keeps nothing, which is no matter here): the waiting segment goes.
    cluster.superuser("ALTER SYSTEM SET archive_command = 'true'", "postgres")
    cluster.superuser("SELECT pg_reload_conf()", "postgres")
    until(lambda: _wal(engine).archived_count > 0, timeout=30, msg="nothing was archived")
    wal = _wal(engine)
    assert wal.state == "ok" and wal.keeps_up and wal.last_archived_wal is not None
    assert wal.last_archived_at is not None and wal.last_archived_at > wal.last_failed_at
    assert wal.waiting == 0


def test_finished_segments_waiting_longer_than_the_bound_are_behind(
    archiving_cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, engine = archiving_cluster
    cluster.superuser("ALTER SYSTEM SET archive_command = 'true'", "postgres")
    cluster.superuser("SELECT pg_reload_conf()", "postgres")
    _switch(cluster)
    until(lambda: _wal(engine).state == "ok", timeout=30, msg="archiving never kept up")
    # A slow archive command (each segment takes 5 s) and a bound of one second.
    monkeypatch.setenv("CANTHO_BACKUP_WAL_MAX_DELAY_S", "1")
    get_settings.cache_clear()
    try:
        cluster.superuser("ALTER SYSTEM SET archive_command = 'sleep 5'", "postgres")
        cluster.superuser("SELECT pg_reload_conf()", "postgres")
        _switch(cluster)
        _switch(cluster)
        until(lambda: _wal(engine).state == "behind", timeout=30, msg="never behind")
        wal = _wal(engine)
        assert wal.bound_s == 1 and wal.waiting is not None and wal.waiting >= 1
        assert not wal.keeps_up
        # The slow command gets through: nothing waits any more.
        until(lambda: _wal(engine).state == "ok", timeout=60, msg="never caught up")
    finally:
        monkeypatch.delenv("CANTHO_BACKUP_WAL_MAX_DELAY_S")
        get_settings.cache_clear()
