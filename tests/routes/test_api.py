"""The sensor ingestion API over real HTTP: gunicorn on loopback against the test database.

Tokens, every refusal (with its audit entry), idempotent duplicates, concurrent batches counted
row by row, the dashboard's rollup, and a server killed in the middle of a batch.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, text

from geodata.monitoring.ingest import add_token, rotate_token, set_token_disabled
from tests.dbutil import locked_out_address, make_sensor
from tests.servers import gunicorn

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# Readings of one whole hour, two hours back: every test's readings fall in hours of their own.
HOUR = (NOW - dt.timedelta(hours=2)).replace(minute=0, second=0)


@pytest.fixture(scope="module")
def city(engine: Engine) -> Engine:
    """The demo city (units, no readings); each test makes its own sensors in it."""
    from geodata.demo.sample import write_sample
    from tests.dbutil import truncate_all

    truncate_all(engine)
    write_sample()
    return engine


@pytest.fixture
def station(city: Engine) -> tuple[str, str]:
    """A new air station in Ninh Kiều with a token: (code, token)."""
    code = make_sensor(city)
    with city.begin() as conn:
        return code, add_token(conn, code)


def _items(n: int, start: dt.datetime = HOUR, quantity: str = "pm25") -> list[dict[str, Any]]:
    """``n`` readings one second apart; the value follows the time, so a reading sent twice
    (by overlapping batches) is the same reading."""
    moments = [start + dt.timedelta(seconds=k) for k in range(n)]
    return [
        {"quantity": quantity, "unit": "µg/m³", "value": 10.0 + at.second % 50,
         "observed_at": at.isoformat()}
        for at in moments
    ]  # fmt: skip


def _post(base: str, token: str | None, body: Any, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers.setdefault("Content-Type", "application/json")
    return requests.post(base + "/api/v1/observations", data=data, headers=headers, timeout=120)


def _count(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text("SELECT count(*) FROM reading r JOIN sensor s ON s.id = r.sensor_id "
                     "WHERE s.code = :c"), {"c": code}
            )
        )  # fmt: skip


def _last_refusal(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT outcome, detail FROM audit_log WHERE action = 'ingest' "
                 "ORDER BY id DESC LIMIT 1")
        ).one()  # fmt: skip


def test_a_batch_is_stored_and_answered_201_with_its_counts(server, station, city) -> None:
    code, token = station
    response = _post(server, token, {"observations": _items(3)})
    assert response.status_code == 201, response.text
    assert response.json() == {"received": 3, "inserted": 3, "duplicates": 0}
    assert _count(city, code) == 3


def test_the_same_batch_again_writes_nothing_and_answers_200(server, station, city) -> None:
    code, token = station
    _post(server, token, {"observations": _items(5)})
    again = _post(server, token, {"observations": _items(5)})
    assert again.status_code == 200
    assert again.json() == {"received": 5, "inserted": 0, "duplicates": 5}
    overlapping = _post(server, token, {"observations": _items(8)})
    assert overlapping.status_code == 201
    assert overlapping.json() == {"received": 8, "inserted": 3, "duplicates": 5}
    assert _count(city, code) == 8


def test_the_dashboards_hourly_rollup_shows_a_posted_reading(server, station, city) -> None:
    code, token = station
    items = _items(3)
    for item, value in zip(items, (10, 20, 60), strict=True):
        item["value"] = value
    assert _post(server, token, {"observations": items}).status_code == 201

    def hourly_row() -> Any:
        with city.connect() as conn:
            return conn.execute(
                text("SELECT h.n, h.mean, h.max FROM reading_hourly h JOIN sensor s "
                     "ON s.id = h.sensor_id WHERE s.code = :c AND h.hour = :h"),
                {"c": code, "h": HOUR},
            ).one_or_none()  # fmt: skip

    # The server's refresher rolls the pushed hours up within seconds (every 0.5 s here).
    deadline = time.monotonic() + 30
    while (hourly := hourly_row()) is None:
        assert time.monotonic() < deadline, "the pushed hour was never rolled up"
        time.sleep(0.2)
    with city.connect() as conn:
        aqi_rows = conn.scalar(
            text("SELECT count(*) FROM sensor_indicator i JOIN sensor s ON s.id = i.sensor_id "
                 "WHERE s.code = :c AND i.indicator = 'aqi' AND i.period = 'hour' "
                 "AND i.period_start = :h"),
            {"c": code, "h": HOUR},
        )  # fmt: skip
    assert tuple(hourly) == (3, 30.0, 60.0)
    assert aqi_rows == 1  # the station's VN_AQI for that hour was recomputed with it


def test_every_bad_item_is_named_with_its_index_and_field_and_nothing_is_written(
    server, station, city
) -> None:
    code, token = station
    items = _items(4)
    items[1]["unit"] = "ppm"
    items[2]["observed_at"] = (NOW + dt.timedelta(hours=1)).isoformat()
    items[3]["quantity"] = "water_level"
    response = _post(server, token, {"observations": items}, **{"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.json()
    assert body["error_count"] == 3
    found = [(e["index"], e["field"], e["reason"]) for e in body["errors"]]
    assert found == [
        (1, "unit", "wrong_unit"),
        (2, "observed_at", "in_future"),
        (3, "quantity", "not_measured"),
    ]
    assert "µg/m³" in body["errors"][0]["message"]  # it says which unit is expected
    assert _count(city, code) == 0


def test_messages_are_vietnamese_unless_english_is_preferred(server, station) -> None:
    _, token = station
    items = _items(1)
    items[0]["value"] = 5000
    vi = _post(server, token, {"observations": items}).json()["errors"][0]["message"]
    en = _post(server, token, {"observations": items}, **{"Accept-Language": "en-GB,en;q=0.8"})
    assert "ngoài khoảng" in vi
    assert "outside the physical range" in en.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda code, token: None, "missing"),
        (lambda code, token: "garbage", "malformed"),
        (lambda code, token: "nosuchsensor.abc", "unknown_sensor"),
        (lambda code, token: code + ".not-the-secret", "wrong_secret"),
    ],
    ids=["missing", "malformed", "unknown-sensor", "wrong-secret"],
)
def test_a_bad_token_is_refused_401_and_audited(server, station, city, make_token, reason) -> None:
    code, token = station
    response = _post(server, make_token(code, token), {"observations": _items(1)})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _last_refusal(city).detail["reason"] == reason
    assert _last_refusal(city).outcome == "denied"
    assert _count(city, code) == 0


def test_a_disabled_sensor_is_refused_and_audited_until_enabled(server, station, city) -> None:
    code, token = station
    with city.begin() as conn:
        set_token_disabled(conn, code)
    assert _post(server, token, {"observations": _items(1)}).status_code == 401
    assert _last_refusal(city).detail == {"reason": "disabled", "sensor": code}
    with city.begin() as conn:
        set_token_disabled(conn, code, disabled=False)
    assert _post(server, token, {"observations": _items(1)}).status_code == 201


def test_a_rotated_token_stops_working_and_the_new_one_works(server, station, city) -> None:
    code, old = station
    with city.begin() as conn:
        new = rotate_token(conn, code)
    assert _post(server, old, {"observations": _items(1)}).status_code == 401
    assert _last_refusal(city).detail == {"reason": "wrong_secret", "sensor": code}
    assert _post(server, new, {"observations": _items(1)}).status_code == 201


def test_a_token_of_one_sensor_cannot_post_for_another(server, station, city) -> None:
    _, token = station
    other = make_sensor(city)
    items = [{**item, "sensor": other} for item in _items(2)]
    response = _post(server, token, {"observations": items})
    assert response.status_code == 422
    assert {e["reason"] for e in response.json()["errors"]} == {"other_sensor"}
    assert _count(city, other) == 0


def test_a_body_that_is_not_json_is_refused_415(server, station) -> None:
    _, token = station
    body = json.dumps({"observations": _items(1)})
    response = _post(server, token, body, **{"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]


@pytest.mark.parametrize(
    "body", ['{"observations": [', b"\xff\xfe", "[1, 2]", '{"observations": []}', '{"obs": []}']
)
def test_malformed_json_or_a_body_without_a_batch_is_refused_400(
    server, station, city, body
) -> None:
    code, token = station
    response = _post(server, token, body)
    assert response.status_code == 400
    assert response.json()["error"] in {"bad_json", "bad_batch"}
    assert _count(city, code) == 0


def test_a_batch_over_the_item_limit_is_refused_413(server, station, city) -> None:
    code, token = station
    response = _post(server, token, {"observations": _items(10_001)})
    assert response.status_code == 413
    assert response.json()["error"] == "too_many"
    assert _count(city, code) == 0


def test_a_body_over_the_byte_limit_is_refused_413_before_it_is_read(server, station) -> None:
    _, token = station
    response = _post(server, token, b"{" + b" " * 4_000_001 + b"}")
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_the_token_is_checked_before_the_body(server) -> None:
    response = _post(server, None, "not json", **{"Content-Type": "text/plain"})
    assert response.status_code == 401


def test_concurrent_overlapping_batches_lose_and_double_nothing(server, city) -> None:
    """10 threads, 5 batches each, from 3 sensors; each batch overlaps the next thread's."""
    sensors = []
    for _ in range(3):
        code = make_sensor(city)
        with city.begin() as conn:
            sensors.append((code, add_token(conn, code)))
    inserted: list[int] = []
    failures: list[str] = []

    def client(k: int) -> None:
        _, token = sensors[k % 3]
        for b in range(5):
            # Batch b of thread k covers seconds [50 (k // 3) + 20 b, +40) of its sensor: it
            # overlaps the thread's other batches and those of thread k + 3.
            start = HOUR - dt.timedelta(hours=1) + dt.timedelta(seconds=50 * (k // 3) + 20 * b)
            response = _post(server, token, {"observations": _items(40, start)})
            if response.status_code in (200, 201):
                inserted.append(response.json()["inserted"])
            else:
                failures.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    expected = {}
    for k in range(10):
        code = sensors[k % 3][0]
        for b in range(5):
            first = 50 * (k // 3) + 20 * b
            expected.setdefault(code, set()).update(range(first, first + 40))
    stored = {code: _count(city, code) for code, _ in sensors}
    assert stored == {code: len(seconds) for code, seconds in expected.items()}
    assert sum(inserted) == sum(stored.values())  # each new row counted by exactly one answer


# A server of our own for the kill tests: one worker, room for a large batch.
BIG = 30_000


@pytest.fixture
def own_server(city: Engine) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    # No rollup refresher: it would queue behind the kill test's lock too. A process group of
    # its own, so that the test can kill the whole server.
    env = {"CANTHO_INGEST_MAX_ITEMS": str(BIG), "CANTHO_INGEST_MAX_BYTES": "20000000",
           "CANTHO_ROLLUP_INTERVAL_S": "0"}  # fmt: skip
    with gunicorn(env, workers=1, args=("--timeout", "300"), own_session=True) as server:
        yield server


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _waiting_on_a_lock(engine: Engine) -> bool:
    """Whether a session of the server is stuck behind the lock this test holds."""
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
            )
        )  # fmt: skip


def _open_transactions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                     "AND backend_type = 'client backend'")
            )
        )  # fmt: skip


@pytest.mark.parametrize("victim", ["worker", "whole server"])
def test_a_server_killed_mid_batch_stores_the_whole_batch_or_none_of_it(
    own_server, city, victim
) -> None:
    """The batch is caught half-way on purpose: its readings are in (not committed) when its
    hours wait to be queued for the rollups behind a lock this test holds; then the server is
    killed."""
    base, master = own_server
    code = make_sensor(city, ("pm25", "pm10", "no2"))
    with city.begin() as conn:
        token = add_token(conn, code)
    start = NOW - dt.timedelta(hours=12)
    items = [
        {**item, "unit": "µg/m³"}
        for quantity in ("pm25", "pm10", "no2")
        for item in _items(BIG // 3, start, quantity)
    ]
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(_post(base, token, {"observations": items}).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    blocker = city.connect()
    blocker.begin()
    # The batch's last step, queueing its hours for the rollups, waits on this lock.
    blocker.execute(text("LOCK TABLE rollup_queue IN SHARE ROW EXCLUSIVE MODE"))
    sender = threading.Thread(target=send)
    sender.start()
    while not _waiting_on_a_lock(city):
        assert sender.is_alive(), f"the batch ended without meeting the lock: {outcome}"
        time.sleep(0.01)
    if victim == "worker":
        for pid in _workers(master.pid):
            os.kill(pid, signal.SIGKILL)
    else:
        os.killpg(master.pid, signal.SIGKILL)
    sender.join()
    blocker.rollback()
    blocker.close()
    # The database rolls back what the dead process left open; wait until it has.
    while _open_transactions(city):
        time.sleep(0.05)
    assert isinstance(outcome[0], requests.RequestException), outcome  # no answer came
    assert _count(city, code) == 0, "a partial batch was left behind"
    with city.connect() as conn:
        queued = conn.scalar(
            text("SELECT count(*) FROM rollup_queue q JOIN sensor s ON s.id = q.sensor_id "
                 "WHERE s.code = :c"), {"c": code}
        )  # fmt: skip
    assert queued == 0  # nor any hour of the lost batch queued for the rollups
    if victim == "worker":  # gunicorn starts a new worker: sent again, the batch goes in whole
        response = _post(base, token, {"observations": items})
        assert response.json()["inserted"] == len(items)
        assert _count(city, code) == len(items)


def test_an_address_that_sent_many_bad_tokens_is_refused_429_without_growing_the_log(
    server, station, city
) -> None:
    _, token = station
    with locked_out_address(city, "ingest") as logged:
        refused = _post(server, token, {"observations": _items(1)})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "Quá nhiều yêu cầu" in refused.json()["message"]
        with city.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM audit_log")) == logged
    assert _post(server, token, {"observations": _items(1)}).status_code == 201
