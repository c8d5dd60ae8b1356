"""Time the dashboard's callbacks (the real code paths) on the database in DATABASE_URL.

Usage: DATABASE_URL=... .venv/bin/python scripts/bench_dashboard.py [ROUNDS]
``python -m geodata bench`` runs it against the city-scale bench database. Reports p50/p95 server
time per callback and each layer's payload at city view, raw and gzipped. A measurement, not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The queries' own time, not the answers each process keeps for a few seconds.
os.environ.setdefault("CANTHO_CACHE_UNITS_S", "0")
os.environ.setdefault("CANTHO_CACHE_DATA_S", "0")

from sqlalchemy import text

import app  # noqa: F401  (as the server starts: every callback registered, the heap frozen)
from callbacks import drilldown, monitor
from callbacks.drilldown import show_selection
from domain.clock import local_iso
from geodata.db import Scope, get_engine, scope
from web.access import Caller

ALL_LAYERS = ["Ngập lụt", "Chất lượng không khí", "Giao thông", "Dịch vụ công"]
CITY_BOUNDS = [[9.92, 105.23], [10.33, 105.84]]


def timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    """Milliseconds per call over ``rounds`` calls (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times), result


def pct(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, max(0, round(q * len(times)) - 1))]


def size(payload: Any) -> tuple[int, int]:
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return len(raw), len(gzip.compress(raw, 6))


def line(name: str, times: list[float]) -> None:
    print(f"{name:36} p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 0.95):7.1f} ms")


def payload_line(name: str, payload: dict[str, Any]) -> None:
    raw, packed = size(payload)
    features = len(payload.get("features", []))
    print(f"{name:36} {features:6,} features {raw / 1024:8.1f} KB raw {packed / 1024:7.1f} KB gzip")


def main(rounds: int) -> None:
    with get_engine().connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM sensor), (SELECT count(*) FROM reading), "
                "(SELECT count(*) FROM road_segment), (SELECT count(*) FROM facility), "
                "(SELECT min(observed_at) FROM reading), (SELECT max(observed_at) FROM reading)"
            )
        ).one()
        # The units valid today: after a reform (geodata bench --communes) no district is.
        valid = "valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)"
        districts = list(
            conn.scalars(text(f"SELECT code FROM admin_unit WHERE level = 'district' AND {valid}"))
        )
        wards = list(
            conn.scalars(text(f"SELECT code FROM admin_unit WHERE level = 'ward' AND {valid}"))
        )
        children = conn.scalar(
            text(
                f"SELECT count(*) FROM admin_unit WHERE {valid} AND parent_id IN "
                f"(SELECT id FROM admin_unit WHERE level = 'city' AND {valid})"
            )
        )
    print(
        f"data: {counts[0]:,} sensors, {counts[1]:,} readings ({counts[4]:%Y-%m-%d} … "
        f"{counts[5]:%Y-%m-%d}), {counts[2]:,} road segments, {counts[3]:,} facilities"
    )
    print(f"units at city view: {children:,}")
    print(f"{rounds} rounds per line; server time of the callback, in this process\n")
    rng = random.Random(2004)
    first, last = counts[4], counts[5]
    span_h = int((last - first).total_seconds() // 3600) - 1

    def moment() -> dict[str, Any]:
        at = first + dt.timedelta(hours=rng.randrange(24, span_h))
        return {"at": local_iso(at), "play": None}

    line("drill-down: city", timed(lambda: show_selection(""), rounds)[0])
    if districts:
        line(
            "drill-down: a district",
            timed(lambda: show_selection(f"?unit={rng.choice(districts)}"), rounds)[0],
        )
    line(
        "drill-down: a ward", timed(lambda: show_selection(f"?unit={rng.choice(wards)}"), rounds)[0]
    )
    units = show_selection("")[0]
    pool = [f"?unit={c}" for c in (districts or wards)] + ["", f"?unit={rng.choice(wards)}"]
    drill_down(rounds, pool, units, moment)

    def time_change() -> None:
        at = moment()
        monitor.moment_layers("", at, 0, ALL_LAYERS)
        monitor.view_layers("", at, 0, ALL_LAYERS, CITY_BOUNDS, 11)
        monitor.choropleth(units, "aqi_max", "health_station", at, 0)
        monitor.show_kpis("", at, 0)

    line("time change (4 callbacks, summed)", timed(time_change, rounds)[0])
    line(
        "  chart (7 days, on time change)",
        timed(lambda: monitor.show_chart("", moment(), None), rounds)[0],
    )
    print()

    live = {"at": None, "play": None}
    times, (gauges, inundation, reports, air, *_) = timed(
        lambda: monitor.moment_layers("", live, 0, ALL_LAYERS), rounds
    )
    line("layers: flood + air (one callback)", times)
    payload_line("  flood: gauges", gauges)
    payload_line("  flood: inundated areas", inundation)
    payload_line("  flood: reports", reports)
    payload_line("  air: stations", air)
    times, (roads, points, _) = timed(
        lambda: monitor.view_layers("", live, 0, ALL_LAYERS, CITY_BOUNDS, 11), rounds
    )
    line("layer: traffic (city view)", times)
    payload_line("  traffic: arterials", roads)
    payload_line("  traffic: incidents + cameras", points)
    times, (facilities, underserved) = timed(
        lambda: monitor.static_layers("", ALL_LAYERS, "health_station"), rounds
    )
    line("layer: services (city view)", times)
    payload_line("  services: facilities", facilities)
    payload_line("  services: underserved areas", underserved)
    line(
        "choropleth (live)",
        timed(lambda: monitor.choropleth(units, "aqi_max", "x", live, 0), rounds)[0],
    )
    print()
    readers(rounds, "916" if "916" in districts else (districts or wards)[0])


def drill_down(
    rounds: int, pool: list[str], units: Any, moment: Callable[[], dict[str, Any]]
) -> None:
    """Every callback a drill-down (a new ``?unit=`` at a past moment) and a time change (a new
    moment at the city) fire, each on its own line: the goal is each one's p95, not their sum."""
    rng = random.Random(15)
    print("\neach callback of a drill-down (a random unit, a random past hour):")
    steps: dict[str, Callable[[str, dict[str, Any]], Any]] = {
        "show_selection": lambda s, at: show_selection(s),
        "time_limits": lambda s, at: monitor.time_limits(s, 0, None),
        "moment_layers": lambda s, at: monitor.moment_layers(s, at, 0, ALL_LAYERS),
        "view_layers": lambda s, at: monitor.view_layers(s, at, 0, ALL_LAYERS, CITY_BOUNDS, 11),
        "static_layers": lambda s, at: monitor.static_layers(s, ALL_LAYERS, "health_station"),
        "choropleth": lambda s, at: monitor.choropleth(units, "aqi_max", "health_station", at, 0),
        "show_kpis": lambda s, at: monitor.show_kpis(s, at, 0),
        "show_chart": lambda s, at: monitor.show_chart(s, at, None),
    }
    for name, step in steps.items():
        line(f"  {name}", timed(lambda step=step: step(rng.choice(pool), moment()), rounds)[0])
    print("each callback of a time change (the city, a random past hour):")
    for name in ("moment_layers", "view_layers", "choropleth", "show_kpis", "show_chart"):
        line(f"  {name}", timed(lambda name=name: steps[name]("", moment()), rounds)[0])


@contextmanager
def as_caller(caller: Caller, reader: Scope) -> Iterator[None]:
    """Run the callbacks as ``caller`` would be served: the app's checks for that caller, and
    the database's reader role and row-level security (what the web request hook sets up)."""
    saved = monitor.current_caller, drilldown.current_caller
    monitor.current_caller = drilldown.current_caller = lambda: caller
    try:
        with scope(reader):
            yield
    finally:
        monitor.current_caller, drilldown.current_caller = saved


def readers(rounds: int, ward_code: str) -> None:
    """The same paths for the public and for ward staff, through their reader roles."""
    rng = random.Random(2026)
    with get_engine().connect() as conn:
        first, last = conn.execute(text("SELECT min(hour), max(hour) FROM reading_hourly")).one()
    span_h = int((last - first).total_seconds() // 3600) - 1

    def moment() -> dict[str, Any]:
        at = first + dt.timedelta(hours=rng.randrange(24, span_h))
        return {"at": local_iso(at), "play": None}

    for label, caller, reader in (
        ("public", Caller(None, "public"), Scope.public()),
        (f"ward staff {ward_code}", Caller("bench", "ward_staff", (ward_code,)),
         Scope.ward([ward_code])),
    ):  # fmt: skip
        with as_caller(caller, reader):
            units = show_selection("")[0]
            line(f"{label}: drill-down (home)", timed(lambda: show_selection(""), rounds)[0])

            def time_change(units: Any = units) -> None:
                at = moment()
                monitor.moment_layers("", at, 0, ALL_LAYERS)
                monitor.view_layers("", at, 0, ALL_LAYERS, CITY_BOUNDS, 11)
                monitor.choropleth(units, "aqi_max", "health_station", at, 0)
                monitor.show_kpis("", at, 0)

            line(f"{label}: time change (4 callbacks)", timed(time_change, rounds)[0])
            steps: dict[str, Callable[[dict[str, Any]], Any]] = {
                "moment_layers": lambda at: monitor.moment_layers("", at, 0, ALL_LAYERS),
                "view_layers": lambda at: monitor.view_layers(
                    "", at, 0, ALL_LAYERS, CITY_BOUNDS, 11
                ),
                "choropleth": lambda at, units=units: monitor.choropleth(
                    units, "aqi_max", "health_station", at, 0
                ),
                "show_kpis": lambda at: monitor.show_kpis("", at, 0),
                "show_chart": lambda at: monitor.show_chart("", at, None),
            }
            for name, step in steps.items():
                line(f"  {name}", timed(lambda step=step: step(moment()), rounds)[0])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
