"""Fault checks of the scale-out set-up (``scripts/cluster.sh start``), under a steady load through
nginx: the replica stopped, an app node stopped (gracefully) and one killed, the primary
restarted, a gunicorn worker killed. PASS/FAIL per fault, then whether every sensor batch pushed
is stored exactly once.

Usage (the cluster running; ``make faults`` does this):

    DATABASE_URL=$(scripts/cluster.sh url) .venv/bin/python scripts/faults.py [--clients 4]
        [--host http://127.0.0.1:18080] [--before 5] [--after 15]

The load: ``--clients`` threads, each looping over the page, the drill-down callback, a page of
open data (OGC API) and a sensor push. Each push is a batch of fixed readings (its sensor, times
and values decided once): a push that fails (connection cut, 502) is sent again, the same batch,
until it is answered 2xx, and may then land on the other node. Each answer's node comes from
nginx's ``X-Upstream`` header.

For each fault: requests, errors, the errors whose request was in flight when the fault was
injected (started before it and answered after), the errors of requests sent later (the
user-visible ones), and the recovery time (from the fault to the last error). PASS when every
error was in flight, except for the primary's restart, where writes fail while it is down: PASS
there when nothing fails once it answers again. Then the database is asked, for every reading
pushed, how many rows hold it: PASS when each is held once and no batch is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLUSTER = ["bash", str(ROOT / "scripts" / "cluster.sh")]

# The outputs of callbacks.drilldown.show_selection, in order (as tests/dashreq.py has them).
DRILL = [
    ("units-layer", "data"), ("context-layer", "data"), ("breadcrumb", "children"),
    ("unit-panel", "children"), ("unit-children", "children"), ("demo-badge", "hidden"),
    ("map-fit", "data"), ("view-date", "date"), ("page", "className"),
    ("map", "invalidateSize"),
]  # fmt: skip
UNITS = ("", "916", "925", "918", "923")


def drill_body(unit: str) -> dict[str, Any]:
    search = f"?unit={unit}" if unit else ""
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in DRILL) + "..",
        "outputs": [{"id": i, "property": p} for i, p in DRILL],
        "inputs": [{"id": "url", "property": "search", "value": search}],
        "state": [],
        "changedPropIds": ["url.search"],
    }


@dataclass
class Request:
    kind: str
    started: float
    ended: float
    ok: bool
    detail: str
    node: str = ""


@dataclass
class Sensor:
    code: str
    token: str
    quantity: str
    unit: str


@dataclass
class Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[Request] = field(default_factory=list)
    # Every reading pushed and answered 2xx: (sensor, quantity, observed_at ISO) -> pushes of it.
    pushed: dict[tuple[str, str, str], int] = field(default_factory=dict)
    retried_batches: list[tuple[int, list[str]]] = field(default_factory=list)

    def add(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)


def sensors_with_tokens(url: str, count: int) -> list[Sensor]:
    """``count`` water-level gauges, each given a new token (as ``sensors rotate-token``)."""
    from geodata.monitoring import ingest

    engine = create_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT s.code, (t.sensor_id IS NOT NULL) FROM sensor s "
                "JOIN sensor_quantity sq ON sq.sensor_id = s.id "
                "JOIN quantity q ON q.id = sq.quantity_id AND q.code = 'water_level' "
                "LEFT JOIN sensor_token t ON t.sensor_id = s.id "
                "WHERE s.active ORDER BY s.code LIMIT :n"
            ),
            {"n": count},
        ).all()
        found = []
        for code, has_token in rows:
            token = (ingest.rotate_token if has_token else ingest.add_token)(conn, code)
            found.append(Sensor(code, token, "water_level", "m"))
    engine.dispose()
    return found


class Client(threading.Thread):
    """One simulated user and one sensor, in a loop until stopped."""

    def __init__(
        self, number: int, host: str, sensor: Sensor, log: Log, stop: threading.Event, pause: float
    ):
        super().__init__(daemon=True)
        self.pause = pause
        self.number, self.host, self.sensor, self.log, self.stop = number, host, sensor, log, stop
        self.session = requests.Session()
        self.rng = random.Random(number)
        # Readings a second apart from two hours ago, at a microsecond of this run's and client's
        # own: never a demo reading's moment, nor another client's or run's.
        run = int(os.environ.get("FAULTS_RUN", os.getpid())) % 60_000
        self.first = dt.datetime.now(dt.UTC).replace(microsecond=run * 16 + number + 1)
        self.first -= dt.timedelta(hours=2)
        self.batch = 0

    def call(self, kind: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(method, self.host + path, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.log.add(Request(kind, started, time.monotonic(), False, type(exc).__name__))
            return None
        ok = response.status_code < 400
        text_ = "" if ok else " " + " ".join(response.text.split())[:100]
        detail = f"{response.status_code}{text_}"
        node = response.headers.get("X-Upstream", "")
        self.log.add(Request(kind, started, time.monotonic(), ok, detail, node))
        return response

    def push(self) -> None:
        """The next batch, sent again until it is answered 2xx (the same readings each time)."""
        self.batch += 1
        items: list[dict[str, Any]] = []
        for i in range(3):
            at = self.first + dt.timedelta(seconds=3 * self.batch + i)
            items.append(
                {"sensor": self.sensor.code, "quantity": self.sensor.quantity,
                 "unit": self.sensor.unit, "value": round(1 + (self.batch % 50) / 100, 2),
                 "observed_at": at.isoformat()}
            )  # fmt: skip
        nodes = []
        for _ in range(60):
            response = self.call(
                "sensor push", "POST", "/api/v1/observations", json={"observations": items},
                headers={"Authorization": f"Bearer {self.sensor.token}"},
            )  # fmt: skip
            if response is not None:
                nodes.append(response.headers.get("X-Upstream", "?"))
            if response is not None and 200 <= response.status_code < 300:
                break
            time.sleep(0.5)
        else:
            return  # never stored: the check at the end finds it missing
        with self.log.lock:
            for item in items:
                key = (self.sensor.code, self.sensor.quantity, item["observed_at"])
                self.log.pushed[key] = self.log.pushed.get(key, 0) + 1
            if len(nodes) > 1:
                self.log.retried_batches.append((self.batch, nodes))

    def run(self) -> None:
        while not self.stop.is_set():
            self.call("page", "GET", "/")
            self.call("drill-down", "POST", "/_dash-update-component",
                      json=drill_body(self.rng.choice(UNITS)))  # fmt: skip
            offset = self.rng.randrange(0, 500)
            self.call("OGC items", "GET",
                      f"/ogc/collections/facilities/items?limit=20&offset={offset}")  # fmt: skip
            self.push()
            # A steady load, not a flood: the OGC API's limit per client address (600 a minute
            # by default, counted once for both nodes) would refuse a faster loop.
            self.stop.wait(self.pause)


def failover_push(node: str, host: str, sensor: Sensor, log: Log) -> None:
    """A large batch sent straight to ``node`` (as nginx would pass it) and cut off there by the
    fault, then sent again, the same readings, through nginx: the other node answers."""
    run = int(os.environ.get("FAULTS_RUN", os.getpid())) % 60_000
    first = dt.datetime.now(dt.UTC).replace(microsecond=run * 16 + 15) - dt.timedelta(hours=5)
    items: list[dict[str, Any]] = [
        {"sensor": sensor.code, "quantity": sensor.quantity, "unit": sensor.unit,
         "value": 1.5, "observed_at": (first + dt.timedelta(seconds=i)).isoformat()}
        for i in range(10_000)
    ]  # fmt: skip
    body = {"observations": items}
    headers = {"Authorization": f"Bearer {sensor.token}"}
    tries = []
    for target in (node, host, host, host):
        try:
            response = requests.post(target + "/api/v1/observations", json=body, headers=headers,
                                     timeout=60)  # fmt: skip
        except requests.RequestException as exc:
            tries.append(f"{target}: {type(exc).__name__}")
            time.sleep(0.5)
            continue
        tries.append(f"{response.headers.get('X-Upstream', target)}: {response.status_code} "
                     f"{response.text.strip()[:80]}")  # fmt: skip
        if 200 <= response.status_code < 300:
            with log.lock:
                for item in items:
                    key = (sensor.code, sensor.quantity, item["observed_at"])
                    log.pushed[key] = log.pushed.get(key, 0) + 1
            break
    print("  batch of 10,000 readings in flight on the node killed, then sent again:")
    for line in tries:
        print(f"    {line}")


def cluster(*args: str) -> None:
    subprocess.run([*CLUSTER, *args], check=True, stdout=subprocess.DEVNULL)


FAULTS: list[tuple[str, list[list[str]], list[list[str]], bool]] = [
    # name, injection, repair, whether errors after the injection are allowed while it lasts
    ("replica stopped (immediate)", [["replica-stop"]], [["replica-start"]], False),
    ("app node 2 stopped (graceful)", [["node-stop", "2"]], [["node-start", "2"]], False),
    ("app node 1 killed (SIGKILL)", [["node-kill", "1"]], [["node-start", "1"]], False),
    ("PostgreSQL primary restarted", [["primary-restart"]], [], True),
    ("gunicorn worker killed (SIGKILL)", [["worker-kill", "2"]], [], False),
]


def play(name: str, inject: list[list[str]], repair: list[list[str]], outage_allowed: bool,
         log: Log, before: float, after: float, host: str, node: str | None = None,
         sensor: Sensor | None = None) -> bool:  # fmt: skip
    time.sleep(before)
    first = len(log.requests)
    in_flight_push = None
    if node is not None and sensor is not None:
        in_flight_push = threading.Thread(target=failover_push, args=(node, host, sensor, log))
        in_flight_push.start()
        time.sleep(0.15)  # the batch is being written when the node dies
    fault_start = time.monotonic()
    for command in inject:
        cluster(*command)
    fault_end = time.monotonic()
    time.sleep(after / 2)
    for command in repair:
        cluster(*command)
    time.sleep(after / 2)
    if in_flight_push is not None:
        in_flight_push.join()
    with log.lock:
        done = [r for r in log.requests[first:] if r.ended >= fault_start - before]
    errors = [r for r in done if not r.ok]
    in_flight = [r for r in errors if r.started <= fault_end and r.ended >= fault_start]
    later = [r for r in errors if r.started > fault_end]
    last_error = max((r.ended for r in errors), default=fault_start)
    recovery = last_error - fault_start
    if outage_allowed:
        passed = all(r.ended <= fault_end + after / 2 for r in errors)
    else:
        passed = not later and all(r in in_flight for r in errors)
    print(f"\n{'PASS' if passed else 'FAIL'}: {name}")
    print(f"  requests {len(done)}, errors {len(errors)} (in flight {len(in_flight)}, "
          f"sent after the fault {len(later)}), injected in {fault_end - fault_start:.1f} s, "
          f"recovery {recovery:.1f} s")  # fmt: skip
    kinds = sorted({r.kind for r in done})
    for kind in kinds:
        mine = [r for r in done if r.kind == kind]
        bad = [r for r in mine if not r.ok]
        print(f"    {kind:12} {len(mine):5} requests, {len(bad)} errors")
    for r in errors[:8]:
        when = r.started - fault_start
        print(f"    error: {r.kind} sent at {when:+.2f} s, {r.ended - r.started:.2f} s: {r.detail}")
    return passed


def verify(url: str, log: Log) -> bool:
    """Every reading answered 2xx is stored exactly once."""
    engine = create_engine(url)
    keys = list(log.pushed)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.code, q.code, r.observed_at, count(*) FROM reading r "
                "JOIN sensor s ON s.id = r.sensor_id JOIN quantity q ON q.id = r.quantity_id "
                "WHERE s.code = ANY(:codes) AND r.observed_at = ANY(:ats) "
                "GROUP BY s.code, q.code, r.observed_at"
            ),
            {"codes": sorted({k[0] for k in keys}),
             "ats": sorted({dt.datetime.fromisoformat(k[2]) for k in keys})},
        ).all()  # fmt: skip
    engine.dispose()
    stored = {(code, q, at.isoformat()): n for code, q, at, n in rows}
    missing = [k for k in keys if k not in stored]
    doubled = [k for k in keys if stored.get(k, 0) > 1]
    pushed_twice = sum(1 for n in log.pushed.values() if n > 1)
    retried = log.retried_batches
    other_node = [b for b in retried if len({n.split(",")[-1].strip() for n in b[1]}) > 1]
    passed = not missing and not doubled
    print(f"\n{'PASS' if passed else 'FAIL'}: every sensor batch stored exactly once")
    print(f"  readings answered 2xx {len(keys)}, stored {sum(stored.values())}, missing "
          f"{len(missing)}, stored more than once {len(doubled)}; batches sent again after a "
          f"failure {len(retried)}, of which answered by another node than an earlier try "
          f"{len(other_node)} {[b[1] for b in other_node[:4]]}; readings counted twice by the "
          f"client {pushed_twice}")  # fmt: skip
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="http://127.0.0.1:18080")
    parser.add_argument("--node1", default="http://127.0.0.1:18051", help="app node 1, direct")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--before", type=float, default=5, help="seconds of load before a fault")
    parser.add_argument("--pause", type=float, default=0.6, help="seconds between two loops")
    parser.add_argument("--after", type=float, default=15, help="seconds after it (repair midway)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL: the cluster's primary")
    log = Log()
    stop = threading.Event()
    sensors = sensors_with_tokens(url, args.clients + 1)
    spare = sensors.pop()
    clients = [Client(i, args.host, sensors[i % len(sensors)], log, stop, args.pause)
               for i in range(args.clients)]  # fmt: skip
    for c in clients:
        c.start()
    results = []
    try:
        for name, inject, repair, outage in FAULTS:
            # The node killed has a sensor batch in flight (its own sensor: no other client's).
            killed = "killed" in name and "node" in name
            node = args.node1 if killed else None
            results.append(play(name, inject, repair, outage, log, args.before, args.after,
                                args.host, node, spare))  # fmt: skip
    finally:
        stop.set()
        for c in clients:
            c.join(timeout=90)
    results.append(verify(url, log))
    total = len(log.requests)
    errors = sum(1 for r in log.requests if not r.ok)
    print(f"\n{total} requests in all, {errors} errors; {sum(results)}/{len(results)} checks PASS")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
