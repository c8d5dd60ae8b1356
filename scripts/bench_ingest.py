"""Benchmark the sensor ingestion API: concurrent clients pushing batches to gunicorn on loopback.

Usage (from the repository root):

    DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/bench_ingest.py \\
        [--clients 20] [--seconds 60] [--batch 100] [--workers 6] [--keep]

What it does, step by step:

1. makes a fresh database ``<db>_ingest_bench`` next to the one in DATABASE_URL (from the
   PostGIS template), migrates it and writes the demo city with one day of readings (so the
   rollups and indicators have real neighbours to work against);
2. gives every demo sensor a token (``geodata.monitoring.ingest.add_token``, as ``sensors add``
   does);
3. starts gunicorn (``--workers``, sync workers) on a free loopback port against it;
4. runs ``--clients`` threads for ``--seconds`` (a batch in flight at the end finishes); each
   owns a share of the sensors and posts batches of ``--batch`` readings of one sensor at a
   time (every quantity it measures, at distinct recent times, so every reading is new), as a
   sensor buffering its samples would;
5. prints readings/s (overall and per 10 s, to show it is sustained), batches/s, p50/p95/max
   latency per batch, the answers by status, and then
   checks that the rows added to ``reading`` equal the readings sent; the database is dropped
   unless ``--keep``.

A measurement, not a test: it asserts no time; it exits 1 if a batch failed or a row is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _say(message: str) -> None:
    print(f"[bench_ingest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(base_url: str, name: str) -> tuple[str, dict[str, tuple[str, list[tuple[str, str]]]]]:
    """A fresh, migrated database with the demo city; each sensor's token and quantities."""
    from geodata.ops.dbadmin import create_database

    url = create_database(base_url, name, replace=True)
    os.environ["DATABASE_URL"] = url
    from geodata.db import get_engine, transaction
    from geodata.demo.sample import write_sample
    from geodata.monitoring.ingest import add_token
    from geodata.ops.migrate import upgrade

    upgrade(database_url=url)
    write_sample(days=1)
    sensors: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    with transaction() as conn:
        rows = conn.execute(
            text(
                """
                SELECT s.code, array_agg(q.code ORDER BY q.id), array_agg(q.unit ORDER BY q.id)
                FROM sensor s JOIN sensor_quantity sq ON sq.sensor_id = s.id
                JOIN quantity q ON q.id = sq.quantity_id GROUP BY s.code ORDER BY s.code
                """
            )
        ).all()
        for code, quantities, units in rows:
            sensors[code] = (add_token(conn, code), list(zip(quantities, units, strict=True)))
    get_engine().dispose()
    return url, sensors


# Values inside every quantity's physical range.
VALUES = {"water_level": (0.5, 2.2), "rainfall": (0, 20), "pm25": (5, 120), "pm10": (10, 200),
          "no2": (5, 150), "o3": (10, 200), "co": (300, 5000), "so2": (2, 80),
          "speed": (5, 60)}  # fmt: skip


class Client(threading.Thread):
    """One HTTP client: posts batches for its sensors in turn until the deadline."""

    def __init__(self, base: str, sensors: list, batch: int, deadline: float, start: dt.datetime):
        super().__init__(daemon=True)
        self.base, self.sensors, self.batch, self.deadline = base, sensors, batch, deadline
        self.start_at = start
        self.latencies: list[float] = []
        self.done: list[tuple[float, int]] = []  # (when, readings) of each stored batch
        self.statuses: Counter[int] = Counter()
        self.sent = 0
        self.rng = random.Random(len(sensors) * 7919 + batch)
        # Seconds back from the start, per sensor: every reading has a time of its own.
        self.cursor = {code: 0 for code, _ in sensors}

    def _body(self, code: str, quantities: list[tuple[str, str]]) -> dict:
        items = []
        while len(items) < self.batch:
            self.cursor[code] += 1
            # Half-second marks never meet the demo's 5-minute grid.
            at = self.start_at - dt.timedelta(seconds=self.cursor[code] + 0.5)
            for quantity, unit in quantities:
                lo, hi = VALUES[quantity]
                items.append({"quantity": quantity, "unit": unit,
                              "value": round(self.rng.uniform(lo, hi), 2),
                              "observed_at": at.isoformat()})  # fmt: skip
        return {"observations": items}

    def run(self) -> None:
        session = requests.Session()
        k = 0
        while time.monotonic() < self.deadline:
            code, (token, quantities) = self.sensors[k % len(self.sensors)]
            k += 1
            body = self._body(code, quantities)
            began = time.perf_counter()
            response = session.post(self.base + "/api/v1/observations", json=body,
                                    headers={"Authorization": f"Bearer {token}"},
                                    timeout=120)  # fmt: skip
            self.latencies.append((time.perf_counter() - began) * 1000)
            self.statuses[response.status_code] += 1
            if response.status_code in (200, 201):
                self.sent += len(body["observations"])
                self.done.append((time.monotonic(), len(body["observations"])))
            elif self.statuses[response.status_code] == 1:
                print(f"  {response.status_code}: {response.text[:300]}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=100, help="readings per batch (about)")
    parser.add_argument("--workers", type=int, default=6, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        parser.error("DATABASE_URL is not set")
    name = f"{make_url(base_url).database}_ingest_bench"
    _say(f"preparing {name}: demo city, one day of readings, a token per sensor")
    url, sensors = prepare(base_url, name)
    from geodata.ops.dbadmin import drop_database
    from geodata.ops.localserver import gunicorn

    _say(f"{len(sensors)} sensors; gunicorn --workers {args.workers} on a free loopback port")
    engine = create_engine(url)
    server = contextlib.ExitStack()  # the server runs until the finally below
    try:
        base, _ = server.enter_context(gunicorn({"DATABASE_URL": url}, workers=args.workers))
        with engine.connect() as conn:
            before = conn.scalar(text("SELECT count(*) FROM reading"))
        owned = list(sensors.items())
        random.Random(5).shuffle(owned)
        start = dt.datetime.now(dt.UTC)
        deadline = time.monotonic() + args.seconds
        clients = [
            Client(base, owned[i :: args.clients], args.batch, deadline, start)
            for i in range(args.clients)
        ]
        _say(f"{args.clients} clients, batches of ~{args.batch} readings, {args.seconds:g} s")
        began = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - began
        latencies = sorted(x for c in clients for x in c.latencies)
        statuses = sum((c.statuses for c in clients), Counter())
        sent = sum(c.sent for c in clients)
        with engine.connect() as conn:
            added = conn.scalar(text("SELECT count(*) FROM reading")) - before
        q = statistics.quantiles(latencies, n=100)
        print(
            f"batches:    {len(latencies):,} in {elapsed:.1f} s "
            f"({len(latencies) / elapsed:.1f}/s); answers {dict(sorted(statuses.items()))}"
        )
        print(f"readings:   {sent:,} stored, {sent / elapsed:,.0f} readings/s")
        print(
            f"latency:    p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, "
            f"max {latencies[-1]:.0f} ms per batch"
        )
        windows: Counter[int] = Counter()
        for c in clients:
            for at, n in c.done:
                windows[int((at - (deadline - args.seconds)) // 10)] += n
        full = range(int(args.seconds // 10))  # batches ending after the deadline: totals only
        print("per 10 s:   " + ", ".join(f"{windows[w] / 10:,.0f}" for w in full) + " readings/s")
        print(f"row check:  {added:,} rows added to reading, {sent:,} sent: "
              f"{'OK' if added == sent else 'MISMATCH'}")  # fmt: skip
        # The server's refresher rolls the pushes up every few seconds: how long after the last
        # push until every pushed hour is rolled up (the dashboard's lag behind the sensors).
        drained_at = time.perf_counter()
        while True:
            with engine.connect() as conn:
                queued = conn.scalar(text("SELECT count(*) FROM rollup_queue"))
            if not queued:
                break
            time.sleep(0.1)
        lag = time.perf_counter() - drained_at
        with engine.connect() as conn:
            hourly = conn.scalar(text("SELECT coalesce(sum(n), 0) FROM reading_hourly"))
            expected = conn.scalar(text("SELECT count(*) FROM reading WHERE quality < 2"))
        print(f"rollups:    queue empty {lag:.1f} s after the last push; hourly rollups count "
              f"{hourly:,} readings of {expected:,}: "
              f"{'OK' if hourly == expected else 'MISMATCH'}")  # fmt: skip
        ok = added == sent and set(statuses) <= {200, 201} and hourly == expected
    finally:
        server.close()
        engine.dispose()
        if not args.keep:
            drop_database(base_url, name)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
