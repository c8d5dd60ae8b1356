"""Time OGC API – Features items pages over HTTP: ours (gunicorn) beside tipg on the same tables.

Usage: .venv/bin/python scripts/bench_ogc.py [--rounds N] [--limit N] [--database-url URL]

By default it reads the city-scale bench database (``cantho_bench``: the URL in
``var/database_url`` with the database name replaced; ``python -m geodata bench`` builds it).
It starts gunicorn with ``app:server`` (2 workers, as ``make run``) and tipg (uvicorn, 2 workers)
on free loopback ports; tipg lives in its own venv, ``var/tipg-venv``, made here on first use and
never part of requirements.txt. Each scenario fetches pages of ``--limit`` features in turn from
both servers (offsets spread over the table so no page is served twice in a row), one client,
keep-alive, no compression, and reports p50/p95/max latency and the payload size.

Ours reads as the public's reader role and adds each road's current congestion (a join per
page row); tipg reads the table's own columns as the connecting role. A measurement, not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import make_url

from geodata.ops.localserver import ROOT, free_port, gunicorn, serving

TIPG_VENV = ROOT / "var" / "tipg-venv"
TIPG_VERSION = "1.6.1"
# (name, our collection, tipg's collection, extra query parameters)
SCENARIOS = [
    ("roads, whole city", "roads", "public.road_segment", {}),
    ("roads, Ninh Kiều bbox", "roads", "public.road_segment", {"bbox": "105.70,9.98,105.80,10.08"}),
    ("facilities, whole city", "facilities", "public.facility", {}),
]


def bench_url() -> str:
    """The bench database: the set-up's URL with the database name replaced."""
    url = make_url((ROOT / "var" / "database_url").read_text().strip())
    return url.set(database=f"{url.database}_bench").render_as_string(hide_password=False)


def ensure_tipg() -> Path:
    """tipg and uvicorn in their own venv (made once)."""
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    if not uvicorn.exists():
        print(f"making {TIPG_VENV} with tipg=={TIPG_VERSION} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run(
            [str(TIPG_VENV / "bin" / "pip"), "install", "-q", f"tipg=={TIPG_VERSION}", "uvicorn"],
            check=True,
        )
    return uvicorn


def measure(session: requests.Session, url: str, params: dict, offsets: list[int]) -> dict:
    """Milliseconds per page (after warm-up) and the payload size."""
    times, sizes, counts = [], [], []
    for n, offset in enumerate([*offsets[:5], *offsets]):
        started = time.perf_counter()
        response = session.get(url, params={**params, "offset": offset}, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        if n >= 5:  # the first five warm the connections and the caches
            times.append(elapsed)
            sizes.append(len(response.content))
            counts.append(len(response.json()["features"]))
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "max": times[-1],
        "kb": statistics.mean(sizes) / 1024,
        "features": statistics.mean(counts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="pages per server and scenario")
    parser.add_argument("--limit", type=int, default=1000, help="features per page")
    parser.add_argument("--database-url", default=None, help="default: the bench database")
    args = parser.parse_args()
    url = args.database_url or bench_url()
    uvicorn = ensure_tipg()

    tipg_port = free_port()
    ours_env = {
        "DATABASE_URL": url,
        "CANTHO_OGC_RATE_LIMIT": "1000000 per minute",  # the bench is one very busy client
    }
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tipg_env = {
        **os.environ,
        "DATABASE_URL": plain,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": '["public.road_segment", "public.facility"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
    }
    tipg_cmd = [str(uvicorn), "tipg.main:app", "--workers", "2", "--host", "127.0.0.1",
                "--port", str(tipg_port), "--log-level", "warning"]  # fmt: skip
    tipg = f"http://127.0.0.1:{tipg_port}"
    print(f"database: {make_url(url).database}; {args.rounds} pages of {args.limit} per row")
    with (
        gunicorn(ours_env, workers=2) as (ours_base, _),
        serving(tipg_cmd, tipg_env, tipg + "/conformance"),
    ):
        ours = ours_base + "/ogc"
        session = requests.Session()
        session.headers["Accept-Encoding"] = "identity"
        header = f"{'scenario':<26}{'server':<8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
        print(header + f"{'KB':>8}{'features':>10}")
        for name, our_id, tipg_id, extra in SCENARIOS:
            first = session.get(
                f"{ours}/collections/{our_id}/items", params={**extra, "limit": 1}, timeout=60
            ).json()
            matched = first["numberMatched"]
            step = max(args.limit, 1)
            pages = max(1, (matched + step - 1) // step)
            offsets = [(n % pages) * step for n in range(args.rounds)]
            params = {**extra, "limit": args.limit}
            for server, base, cid in (("ours", ours, our_id), ("tipg", tipg, tipg_id)):
                r = measure(session, f"{base}/collections/{cid}/items", params, offsets)
                print(
                    f"{name:<26}{server:<8}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['max']:>8.1f}"
                    f"{r['kb']:>8.0f}{r['features']:>10.0f}"
                )


if __name__ == "__main__":
    main()
