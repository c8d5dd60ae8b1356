"""Server time and payload of the drill-down callback on the current database.

Usage: DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/bench_drilldown.py [N]
Calls callbacks.drilldown.show_selection (the code the dashboard runs) N times per view and prints
p50/p95 milliseconds and the units layer's size raw and gzipped. A measurement, not a test.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The queries' own time, not the answers each process keeps for a few seconds.
os.environ.setdefault("CANTHO_CACHE_UNITS_S", "0")
os.environ.setdefault("CANTHO_CACHE_DATA_S", "0")

from callbacks.drilldown import show_selection


def main(rounds: int) -> None:
    for search in ["", "?unit=916", "?unit=91601"]:
        show_selection(search)  # warm the connection pool
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            out = show_selection(search)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        raw = json.dumps(out[0]).encode()
        print(
            f"{search or '(city)':14} p50 {statistics.median(times):6.1f} ms  "
            f"p95 {times[max(0, int(0.95 * rounds) - 1)]:6.1f} ms  "
            f"units layer {len(raw):7,} B raw {len(gzip.compress(raw)):6,} B gzip"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
