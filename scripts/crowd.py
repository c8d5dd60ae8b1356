"""The crowd test: many simulated people on the dashboard at once, with GIS tools reading open data
and sensors pushing readings, against the server as ``make run`` starts it; then a report.

Usage (from the repository root; the database needs the demo data, ``python -m geodata sample``):

    DATABASE_URL=... .venv/bin/python scripts/crowd.py [--users 200] [--spawn-rate 20]
        [--run-time 60s] [--host http://127.0.0.1:PORT] [--out var/crowd]

Without ``--host`` it starts what ``make run`` serves on a free loopback port: gunicorn with
``app:server``, 2 workers × 4 threads (``--workers``, ``--threads``), and beside it the background
worker (``python -m geodata worker``). With ``--host`` it drives a server already running on
loopback (one gunicorn or several behind a proxy: nothing here assumes one process); its limits
are its own. Other hosts are refused: a crowd is not something to point at a machine by mistake.

The rate limits. All simulated people come from one address, 127.0.0.1, so the per-address limits
meant for one client would refuse most of the crowd (at 200 users, the OGC API's default
600 per minute was 94 % refusals). For the server it starts, the script sets
``CANTHO_OGC_RATE_LIMIT`` and ``CANTHO_OPEN311_RATE_LIMIT`` to ``--rate-limit`` (default
``100000 per minute``) and says so in the report; with ``--host`` it cannot, and says that a 429
there is the server's limit at work. A 429 counts as an error either way.

Before the run it gives ``--sensors`` demo sensors a token for the ingestion API (as
``python -m geodata sensors add`` does, or ``rotate-token`` for one an earlier crowd run gave
one; a token given by anyone else is never replaced; each change is audited), so DATABASE_URL
must be the database the server reads.

The report: users, duration, requests, throughput, errors and p50/p95 by kind of request, the
drill-down's callbacks one by one, and the resident memory (VmRSS from /proc) of the gunicorn
master and its workers, sampled every half second: peak and at the end. Locust's CSV statistics
and the report (text and JSON) go to ``--out``. Exit status 1 when a request failed.
A measurement: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCUSTFILE = ROOT / "scripts" / "crowd_locustfile.py"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# The kinds of request, in the report's order (the locustfile names them).
KINDS = (
    "page open", "page assets", "page-open callbacks", "drill-down callbacks",
    "time-change callbacks", "layer-toggle callbacks", "OGC pages", "sensor pushes",
)  # fmt: skip


def _say(message: str) -> None:
    print(f"[crowd {time.strftime('%H:%M:%S')}] {message}", flush=True)


def loopback_host(host: str) -> str:
    """The base URL if it is on loopback; else SystemExit naming why."""
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK | {"::1"}:
        raise SystemExit(f"crowd: refusing {host!r}: only http(s)://127.0.0.1 or localhost")
    return host.rstrip("/")


# --- the plan: units, moments, sensor tokens ------------------------------------------------------


def make_plan(sensors: int) -> dict[str, Any]:
    """What the crowd needs from the database: today's unit codes, the last week with hourly
    data (Cần Thơ time, as the pickers show it), and sensors with fresh tokens."""
    from sqlalchemy import text

    from domain.clock import CITY_TZ
    from geodata.accounts.users import audit
    from geodata.db import get_engine, transaction
    from geodata.monitoring import ingest

    with transaction() as conn:
        valid = "valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)"
        units = list(conn.scalars(text(f"SELECT code FROM admin_unit WHERE {valid} ORDER BY code")))
        first, last = conn.execute(text("SELECT min(hour), max(hour) FROM reading_hourly")).one()
        if not units or last is None:
            raise SystemExit("crowd: the database has no units or no readings: load the demo data")
        first = max(first, last - dt.timedelta(days=7))
        rows = conn.execute(
            text(
                """
                SELECT s.code, array_agg(q.code ORDER BY q.id), array_agg(q.unit ORDER BY q.id),
                       (t.sensor_id IS NOT NULL)
                FROM sensor s JOIN sensor_quantity sq ON sq.sensor_id = s.id
                JOIN quantity q ON q.id = sq.quantity_id
                LEFT JOIN sensor_token t ON t.sensor_id = s.id
                WHERE s.active AND s.kind IN ('river_gauge', 'air_station', 'rain_gauge')
                  -- A token someone else gave is never replaced: only a sensor without one,
                  -- or one whose token an earlier crowd run gave (its audit row says so).
                  AND (t.sensor_id IS NULL OR EXISTS (
                        SELECT FROM audit_log a WHERE a.action = 'sensor_token'
                          AND a.detail ->> 'sensor' = s.code
                          AND a.detail ->> 'by' = 'scripts/crowd.py'))
                GROUP BY s.code, t.sensor_id ORDER BY s.code LIMIT :n
                """
            ),
            {"n": sensors},
        ).all()
        tokens = []
        for code, quantities, unit_names, has_token in rows:
            token = (ingest.rotate_token if has_token else ingest.add_token)(conn, code)
            change = "rotate" if has_token else "add"
            detail = {"sensor": code, "change": change, "by": "scripts/crowd.py"}
            audit(conn, "sensor_token", "success", None, None, detail)
            tokens.append([code, token, list(zip(quantities, unit_names, strict=True))])
        if not tokens:
            raise SystemExit(
                "crowd: no active sensor without a token (or with one an earlier crowd run "
                "gave) to push readings as: load the demo data"
            )
    get_engine().dispose()
    return {
        "units": units,
        "first_hour": first.astimezone(CITY_TZ).isoformat(),
        "last_hour": last.astimezone(CITY_TZ).isoformat(),
        "sensors": tokens,
    }


# --- the server as `make run` starts it -----------------------------------------------------------


@contextmanager
def served(workers: int, threads: int, limits: dict[str, str]) -> Iterator[tuple[str, int]]:
    """gunicorn (``app:server``) and the background worker, as ``make run`` starts them, on a
    free loopback port; the base URL and gunicorn's master pid. Both stop when the block ends."""
    from geodata.ops.localserver import gunicorn

    env = {**os.environ, "CANTHO_TILE_URL": "", **limits}
    with open(os.devnull, "wb") as quiet:
        worker = subprocess.Popen(
            [sys.executable, "-m", "geodata", "worker"], cwd=ROOT, env=env, stdout=quiet,
            stderr=quiet,
        )  # fmt: skip
    try:
        with gunicorn(limits, workers=workers, args=["--threads", str(threads)]) as (base, proc):
            yield base, proc.pid
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# --- memory ---------------------------------------------------------------------------------------


def _rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None  # gone (a worker restarted)
    return None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def listening_pid(port: int) -> int | None:
    """The process listening on this TCP port on loopback (or any address), from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def gunicorn_masters() -> list[int]:
    """Every gunicorn master serving ``app:server`` on this machine (for ``--host``): processes
    whose command line names gunicorn and app:server and whose parent is not one of them."""
    serving = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if any(b"gunicorn" in a for a in argv) and b"app:server" in argv:
            serving[int(entry.name)] = ppid
    return sorted(pid for pid, ppid in serving.items() if ppid not in serving)


def _cpu_s(pid: int) -> float:
    """User and system CPU seconds a process has used (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """The machine's busy and total CPU seconds since boot (all cores, /proc/stat)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def database_backends() -> dict[int, float]:
    """The PostgreSQL backends serving DATABASE_URL's database now, and their CPU seconds (the
    server runs on this machine when the crowd does: loopback)."""
    from sqlalchemy import text

    from geodata.db import get_engine

    with get_engine().connect() as conn:
        pids = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ).all()
    get_engine().dispose()
    return {int(pid): _cpu_s(int(pid)) for pid in pids}


class MemorySampler(threading.Thread):
    """VmRSS of each master and its workers every half second: peak and last, in kB; and the
    CPU time they used, beside how busy the whole machine was (it may be shared)."""

    def __init__(self, masters: list[int]):
        super().__init__(daemon=True)
        self.masters = masters
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.peak_total = 0
        self.cpu: dict[int, tuple[float, float]] = {}  # pid -> (first, last) CPU seconds
        self.machine: list[tuple[float, float]] = []
        self.load_generator_cpu_s = 0.0
        self.database_cpu_s = 0.0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        now: dict[str, int] = {}
        for n, master in enumerate(self.masters):
            prefix = f"server {n + 1} " if len(self.masters) > 1 else ""
            if (rss := _rss_kb(master)) is not None:
                now[f"{prefix}master {master}"] = rss
            for pid in (master, *_children(master)):
                used = _cpu_s(pid)
                self.cpu[pid] = (self.cpu.get(pid, (used, used))[0], used)
            for child in _children(master):
                if (rss := _rss_kb(child)) is not None:
                    now[f"{prefix}worker {child}"] = rss
        for key, rss in now.items():
            self.peak[key] = max(self.peak.get(key, 0), rss)
        self.last = now
        self.peak_total = max(self.peak_total, sum(now.values()))
        self.machine = [*self.machine[:1], _machine_busy()]

    def server_cpu_s(self) -> float:
        """CPU seconds the masters and workers used while sampled."""
        return sum(last - first for first, last in self.cpu.values())

    def machine_busy_share(self) -> float:
        """How busy the machine's cores were while sampled, 0 to 1."""
        (busy0, total0), (busy1, total1) = self.machine[0], self.machine[-1]
        return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0

    def run(self) -> None:
        while not self._stop_event.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()


# --- locust and the report ------------------------------------------------------------------------


def run_locust(base: str, args: argparse.Namespace, plan_file: str, prefix: Path) -> int:
    """Locust headless in its own process (gevent patches everything it imports)."""
    env = {
        **os.environ,
        "CROWD_PLAN": plan_file,
        "CROWD_DETAIL": f"{prefix}_callbacks.json",
        "CROWD_THINK_MIN": str(args.think[0]),
        "CROWD_THINK_MAX": str(args.think[1]),
        "PYTHONPATH": str(ROOT),
        **({"CROWD_TOUR": "1"} if args.tour else {}),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base,
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        "--run-time", args.run_time, "--stop-timeout", "30", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    with open(f"{prefix}_locust.log", "wb") as log:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log).returncode


def _stats(prefix: Path) -> dict[str, dict[str, float]]:
    import csv

    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def _errors(prefix: Path) -> list[dict[str, str]]:
    import csv

    with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


def report(
    args: argparse.Namespace,
    prefix: Path,
    started: float,
    ended: float,
    memory: MemorySampler,
    limits_note: str,
) -> dict[str, Any]:
    """The report as data, printed as text."""
    stats = _stats(prefix)
    total = stats.get("Aggregated", {})
    seconds = ended - started
    kinds = {}
    for kind in KINDS:
        row = stats.get(kind)
        if row is None:
            continue
        kinds[kind] = {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "max_ms": float(row["Max Response Time"]),
            "per_s": float(row["Requests/s"]),
        }
    detail: dict[str, dict[str, list[float]]] = {}
    detail_file = Path(f"{prefix}_callbacks.json")
    if detail_file.exists():
        detail = json.loads(detail_file.read_text())
    callbacks = {
        kind: {
            name: {"requests": len(t), "p50_ms": _pct(t, 0.5), "p95_ms": _pct(t, 0.95)}
            for name, t in sorted(detail.get(kind, {}).items())
        }
        for kind in ("drill-down callbacks", "time-change callbacks")
    }
    requests_total = int(total.get("Request Count", 0))
    data = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "think_s": list(args.think),
        "seconds": round(seconds, 1),
        "host": args.host or "started here",
        "server": limits_note,
        "requests": requests_total,
        "errors": int(total.get("Failure Count", 0)),
        # Locust's own rate: the requests over the span from the first to the last one.
        "throughput_per_s": float(total.get("Requests/s", 0.0)),
        "kinds": kinds,
        "callbacks": callbacks,
        "errors_listed": _errors(prefix)[:20],
        "memory_kb": {"peak": memory.peak, "end": memory.last, "peak_total": memory.peak_total},
        "server_cpu_s": memory.server_cpu_s(),
        "server_cpu_ms_per_request": memory.server_cpu_s() * 1000 / max(requests_total, 1),
        "machine_busy": memory.machine_busy_share(),
        "database_cpu_s": memory.database_cpu_s,
        "load_generator_cpu_s": memory.load_generator_cpu_s,
    }
    lines = [
        f"crowd: {args.users} users (spawn {args.spawn_rate}/s, think {args.think[0]:g}–"
        f"{args.think[1]:g} s) for {seconds:.0f} s against {args.host or 'a server started here'}",
        f"server: {limits_note}",
        f"requests: {requests_total:,}, errors: {data['errors']:,}, "
        f"throughput: {data['throughput_per_s']:.1f} req/s",
        "",
        f"{'kind':24} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}",
    ]
    for kind, k in kinds.items():
        lines.append(
            f"{kind:24} {k['requests']:9,} {k['errors']:7,} {k['per_s']:7.1f} "
            f"{k['p50_ms']:8.0f} {k['p95_ms']:8.0f}"
        )
    for kind, by_callback in callbacks.items():
        if by_callback:
            lines += ["", f"{kind}, one by one (first output):"]
            for name, c in by_callback.items():
                lines.append(
                    f"  {name:44} {c['requests']:7,} p50 {c['p50_ms']:6.0f} ms  "
                    f"p95 {c['p95_ms']:6.0f} ms"
                )
    if data["errors_listed"]:
        lines += ["", "errors:"]
        lines += [
            f"  {e['Occurrences']:>6}× {e['Name']}: {e['Error'][:160]}"
            for e in data["errors_listed"]
        ]
    lines += ["", "memory (VmRSS, MB):      peak      end"]
    for key in sorted(memory.peak):
        end = memory.last.get(key)
        lines.append(
            f"  {key:20} {memory.peak[key] / 1024:9.0f} "
            + (f"{end / 1024:8.0f}" if end is not None else "    gone")
        )
    lines.append(
        f"  {'all together':20} {memory.peak_total / 1024:9.0f} "
        f"{sum(memory.last.values()) / 1024:8.0f}"
    )
    lines.append(
        f"\nserver CPU: {data['server_cpu_s']:.1f} s over the run, "
        f"{data['server_cpu_ms_per_request']:.1f} ms per request; the machine's "
        f"{os.cpu_count()} cores were {data['machine_busy'] * 100:.0f} % busy over "
        f"{seconds:.0f} s; PostgreSQL's backends for this database used at least "
        f"{data['database_cpu_s']:.1f} s, the load generator (locust) "
        f"{data['load_generator_cpu_s']:.1f} s; the rest was anything else on the machine"
    )
    lines.append(f"\nlocust CSV statistics: {prefix}_stats.csv (and _failures, _stats_history)")
    print("\n".join(lines), flush=True)
    Path(f"{prefix}_report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(f"{prefix}_report.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", default="60s", help="locust's syntax: 60s, 2m")
    parser.add_argument("--host", help="a server already running on loopback")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (started here)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--rate-limit", default="100000 per minute",
        help="the OGC API's and Open311's per-client limit for the server started here",
    )  # fmt: skip
    parser.add_argument(
        "--server-pids", type=int, nargs="+", metavar="PID",
        help="with --host: the gunicorn masters whose memory to sample (default: the one "
        "listening on the port, else every gunicorn serving app:server here)",
    )  # fmt: skip
    parser.add_argument("--sensors", type=int, default=8, help="sensors that push, with tokens")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
        help="seconds a user waits between two actions",
    )  # fmt: skip
    parser.add_argument(
        "--tour", action="store_true",
        help="each user makes every kind of request once first (short runs, tests)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "crowd")
    args = parser.parse_args(argv)
    if args.host:
        args.host = loopback_host(args.host)
    args.out.mkdir(parents=True, exist_ok=True)
    prefix = args.out / f"crowd_{args.users}u_{time.strftime('%Y%m%dT%H%M%S')}"

    _say("preparing: units, moments and sensor tokens from DATABASE_URL")
    plan = make_plan(args.sensors)
    limits = {
        "CANTHO_OGC_RATE_LIMIT": args.rate_limit,
        "CANTHO_OPEN311_RATE_LIMIT": args.rate_limit,
    }
    with ExitStack() as stack:
        plan_file = stack.enter_context(
            tempfile.NamedTemporaryFile("w", suffix=".json", prefix="crowd_plan_", delete=True)
        )
        json.dump(plan, plan_file)
        plan_file.flush()
        if args.host:
            base = args.host
            if args.server_pids:
                masters = args.server_pids
            else:
                # The gunicorn that listens on the port itself; behind a proxy (nginx listens
                # there) every gunicorn serving the app on this machine, as the report says.
                listener = listening_pid(urlsplit(base).port or 80)
                every = gunicorn_masters()
                # Workers hold the listening socket too: the one found may be a master's child.
                owner = next((m for m in every if listener in (m, *_children(m))), None)
                masters = [owner] if owner else every
            note = (
                f"{args.host}, already running, with its own rate limits (all users come from "
                f"127.0.0.1: a 429 is a per-address limit at work); gunicorn masters found: "
                f"{', '.join(map(str, masters)) or 'none'}"
            )
        else:
            _say(
                f"starting gunicorn ({args.workers} workers × {args.threads} threads) "
                "and the worker"
            )
            base, master = stack.enter_context(served(args.workers, args.threads, limits))
            masters = [master]
            _say(f"gunicorn master {master}, workers {' '.join(map(str, _children(master)))}")
            note = (
                f"gunicorn app:server, {args.workers} workers × {args.threads} threads, and "
                f"python -m geodata worker, on {base}; rate limits set for this run: "
                + ", ".join(f"{k}={v!r}" for k, v in limits.items())
                + " (every user comes from 127.0.0.1)"
            )
        memory = MemorySampler(masters)
        memory.sample()
        backends_before = database_backends()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        memory.start()
        _say(f"locust: {args.users} users, {args.run_time}, against {base}")
        started = time.monotonic()
        code = run_locust(base, args, plan_file.name, prefix)
        ended = time.monotonic()
        memory.stop()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Locust is the only child process that ends during the run.
        memory.load_generator_cpu_s = (children.ru_utime + children.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )
        memory.database_cpu_s = sum(
            used - backends_before.get(pid, 0.0) for pid, used in database_backends().items()
        )
    if code != 0 or not Path(f"{prefix}_stats.csv").exists():
        print(Path(f"{prefix}_locust.log").read_text()[-3000:], file=sys.stderr)
        return 2
    data = report(args, prefix, started, ended, memory, note)
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
