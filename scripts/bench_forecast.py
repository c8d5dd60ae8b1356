"""Water-level forecasts on real observations: their scores, and the time of one cycle.

Usage: DATABASE_URL=... .venv/bin/python scripts/bench_forecast.py [--windows N] [--gauges G]

Needs ``../shared/data/water_level/`` (19 years of hourly water levels at Hoek van Holland,
1976–1994; see its README). In a throw-away database (``cantho_bench_forecast`` on the server
of DATABASE_URL, replaced each run) it:

1. loads the whole series as readings of one gauge, ``HOEKVHLD``, 28 years later than observed
   (1976 → 2004: 28 years keep the weekdays and leap days, and the readings importer refuses
   times before 2000), then runs ``python -m geodata forecast backtest --sensor HOEKVHLD
   --windows N``: each forecast from the hours before its issue time only, scored by lead time
   beside a pure harmonic prediction fitted on the same history;
2. adds G gauges, each given a different year of the same record (a year and a month of hourly
   values ending now), and times ``python -m geodata forecast`` issuing and storing a forecast
   for every gauge (one cycle), three times.

A measurement, not a test: nothing here asserts a time or a score.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from geodata.monitoring.readings import Reading, write_readings  # noqa: E402
from geodata.ops.dbadmin import create_database  # noqa: E402
from geodata.ops.migrate import upgrade  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "water_level" / "hoek_van_holland_1976-1994.csv.gz"
SHIFT_YEARS = 28
NAME = "cantho_bench_forecast"


def read_series() -> tuple[list[dt.datetime], np.ndarray]:
    times, values = [], []
    with gzip.open(DATA, "rt") as f:
        next(f)
        for line in f:
            at, value = line.rstrip("\n").split(",")
            moment = dt.datetime.fromisoformat(at)
            times.append(moment.replace(year=moment.year + SHIFT_YEARS))
            values.append(float(value))
    return times, np.array(values)


def add_gauge(conn, code: str, name: str, lon: float, lat: float) -> int:  # type: ignore[no-untyped-def]
    sensor = conn.scalar(
        text(
            "INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3) "
            "VALUES (:code, 'bench', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :name, "
            "'water_level', 1.5, 2.0, 2.5) RETURNING id"
        ),
        {"code": code, "name": name, "lon": lon, "lat": lat},
    )
    conn.execute(
        text(
            "INSERT INTO sensor_quantity (sensor_id, quantity_id) "
            "SELECT :s, id FROM quantity WHERE code = 'water_level'"
        ),
        {"s": sensor},
    )
    return int(sensor)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--gauges", type=int, default=40)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"needs {DATA} (the shared reference data), which is not here", file=sys.stderr)
        return 2
    url = create_database(os.environ["DATABASE_URL"], NAME, replace=True)
    env = {**os.environ, "DATABASE_URL": url}
    os.environ["DATABASE_URL"] = url
    upgrade("head")
    engine = create_engine(url)
    times, values = read_series()
    print(f"series: {len(values):,} hourly values, {times[0]:%Y-%m-%d} … {times[-1]:%Y-%m-%d} "
          f"(observed {SHIFT_YEARS} years earlier)")  # fmt: skip
    started = time.perf_counter()
    with engine.begin() as conn:
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
        real = add_gauge(conn, "HOEKVHLD", "Hoek van Holland", 4.12, 51.98)
        write_readings(
            conn, (Reading(real, quantity, t, v) for t, v in zip(times, values, strict=True))
        )
    print(f"loaded as readings and rolled up in {time.perf_counter() - started:.1f} s\n")
    command = [sys.executable, "-m", "geodata", "forecast"]
    print(f"$ python -m geodata forecast backtest --sensor HOEKVHLD --windows {args.windows}")
    sys.stdout.flush()
    subprocess.run([*command, "backtest", "--sensor", "HOEKVHLD", "--windows",
                    str(args.windows)], env=env, check=True)  # fmt: skip

    # G gauges of a year and a month each, ending at the last full hour.
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    span = 395 * 24
    hours = [now - dt.timedelta(hours=span - k) for k in range(span)]
    with engine.begin() as conn:
        for g in range(args.gauges):
            sensor = add_gauge(conn, f"G{g:02}", f"Gauge {g}", 105.7 + g / 100, 10.0)
            start = (g * 97 * 24) % (len(values) - span)
            write_readings(
                conn,
                (
                    Reading(sensor, quantity, t, float(values[start + k]))
                    for k, t in enumerate(hours)
                ),
            )
    print(f"\n{args.gauges} more gauges, {span:,} hourly values each, ending {now:%Y-%m-%d %H:%M}Z")
    for round_ in range(3):
        started = time.perf_counter()
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
        took = time.perf_counter() - started
        issued = sum("peak" in line for line in out.splitlines())
        print(f"$ python -m geodata forecast   # cycle {round_ + 1}: {issued} gauges forecast "
              f"and stored in {took:.1f} s (whole process)")  # fmt: skip
    with engine.connect() as conn:
        rows = conn.scalar(text("SELECT count(*) FROM water_forecast"))
    print(f"water_forecast rows: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
