"""From a reading pushed through the ingestion API to a firing alert: how long, end to end.

Usage: DATABASE_URL=... .venv/bin/python scripts/bench_alert_latency.py [PUSHES]

In a throw-away database (``cantho_bench_latency``, replaced each run) holding the demo city,
river gauges with tokens and a rule with no pending time (Báo động III), this starts gunicorn on
loopback and the background worker (``python -m geodata worker``, its default 5 s turn) as
``make run`` does, then PUSHES times: pushes one reading over Báo động III (from a gauge of its
own) and waits until the alert fires. Reports the seconds from the push's answer to the alert
firing. A measurement, not a test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

NAME = "cantho_bench_latency"


def main(pushes: int) -> int:
    from geodata.ops.dbadmin import create_database
    from geodata.ops.localserver import gunicorn

    url = create_database(os.environ["DATABASE_URL"], NAME, replace=True)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "geodata", "db", "upgrade"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "geodata", "sample", "--no-reform", "--days", "0",
                    "--no-alerts"], env=env, check=True, capture_output=True)  # fmt: skip
    os.environ["DATABASE_URL"] = url
    from geodata.alerts.rules import add_rule
    from geodata.monitoring.ingest import add_token

    engine = create_engine(url)
    tokens = []
    with engine.begin() as conn:
        rule = add_rule(conn, "Báo động III", "gauge_level", 3, 2)
        # A gauge per push: each alert is a new one (an hour's level is its highest reading,
        # so one gauge would stay at Báo động III for the rest of the hour).
        for k in range(pushes):
            sensor = conn.scalar(
                text(
                    "INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, "
                    "alert_3) VALUES (:c, 'bench', ST_SetSRID(ST_MakePoint(105.78, 10.03), "
                    "4326), :c, 'river_gauge', 1.7, 1.9, 2.0) RETURNING id"
                ),
                {"c": f"g-latency-{k}"},
            )
            conn.execute(
                text(
                    "INSERT INTO sensor_quantity SELECT :s, id FROM quantity "
                    "WHERE code = 'water_level'"
                ),
                {"s": sensor},
            )
            tokens.append((sensor, add_token(conn, f"g-latency-{k}")))
    worker = subprocess.Popen([sys.executable, "-m", "geodata", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    took = []
    try:
        with gunicorn({"DATABASE_URL": url, "CANTHO_ROLLUP_INTERVAL_S": "2"}) as (base, _):
            for k, (sensor, token) in enumerate(tokens):
                body = {"observations": [{"quantity": "water_level", "unit": "m", "value": 2.2,
                        "observed_at": dt.datetime.now(dt.UTC).isoformat()}]}  # fmt: skip
                answer = requests.post(
                    base + "/api/v1/observations", data=json.dumps(body), timeout=30,
                    headers={"Authorization": f"Bearer {token}",
                             "Content-Type": "application/json"},
                )  # fmt: skip
                assert answer.status_code in (200, 201), answer.text
                started = time.perf_counter()
                while True:
                    with engine.connect() as conn:
                        # This push's own alert: the worker also keeps its default rules
                        # (the backups' age fires at once in a database never backed up).
                        fired = conn.scalar(
                            text(
                                "SELECT count(*) FROM alert WHERE state = 'firing' "
                                "AND rule_id = :r AND subject_kind = 'sensor' "
                                "AND subject_id = :s"
                            ),
                            {"r": rule, "s": sensor},
                        )
                    if fired:
                        break
                    if time.perf_counter() - started > 120:
                        raise TimeoutError("no firing alert within 120 s")
                    time.sleep(0.1)
                took.append(time.perf_counter() - started)
                print(f"push {k + 1}: firing {took[-1]:.1f} s after the push was answered")
                time.sleep(k % 5)  # pushes at different points of the worker's turn
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    ordered = sorted(took)
    print(f"{pushes} pushes: median {statistics.median(took):.1f} s, "
          f"max {ordered[-1]:.1f} s (worker turn 5 s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
