"""Time the per-unit figures of citizens' reports (geodata/reports/figures.py) with 100,000 reports
in the table.

Usage: DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/bench_figures.py [ROUNDS]
Makes a throw-away database beside DATABASE_URL's (geodata.ops.dbadmin), migrates it, writes the
demo city without reports, then 100,000 reports over the last year in one INSERT … SELECT over
generate_series (every ward, every category, most handled, some open, half rated). Then for the
city, a district and a ward, and the periods the pages offer (30 days, 90 days, a year), times
what a panel or page asks for: ``unit_figures`` and ``weekly``, read as the public reads them,
after the daily rollup is made (its time is printed, and what one changed report costs it).
Prints p50/p95 in ms per unit and period; asserts nothing (issue 12 asks p95 ≤ 50 ms). The
database is dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The queries' own time, not the answers each process keeps for a few seconds.
os.environ.setdefault("CANTHO_CACHE_UNITS_S", "0")
os.environ.setdefault("CANTHO_CACHE_DATA_S", "0")

from sqlalchemy import text

from geodata.ops.dbadmin import create_database, drop_database

REPORTS = 100_000
UNITS = (("city", "92"), ("district", "916"), ("ward", "91601"))
PERIODS = (30, 90, 365)

# One statement: each report in a ward (taken in turn), near its interior point, received in the
# last year, acknowledged and resolved some hours later (a few open), half of the closed rated.
FILL = """
WITH wards AS (
  SELECT array_agg(id ORDER BY code) AS ids,
         array_agg(ST_X(ST_PointOnSurface(geom)) ORDER BY code) AS xs,
         array_agg(ST_Y(ST_PointOnSurface(geom)) ORDER BY code) AS ys
  FROM admin_unit WHERE level = 'ward'
),
cats AS (SELECT array_agg(code ORDER BY position) AS codes FROM report_category),
drawn AS (
  SELECT g, 1 + g % cardinality(w.ids) AS k, c.codes[1 + g % cardinality(c.codes)] AS category,
         now() - random() * interval '365 days' AS at, random() AS u, random() AS v, w.ids,
         w.xs, w.ys
  FROM generate_series(1, :n) g, wards w, cats c
)
INSERT INTO citizen_report (code, source, geom, admin_unit_id, reported_at, category, status,
  resolution, acknowledged_at, resolved_at, ack_due, resolve_due, rating, description,
  description_public, updated_at)
SELECT 'BENCH-' || g, 'bench',
  ST_SetSRID(ST_MakePoint(xs[k] + (random() - 0.5) * 0.004, ys[k] + (random() - 0.5) * 0.004),
             4326),
  ids[k], at, category,
  CASE WHEN at > now() - interval '5 days' AND u < 0.5 THEN 'received'
       WHEN u < 0.03 THEN 'in_progress' ELSE 'resolved' END,
  CASE WHEN at > now() - interval '5 days' AND u < 0.5 THEN NULL
       WHEN u < 0.03 THEN NULL WHEN u < 0.06 THEN 'not_competent' ELSE 'fixed' END,
  CASE WHEN at > now() - interval '5 days' AND u < 0.5 THEN NULL
       ELSE at + v * interval '80 hours' END,
  CASE WHEN at > now() - interval '5 days' AND u < 0.5 THEN NULL
       WHEN u < 0.03 THEN NULL ELSE at + (v + random()) * interval '100 hours' END,
  at + interval '3 days', at + interval '7 days',
  CASE WHEN u >= 0.06 AND random() < 0.5 THEN 1 + floor(random() * 5)::int END,
  'Phản ánh thử số ' || g, true, at
FROM drawn
"""


def main(rounds: int) -> None:
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set (the server's; a throw-away database is made beside it)")
    name = f"cantho_bench_figures_{os.getpid()}"
    url = create_database(base, name, replace=True)
    os.environ["DATABASE_URL"] = url  # before anything reads the settings
    try:
        _run(url, rounds)
    finally:
        from geodata.db import get_engine

        get_engine().dispose()
        drop_database(base, name)


def _run(url: str, rounds: int) -> None:
    from geodata.db import Scope, get_engine, scope
    from geodata.demo.sample import write_sample
    from geodata.ops.migrate import upgrade
    from geodata.reports.figures import last_days, refresh_rollup, unit_figures, weekly

    upgrade(database_url=url)
    write_sample(days=0, report_days=0)
    engine = get_engine()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(FILL), {"n": REPORTS})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE citizen_report"))
        total = conn.scalar(text("SELECT count(*) FROM citizen_report"))
        ids = dict(conn.execute(text("SELECT code, id FROM admin_unit")).all())
    print(f"{total:,} reports written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.begin() as conn:
        rows = refresh_rollup(conn)
    print(f"rolled up into {rows:,} unit-days in {time.perf_counter() - started:.1f} s")
    _one_report_changed(engine, ids)
    now = dt.datetime.now(dt.UTC)
    print(f"{'unit':10} {'period':>7} {'reports':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for label, code in UNITS:
        for days in PERIODS:
            start, end = last_days(now, days)
            times = []
            with scope(Scope.public()), engine.connect() as conn:
                figures = unit_figures(conn, ids[code], start, end, now)  # warm up
                for _ in range(rounds):
                    began = time.perf_counter()
                    unit_figures(conn, ids[code], start, end, now)
                    weekly(conn, ids[code], start, end)
                    times.append((time.perf_counter() - began) * 1000)
            times.sort()
            p95 = times[max(0, int(0.95 * rounds) - 1)]
            print(
                f"{label + ' ' + code:10} {days:>5} d {figures.received:>8,} "
                f"{statistics.median(times):>8.1f} {p95:>8.1f}"
            )


def _one_report_changed(engine, ids: dict[str, int]) -> None:
    """What a staff action costs the rollup: one report of today acknowledged, then the refresh
    the next reading makes (today, for every unit holding the report)."""
    from geodata.reports.figures import refresh_rollup

    times = []
    for _ in range(10):
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE citizen_report SET acknowledged_at = now() WHERE id = "
                    "(SELECT id FROM citizen_report ORDER BY reported_at DESC LIMIT 1)"
                )
            )
        began = time.perf_counter()
        with engine.begin() as conn:
            refresh_rollup(conn)
        times.append((time.perf_counter() - began) * 1000)
    print(f"one report changed, rolled up again: median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
