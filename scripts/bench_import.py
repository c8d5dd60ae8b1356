"""Time ``python -m geodata load readings`` end to end on a realistic CSV, rollups included.

Usage: DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/bench_import.py [--rows N]
       [--keep]

Builds a throw-away database ``<db>_import_bench`` next to the one in DATABASE_URL (migrated, with
the demo city and its sensors), writes a readings CSV of ``--rows`` rows (default 3,000,000: every
demo sensor's quantities at 5-minute steps, going back from a week ago), then times, each as the
real command in a fresh process:

1. loading it into the empty reading table (COPY, checks, insert, hourly/daily/indicator rollups);
2. loading the same file with one bad row in the middle (a PM2.5 value of -7 µg/m³): refused whole,
   the row named, nothing written;
3. loading the good file a second time (every reading already stored: nothing changes).

Prints rows/s for each. A measurement, not a test: nothing here asserts a time. The database is
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEP_S = 300
# A plausible level per quantity (mean, daily swing, noise), clipped to the physical range.
SHAPE = {
    "water_level": (0.9, 0.8, 0.05),
    "rainfall": (0.2, 0.2, 0.4),
    "pm25": (30.0, 15.0, 6.0),
    "pm10": (50.0, 25.0, 10.0),
    "no2": (40.0, 20.0, 8.0),
    "o3": (70.0, 50.0, 10.0),
    "co": (1200.0, 800.0, 200.0),
    "so2": (15.0, 5.0, 3.0),
    "speed": (38.0, 12.0, 5.0),
}


def _write_csv(path: Path, pairs: list[tuple[str, str]], rows: int, end: dt.datetime) -> int:
    """``rows`` readings (rounded down to whole steps) for every (sensor, quantity) pair."""
    steps = rows // len(pairs)
    last = np.datetime64(end.replace(tzinfo=None), "s")
    times = last - np.arange(steps - 1, -1, -1) * np.timedelta64(STEP_S, "s")
    stamps = pd.DatetimeIndex(times).strftime("%Y-%m-%dT%H:%M:%S+00:00").to_numpy()
    hours = times.astype(np.int64) / 3600.0
    rng = np.random.default_rng(2004)
    chunks = []
    for sensor, quantity in pairs:
        mean, swing, noise = SHAPE[quantity]
        phase = rng.uniform(0, 2 * np.pi)
        period = 12.42 if quantity == "water_level" else 24.0  # tides, or the day's rhythm
        value = mean + swing * np.sin(2 * np.pi * hours / period + phase)
        value = np.clip(
            value + rng.normal(0, noise, steps), 0 if quantity != "water_level" else -1, None
        )
        chunks.append(
            pd.DataFrame(
                {
                    "sensor_code": sensor,
                    "quantity": quantity,
                    "observed_at": stamps,
                    "value": np.round(value, 3),
                }
            )
        )
    # Rows in time order across sensors, as a data logger exports them.
    table = pd.concat(chunks, ignore_index=True)
    table["_t"] = np.tile(np.arange(steps), len(pairs))
    table = table.sort_values("_t", kind="stable").drop(columns="_t")
    table.to_csv(path, index=False)
    return len(table)


def _run(url: str, path: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "geodata", "load", "readings", str(path), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="readings in the CSV")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        print("set DATABASE_URL (e.g. DATABASE_URL=$(cat var/database_url))", file=sys.stderr)
        return 2
    from geodata.ops.dbadmin import create_database, drop_database

    name = f"{make_url(base_url).database}_import_bench"
    url = create_database(base_url, name, replace=True)
    os.environ["DATABASE_URL"] = url  # geodata's settings read it on first use, below

    from geodata.demo.sample import write_sample
    from geodata.ops.migrate import upgrade

    try:
        upgrade(database_url=url)
        write_sample(days=1)  # the demo city, its sensors and a day of readings
        engine = create_engine(url)
        with engine.connect() as conn:
            pairs = [
                (s, q)
                for s, q in conn.execute(
                    text(
                        "SELECT s.code, q.code FROM sensor_quantity sq "
                        "JOIN sensor s ON s.id = sq.sensor_id "
                        "JOIN quantity q ON q.id = sq.quantity_id ORDER BY 1, 2"
                    )
                )
            ]
        end = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).replace(
            minute=0, second=0, microsecond=0
        )
        with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
            good, bad = Path(tmp) / "readings.csv", Path(tmp) / "readings_bad.csv"
            started = time.perf_counter()
            rows = _write_csv(good, pairs, args.rows, end)
            print(
                f"CSV: {rows:,} rows, {len(pairs)} sensor/quantity pairs, "
                f"{good.stat().st_size / 1e6:,.0f} MB, "
                f"written in {time.perf_counter() - started:.1f} s"
            )
            lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
            middle = len(lines) // 2  # line number in the file (1 = header)
            at = lines[middle].split(",")[2]
            air = next(s for s, q in pairs if q == "pm25")
            lines[middle] = f"{air},pm25,{at},-7\n"
            bad.write_text("".join(lines), encoding="utf-8")
            del lines

            with engine.connect() as conn:
                before = conn.scalar(text("SELECT count(*) FROM reading"))
            seconds, done = _run(url, bad)
            print(
                f"\n1 bad row (line {middle + 1}) in {rows:,}: exit {done.returncode}, "
                f"refused in {seconds:.1f} s ({rows / seconds:,.0f} rows/s checked)"
            )
            print("   " + "\n   ".join(done.stderr.strip().splitlines()[:3]))
            with engine.connect() as conn:
                after = conn.scalar(text("SELECT count(*) FROM reading"))
            print(f"   readings before {before:,}, after {after:,} (unchanged: {before == after})")

            seconds, done = _run(url, good)
            print(
                f"\nload readings ({rows:,} rows) end to end: exit {done.returncode}, "
                f"{seconds:.1f} s, {rows / seconds:,.0f} rows/s (process start to exit)"
            )
            print("   " + "\n   ".join(done.stdout.strip().splitlines()))
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return 1

            # An agency sends the same file again: nothing new, nothing rolled up.
            seconds, done = _run(url, good)
            print(
                f"\nthe same file again: exit {done.returncode}, {seconds:.1f} s, "
                f"{rows / seconds:,.0f} rows/s (process start to exit)"
            )
            print("   " + "\n   ".join(done.stdout.strip().splitlines()))
        engine.dispose()
    finally:
        from geodata.db import get_engine

        get_engine().dispose()
        if not args.keep:
            drop_database(base_url, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
