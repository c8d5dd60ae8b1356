"""Alert rules and public warnings: the time of one evaluation cycle, and of /cap/.

Usage: DATABASE_URL=... .venv/bin/python scripts/bench_alerts.py [ROUNDS]

On the city-scale bench database after the reform (``python -m geodata bench --communes 120``
makes ``cantho_bench_communes120``: 320 sensors, a year of readings, 120 communes), with one rule
of every kind (gauge level, gauge forecast, worst VN_AQI, congestion, coverage, flood reports
clustering) and no pending time:

1. at the hour of the year with the most gauges at Báo động I or more, one evaluation cycle
   (``geodata.alerts.evaluate.evaluate``: every rule's value for every subject, then the
   alerts' steps), ROUNDS times, each in a transaction rolled back so every round starts from
   the same state;
2. ``GET /cap/`` and one ``GET /cap/<id>.xml`` from gunicorn on loopback (2 workers), after one
   cycle committed with the rules made public (so the feed carries every alert raised),
   ROUNDS×5 requests each, one at a time.

The rules and alerts made are removed at the end. A measurement, not a test.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import create_engine, text

from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.ops.dbadmin import database_url
from geodata.ops.localserver import gunicorn

NAME = "cantho_bench_communes120"


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(name: str, times: list[float]) -> None:
    print(f"{name:42} p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 0.95):7.1f} ms"
          f"  ({len(times)} rounds)")  # fmt: skip


def main(rounds: int) -> int:
    url = database_url(os.environ["DATABASE_URL"], NAME)
    os.environ["DATABASE_URL"] = url
    engine = create_engine(url)
    with engine.connect() as conn:
        # The busiest hour of the year for flood alerts: the cycle has alerts to raise.
        at = conn.scalar(
            text(
                "SELECT period_start FROM sensor_indicator WHERE indicator = 'alert_level' "
                "AND period = 'hour' AND value >= 1 GROUP BY period_start "
                "ORDER BY count(*) DESC, period_start DESC LIMIT 1"
            )
        ) or conn.scalar(text("SELECT max(hour) FROM reading_hourly"))
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM sensor), (SELECT count(*) FROM admin_unit u "
                "WHERE u.valid_from <= current_date AND (u.valid_to IS NULL "
                "OR u.valid_to > current_date) AND u.level <> 'city')"
            )
        ).one()
    if at is None:
        print(f"{NAME} has no readings: run python -m geodata bench --communes 120 first")
        return 2
    at = at + dt.timedelta(minutes=30)
    print(f"{NAME}: {counts[0]} sensors, {counts[1]} units below the city; "
          f"moment {at:%Y-%m-%d %H:%M}Z")  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alert_rule WHERE created_by = 'bench'"))
        # The bench's year never reaches Báo động II nor VN_AQI 151: lines low enough for
        # the cycle to raise alerts (Báo động I, VN_AQI 50), so not public warnings.
        for name, kind, fire, clear, params in (
            ("bench: Báo động I", "gauge_level", 1, 0.5, {}),
            ("bench: dự báo Báo động II", "gauge_forecast", 2, 1, {"hours": 48}),
            ("bench: không khí", "unit_aqi", 50, 40, {}),
            ("bench: ùn tắc", "unit_congestion", 0.3, 0.2, {}),
            ("bench: trạm y tế", "unit_coverage", 0.5, 0.6, {"facility": "health_station"}),
            ("bench: phản ánh ngập", "report_cluster", 2, 1, {"radius_m": 300}),
        ):
            add_rule(conn, name, kind, fire, clear, params=params, created_by="bench")
    times, steps = [], None
    for _ in range(rounds + 1):
        with engine.connect() as conn:
            started = time.perf_counter()
            steps = evaluate(conn, at)
            times.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    assert steps is not None
    print(f"one cycle: {steps.rules} rules, {steps.subjects} subject values, "
          f"{steps.firing} alerts would fire")  # fmt: skip
    line("evaluation cycle (6 rules)", times[1:])
    try:
        with engine.begin() as conn:
            # Public for this measurement only (past the rules' own check, which would refuse
            # lines this low): the feed then carries every alert the cycle raised.
            conn.execute(text("UPDATE alert_rule SET public = true WHERE created_by = 'bench'"))
            evaluate(conn, at)
            shown = conn.scalar(text("SELECT count(*) FROM alert WHERE state = 'firing'"))
            print(f"{shown} public warnings firing")
            some = conn.scalar(
                text("SELECT a.id FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
                     "WHERE r.public AND a.state = 'firing' ORDER BY a.id LIMIT 1")
            )  # fmt: skip
        with gunicorn({"DATABASE_URL": url, "CANTHO_ROLLUP_INTERVAL_S": "0"}) as (base, _):
            for path in ("/cap/", f"/cap/{some}.xml"):
                session, took = requests.Session(), []
                for k in range(rounds * 5 + 5):
                    started = time.perf_counter()
                    answer = session.get(base + path, timeout=30)
                    if k >= 5:
                        took.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text[:200]
                shown_path = path if path == "/cap/" else "/cap/<id>.xml"
                line(f"GET {shown_path} ({len(answer.content):,} B)", took)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alert_rule WHERE created_by = 'bench'"))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
