"""Time Open311 POST requests (reports without photos) from 20 concurrent clients over HTTP.

Usage: .venv/bin/python scripts/bench_open311.py [--clients N] [--seconds S] [--keep]

It makes a throw-away database next to the set-up's (``var/database_url``, database
``<name>_bench_open311``): migrations and the demo city, whose wards route the reports, and one
API key. It starts gunicorn with ``app:server`` as ``make run`` does (2 workers, 4 threads) on a
free loopback port, the rate limits raised out of the way (they are still counted, in the
database, on every request). Each client sends reports one after another on its own keep-alive
connection — a random category at a random point of a random ward, flooding with its water
depth, a description and a contact — for ``--seconds`` after a short warm-up, then reports/s,
p50/p95/max latency and the rows stored are printed. The database is dropped at the end unless
``--keep``. A measurement, not a test: nothing here asserts a time. Issue 12's goal: ≥ 100
reports/s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import create_engine, make_url, text

from geodata.ops.dbadmin import create_database, database_url, drop_database
from geodata.ops.localserver import ROOT, gunicorn

WARM_UP_S = 3.0


def _points(url: str) -> list[tuple[float, float]]:
    """Points inside the demo city's wards (one per ward, a few metres jittered when used)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM "
                "admin_unit WHERE level = 'ward' AND valid_to IS NULL) s"
            )
        ).all()
    engine.dispose()
    return [(float(x), float(y)) for x, y in rows]


def _prepare(url: str) -> str:
    """Migrations, the demo city and an API key in the throw-away database; the key."""
    env = {**os.environ, "DATABASE_URL": url}
    for command in (["db", "upgrade"], ["sample"], ["open311", "keys", "add", "bench"]):
        done = subprocess.run(
            [sys.executable, "-m", "geodata", *command], cwd=ROOT, env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _client(
    base: str, key: str, points: list[tuple[float, float]], start: float, stop: float,
    seed: int, times: list[float], failures: list[str],
) -> None:  # fmt: skip
    rng = random.Random(seed)
    session = requests.Session()
    categories = ["flooding", "waste", "streetlight", "road_damage", "pollution", "other"]
    while (now := time.monotonic()) < stop:
        lon, lat = rng.choice(points)
        category = rng.choice(categories)
        form = {
            "api_key": key, "jurisdiction_id": "cantho.gov.vn", "service_code": category,
            "lat": f"{lat + rng.uniform(-1e-5, 1e-5):.7f}",
            "long": f"{lon + rng.uniform(-1e-5, 1e-5):.7f}",
            "description": "Phản ánh thử tải: nước ngập, rác, đèn đường hỏng.",
            "first_name": "Bench", "last_name": "Client", "email": f"c{seed}@example.vn",
        }  # fmt: skip
        if category == "flooding":
            form["attribute[depth_cm]"] = str(rng.randint(5, 80))
        began = time.perf_counter()
        try:
            response = session.post(f"{base}/requests.json", data=form, timeout=30)
            ok = response.status_code == 201
            failure = "" if ok else f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as exc:
            ok, failure = False, type(exc).__name__
        elapsed = (time.perf_counter() - began) * 1000
        if now >= start:  # the warm-up's requests are not counted
            if ok:
                times.append(elapsed)
            else:
                failures.append(failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database")
    args = parser.parse_args()
    base_url = (ROOT / "var" / "database_url").read_text().strip()
    name = f"{make_url(base_url).database}_bench_open311"
    create_database(base_url, name, replace=True)
    url = database_url(base_url, name)
    try:
        print(f"database {name}: migrations, demo city, API key …", flush=True)
        key = _prepare(url)
        points = _points(url)
        env = {
            "DATABASE_URL": url,
            # The bench is one very busy client: the limits are raised, still counted.
            "CANTHO_OPEN311_RATE_LIMIT": "10000000 per minute",
            "CANTHO_OPEN311_KEY_RATE_LIMIT": "10000000 per minute",
            "CANTHO_ROLLUP_INTERVAL_S": "0",
        }
        with gunicorn(env, workers=2, args=("--threads", "4")) as (root, _):
            base = root + "/open311/v2"
            times: list[float] = []
            failures: list[str] = []
            start = time.monotonic() + WARM_UP_S
            stop = start + args.seconds
            clients = [
                threading.Thread(
                    target=_client, args=(base, key, points, start, stop, n, times, failures)
                )
                for n in range(args.clients)
            ]
            for client in clients:
                client.start()
            for client in clients:
                client.join(timeout=args.seconds + WARM_UP_S + 60)
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.scalar(
                text("SELECT count(*) FROM citizen_report WHERE source = 'open311'")
            )
        engine.dispose()
        times.sort()
        print(
            f"{args.clients} clients, {args.seconds:.0f} s measured (after {WARM_UP_S:.0f} s of "
            f"warm-up): {len(times)} reports accepted, {len(failures)} failed"
        )
        if failures:
            print(f"first failure: {failures[0]}")
        if times:
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            print(
                f"{len(times) / args.seconds:.1f} reports/s; latency p50 "
                f"{statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
            )
        print(f"rows with source open311 in citizen_report (warm-up included): {stored}")
    finally:
        if not args.keep:
            drop_database(base_url, name)


if __name__ == "__main__":
    main()
