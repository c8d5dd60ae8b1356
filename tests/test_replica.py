"""Reads from a real streaming replica: a private primary and its hot standby (pg_basebackup -R),
gunicorn with ``CANTHO_READ_DATABASE_URL`` on the standby. The map's callbacks and open data read
there while it lags no more than allowed, from the primary beyond that or while it is down;
writes and sign-in always go to the primary; the reader roles and row-level security hide the
same rows on the standby as on the primary."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from geodata import db
from geodata.accounts import users
from routes.statistics import PATH as STATISTICS
from tests.dashreq import DRILL_OUTPUTS, callback_body
from tests.pgcluster import PrivateCluster
from tests.servers import ROOT, gunicorn, sign_in

MAX_LAG_S = 3.0
CHECK_S = 0.2
NINH_KIEU = "916"
STAFF, PASSWORD = "nk.replica", "a long password 1"


class Pair:
    """The primary, its replica and the app reading from the replica."""

    def __init__(self, primary: PrivateCluster, replica: PrivateCluster, base: str):
        self.primary, self.replica, self.base = primary, replica, base

    def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary wrote."""
        target = self.primary.superuser("SELECT pg_current_wal_lsn()")
        until(lambda: self.replica.superuser(
            f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t")  # fmt: skip


def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    primary = PrivateCluster()
    replica: PrivateCluster | None = None
    try:
        primary.start()
        primary.prepare()
        env = {**os.environ, "DATABASE_URL": primary.url}
        for args in (["db", "upgrade"], ["sample", "--days", "1", "--no-reform", "--no-alerts",
                                         "--report-days", "3"]):  # fmt: skip
            subprocess.run([sys.executable, "-m", "geodata", *args], cwd=ROOT, env=env,
                           check=True, capture_output=True)  # fmt: skip
        with _engine(primary.url).begin() as conn:
            users.add_user(conn, STAFF, PASSWORD, "ward_staff", [NINH_KIEU])
        replica = PrivateCluster(replica_of=primary)
        replica.start()
        app_env = {
            "DATABASE_URL": primary.url,
            "CANTHO_READ_DATABASE_URL": replica.url,
            "CANTHO_REPLICA_MAX_LAG_S": str(MAX_LAG_S),
            "CANTHO_REPLICA_CHECK_S": str(CHECK_S),
            # Every answer read afresh: which server gave it is what is looked at.
            "CANTHO_CACHE_UNITS_S": "0",
            "CANTHO_CACHE_DATA_S": "0",
        }
        with gunicorn(app_env, workers=1, args=("--threads", "4")) as (base, _):
            yield Pair(primary, replica, base)
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


def _engine(url: str) -> Engine:
    """An engine as the app makes it (the scope stated on every transaction), not cached."""
    return db.get_engine.__wrapped__(url)


def _facility(pair: Pair, fid: int) -> str:
    response = requests.get(f"{pair.base}/ogc/collections/facilities/items/{fid}", timeout=10)
    assert response.status_code == 200, response.text[:300]
    return str(response.json()["properties"]["name"])


def _breadcrumb(pair: Pair) -> str:
    body = callback_body(DRILL_OUTPUTS, [("url", "search", f"?unit={NINH_KIEU}")])
    response = requests.post(pair.base + "/_dash-update-component", json=body, timeout=10)
    assert response.status_code == 200, response.text[:300]
    return str(response.json()["response"]["breadcrumb"])


def _rename(pair: Pair, fid: int, facility: str, unit: str) -> None:
    pair.primary.superuser(
        f"UPDATE facility SET name = '{facility}' WHERE id = {fid}; "
        f"UPDATE admin_unit SET name = '{unit}' WHERE code = '{NINH_KIEU}' AND valid_to IS NULL"
    )


def test_the_reader_roles_see_the_same_rows_on_the_replica_as_on_the_primary(pair) -> None:
    pair.caught_up()
    counts = {}
    for name, url in (("primary", pair.primary.url), ("replica", pair.replica.url)):
        engine = _engine(url)
        try:
            for reader in (None, db.Scope.public(), db.Scope.ward([NINH_KIEU])):
                with db.scope(reader), engine.connect() as conn:
                    counts[name, reader] = conn.execute(text(
                        "SELECT (SELECT count(*) FROM admin_unit), (SELECT count(*) FROM facility),"
                        " (SELECT count(*) FROM sensor), (SELECT count(*) FROM reading_hourly)"
                    )).one()  # fmt: skip
        finally:
            engine.dispose()
    for reader in (None, db.Scope.public(), db.Scope.ward([NINH_KIEU])):
        assert counts["primary", reader] == counts["replica", reader], reader
    everything, ward = counts["primary", None], counts["primary", db.Scope.ward([NINH_KIEU])]
    assert all(0 < w < e for w, e in zip(ward, everything, strict=True)), (ward, everything)
    # Reports are the staff's: the public reader role may not read them, on either server.
    for url in (pair.primary.url, pair.replica.url):
        engine = _engine(url)
        try:
            with (
                db.scope(db.Scope.public()),
                engine.connect() as conn,
                pytest.raises(DBAPIError, match="permission denied"),
            ):
                conn.execute(text("SELECT count(*) FROM flood_report"))
        finally:
            engine.dispose()


def test_reads_come_from_the_replica_within_the_lag_allowed_and_from_the_primary_beyond(
    pair,
) -> None:
    fid = int(pair.primary.superuser("SELECT min(id) FROM facility"))
    _rename(pair, fid, "Trạm A", "Ninh Kiều A")
    pair.caught_up()
    time.sleep(2 * CHECK_S)
    assert _facility(pair, fid) == "Trạm A" and "Ninh Kiều A" in _breadcrumb(pair)

    # Writes and sign-in go to the primary: a standby refuses them ("read-only transaction").
    assert sign_in(pair.base, STAFF, PASSWORD).get(pair.base + "/", timeout=10).ok

    pair.replica.superuser("SELECT pg_wal_replay_pause()")
    try:
        until(lambda: pair.replica.superuser("SELECT pg_get_wal_replay_pause_state()") == "paused")
        paused = time.monotonic()
        _rename(pair, fid, "Trạm B", "Ninh Kiều B")
        # Within the lag allowed: the replica answers, with what it had (so it is the replica).
        assert _facility(pair, fid) == "Trạm A"
        assert "Ninh Kiều A" in _breadcrumb(pair)
        assert time.monotonic() - paused < MAX_LAG_S - 1, "too slow to see the replica answer"
        # Beyond it (since the last transaction it replayed): the primary answers.
        time.sleep(max(0.0, paused + MAX_LAG_S + 3 * CHECK_S - time.monotonic()))
        assert _facility(pair, fid) == "Trạm B"
        assert "Ninh Kiều B" in _breadcrumb(pair)
    finally:
        pair.replica.superuser("SELECT pg_wal_replay_resume()")
    pair.caught_up()


def test_with_the_replica_stopped_reads_fall_back_to_the_primary_and_nothing_fails(pair) -> None:
    fid = int(pair.primary.superuser("SELECT min(id) FROM facility"))
    _rename(pair, fid, "Trạm C", "Ninh Kiều C")
    pair.replica.stop()
    try:
        # At once, before the app has looked at the replica again: no request fails.
        for _ in range(5):
            assert _facility(pair, fid) == "Trạm C"
            assert "Ninh Kiều C" in _breadcrumb(pair)
        assert sign_in(pair.base, STAFF, PASSWORD).get(pair.base + "/", timeout=10).ok
    finally:
        pair.replica.start()
    # Back: the replica catches up and is used again (paused, it answers with what it had).
    pair.caught_up()
    time.sleep(2 * CHECK_S)
    pair.replica.superuser("SELECT pg_wal_replay_pause()")
    try:
        until(lambda: pair.replica.superuser("SELECT pg_get_wal_replay_pause_state()") == "paused")
        _rename(pair, fid, "Trạm D", "Ninh Kiều D")
        until(lambda: _facility(pair, fid) == "Trạm C", timeout=MAX_LAG_S - 1)
    finally:
        pair.replica.superuser("SELECT pg_wal_replay_resume()")


def test_a_reader_on_the_replica_that_brings_the_report_figures_up_to_date_writes_on_the_primary(
    pair,
) -> None:
    # Reports were written (their days queued for the rollup) and nothing has rolled them up
    # yet: the statistics page, reading from the replica, rolls them up on the primary.
    pair.primary.superuser("INSERT INTO report_rollup_queue VALUES (NULL, NULL)")
    pair.caught_up()
    time.sleep(2 * CHECK_S)
    response = requests.get(f"{pair.base}{STATISTICS}?unit={NINH_KIEU}", timeout=30)
    assert response.status_code == 200, response.text[:300]
    assert pair.primary.superuser("SELECT count(*) FROM report_rollup_queue") == "0"


def test_with_both_servers_stopped_the_apis_say_to_come_back_soon_and_serve_again_after(
    pair,
) -> None:
    """Last in the module: the database away altogether (a restart, a failover) is a 503 with
    Retry-After in each API's own form, never a bare 500; and it serves again once it is back."""
    fid = int(pair.primary.superuser("SELECT min(id) FROM facility"))
    pair.replica.stop()
    pair.primary.stop()
    try:
        ogc = requests.get(f"{pair.base}/ogc/collections/facilities/items/{fid}", timeout=20)
        push = requests.post(
            pair.base + "/api/v1/observations",
            json={"sensor": "x", "readings": []},
            headers={"Authorization": "Bearer x.y"},
            timeout=20,
        )
        page = requests.get(pair.base + "/ogc/collections", headers={"Accept": "text/html"},
                            timeout=20)  # fmt: skip
    finally:
        pair.primary.start()
        pair.replica.start()
    for answer in (ogc, push):
        assert answer.status_code == 503, answer.text[:300]
        assert answer.headers["Retry-After"] == "5"
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.json()["detail"] == "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau."
    assert page.status_code == 503 and "Không kết nối được cơ sở dữ liệu" in page.text
    until(lambda: requests.get(f"{pair.base}/ogc/collections/facilities/items/{fid}",
                               timeout=10).status_code == 200)  # fmt: skip
