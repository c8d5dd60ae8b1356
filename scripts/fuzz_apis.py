"""Fuzz the OGC API, the sensor ingestion API and Open311 from their OpenAPI descriptions.

Usage: DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/fuzz_apis.py
       [--examples-scale X] [--seed N] [--keep] [--base URL --sensor-token T
       --personal-token T --api-key K]

Without ``--base`` it makes a throw-away database next to the set-up's (``<name>_fuzz``:
migrations, the demo city, a new air station's sensor token, an official's personal
token and an Open311 API key) and starts gunicorn on a free loopback port with the rate limits
and the bad-token lockout raised out of the way (``tests.fuzzing.SERVER_ENV``, printed). With
``--base`` it fuzzes a running server with the credentials given (its rate limits then answer
429, which every description documents).

Each API is run through schemathesis' engine — examples, coverage, fuzzing and stateful
phases, every check, a fixed seed, deterministic generation (``tests/fuzzing.py``) — with enough
examples per route for about 1,000 requests per API (a run that sends fewer is followed by one
with the next seed, until 1,000 are sent); per API it prints the requests sent,
the answers by status, the server errors and the failed checks by name with reproductions. Exit
status 1 when any API had a failure or sent fewer than 1,000 requests. The database is dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url

from geodata.ops.dbadmin import create_database, database_url, drop_database
from geodata.ops.localserver import ROOT, gunicorn
from tests.fuzzing import SERVER_ENV, Outcome, apis, credentials, fuzz, report

# Examples per route for at least 1,000 requests per API (the ingestion API has one route).
EXAMPLES = {"/ogc/api": 60, "/api/v1/openapi.json": 1000, "/open311/v2/openapi.json": 50}
MINIMUM = 1000


def _prepare(url: str) -> tuple[str, str, str]:
    env = {**os.environ, "DATABASE_URL": url}
    # Two days of readings and a month of citizens' reports: enough to page, filter and read.
    for command in (["db", "upgrade"], ["sample", "--days", "2", "--report-days", "30"]):
        subprocess.run([sys.executable, "-m", "geodata", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
    engine = create_engine(url)
    try:
        return credentials(engine)
    finally:
        engine.dispose()


def _run(base: str, tokens: tuple[str, str, str], scale: float, seed: int) -> bool:
    """Each API until it has had at least MINIMUM requests: how many a run sends depends on
    what the generator finds to vary, so a short run is followed by another with the next
    seed (the same seeds every time)."""
    ok = True
    for api in apis(*tokens):
        examples = max(1, round(EXAMPLES[api.openapi_path] * scale))
        started = time.monotonic()
        total = Outcome(api.name)
        seeds = []
        while total.requests < MINIMUM and len(seeds) < 10:
            seeds.append(seed + len(seeds))
            total.add(fuzz(base, api, examples, seed=seeds[-1]))
        print(report(total))
        print(f"examples per route: {examples}, seeds {', '.join(map(str, seeds))}, "
              f"{time.monotonic() - started:.1f} s", flush=True)  # fmt: skip
        if total.requests < MINIMUM:
            print(f"FEWER THAN {MINIMUM:,} REQUESTS")
        ok = ok and total.failed == 0 and total.requests >= MINIMUM
        print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--base")
    parser.add_argument("--sensor-token")
    parser.add_argument("--personal-token")
    parser.add_argument("--api-key")
    args = parser.parse_args()
    if args.base:
        tokens = (args.sensor_token, args.personal_token, args.api_key)
        if not all(tokens):
            parser.error("--base needs --sensor-token, --personal-token and --api-key")
        return 0 if _run(args.base.rstrip("/"), tokens, args.examples_scale, args.seed) else 1
    base_url = os.environ["DATABASE_URL"]
    name = f"{make_url(base_url).database}_fuzz"
    create_database(base_url, name, replace=True)
    url = database_url(base_url, name)
    try:
        tokens = _prepare(url)
        env = {**SERVER_ENV, "DATABASE_URL": url}
        print("server env: " + ", ".join(f"{k}={v}" for k, v in SERVER_ENV.items()))
        print("(rate limits and the bad-token lockout raised for this run; still counted)\n")
        with gunicorn(env) as (base, _):
            ok = _run(base, tokens, args.examples_scale, args.seed)
    finally:
        if not args.keep:
            drop_database(base_url, name)
    print("RESULT: " + ("no failures" if ok else "FAILURES"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
