"""First paint of the dashboard in headless Chromium: from opening the page to the admin units
drawn on the map, and what the page downloads on the way.

Usage::

    DATABASE_URL=$(cat var/database_url) .venv/bin/python scripts/bench_first_paint.py \
        [--rounds 5] [--path /] [--url http://127.0.0.1:8050]

Without ``--url`` it serves ``DATABASE_URL`` (the demo data) as ``make run`` does: gunicorn,
``app:server``, 2 workers × 4 threads, on a free loopback port, no base-map tiles. Three kinds of
visit, ``--rounds`` of each:

- **cold**: the first page load right after the server has started (a new server each round;
  the browser's cache empty). Not measured with ``--url``: that server is not ours to restart.
- **warm**: the server has served the page a few times already; a new browser profile, so an
  empty cache.
- **repeat**: the same browser opens the page again, its cache holding what the warm visit left.

"Units drawn" is the moment the admin units' polygons are in the DOM: Leaflet SVG paths in the
overlay pane, where the units layer draws (the outline and rivers, and the themes, have panes of
their own). A MutationObserver installed before the page's own scripts records it.
Everything else comes from the browser's Navigation and Resource Timing entries: requests,
bytes of JS, CSS, fonts and the rest (transferred: 0 when served from the cache; and decoded),
when the layout and the first ``_dash-update-component`` answer arrived. Each figure is the
median and the maximum over the rounds. A measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402

from geodata.ops.localserver import free_port, serving  # noqa: E402

# Installed before any script of the page runs: the first path in Leaflet's overlay pane (the
# units layer; every feature of a GeoJSON is added in one go, so the first path means all).
_OBSERVER = """
window.__benchUnitsDrawn = null;
new MutationObserver(function (_, observer) {
  if (document.querySelector('.leaflet-overlay-pane path')) {
    window.__benchUnitsDrawn = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""

# What the page's timeline says once it has settled.
_READ_TIMELINE = """
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource').map(e => ({
  name: e.name, type: e.initiatorType, start: e.startTime, end: e.responseEnd,
  transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize}));
return {units: window.__benchUnitsDrawn, resources: res,
        nav: {transfer: nav.transferSize, encoded: nav.encodedBodySize,
              decoded: nav.decodedBodySize, response_end: nav.responseEnd,
              dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd}};
"""

KINDS = ("js", "css", "font", "other")


def _path(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0]


def _kind(url: str) -> str:
    path = _path(url)
    if path.endswith((".js", ".mjs")):
        return "js"
    if path.endswith(".css"):
        return "css"
    if path.endswith((".woff2", ".woff", ".ttf", ".otf")):
        return "font"
    return "other"


def browser() -> webdriver.Chrome:
    """Headless Chromium as the browser tests drive it, with a new (empty) profile."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--window-size=1400,900"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _OBSERVER})
    return driver


def visit(driver: webdriver.Chrome, url: str, timeout: float = 30) -> dict[str, Any]:
    """Open ``url``, wait for the units and then for the network to stay quiet for a second;
    the visit's figures (milliseconds from the navigation's start, bytes)."""
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + timeout
    while driver.execute_script("return window.__benchUnitsDrawn") is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no admin unit was drawn within {timeout:.0f} s: {url}")
        time.sleep(0.02)
    # Whatever loads after the units (a chart's script, a late callback) counts as downloaded.
    count, quiet_since = -1, time.monotonic()
    while time.monotonic() - quiet_since < 1.0 and time.monotonic() < deadline:
        now = driver.execute_script("return performance.getEntriesByType('resource').length")
        if now != count:
            count, quiet_since = now, time.monotonic()
        time.sleep(0.1)
    timeline = driver.execute_script(_READ_TIMELINE)
    return summarise(timeline)


def summarise(timeline: dict[str, Any]) -> dict[str, Any]:
    """The figures of one visit from its timeline."""
    resources = timeline["resources"]
    units = timeline["units"]
    nav = timeline["nav"]
    figures: dict[str, Any] = {
        "units drawn (ms)": units,
        "HTML received (ms)": nav["response_end"],
        "DOMContentLoaded (ms)": nav["dom_content_loaded"],
        "load event (ms)": nav["load"],
        "requests": len(resources) + 1,
        "requests before units": 1 + sum(1 for r in resources if r["end"] <= units),
        "from network (not cache)": 1 + sum(1 for r in resources if r["transfer"] > 0),
        "HTML transfer (B)": nav["transfer"],
        "HTML decoded (B)": nav["decoded"],
    }
    for kind in KINDS:
        mine = [r for r in resources if _kind(r["name"]) == kind]
        figures[f"{kind} requests"] = len(mine)
        figures[f"{kind} transfer (B)"] = sum(r["transfer"] for r in mine)
        figures[f"{kind} decoded (B)"] = sum(r["decoded"] for r in mine)
    figures["all transfer (B)"] = nav["transfer"] + sum(r["transfer"] for r in resources)
    layouts = [r["end"] for r in resources if _path(r["name"]).endswith("/_dash-layout")]
    answers = [r["end"] for r in resources if _path(r["name"]).endswith("/_dash-update-component")]
    figures["layout answered (ms)"] = min(layouts) if layouts else None
    figures["first callback answered (ms)"] = min(answers) if answers else None
    figures["callbacks before units"] = sum(1 for end in answers if end <= units)
    figures["plotly requested"] = any("plotly" in r["name"] for r in resources)
    figures["_waterfall"] = [
        (round(r["start"]), round(r["end"]), r["transfer"], r["name"]) for r in resources
    ]
    return figures


@contextlib.contextmanager
def app_server() -> Iterator[str]:
    """gunicorn as ``make run`` starts it (2 workers × 4 threads, ``app:server``); its URL.
    Ready when the favicon answers, so no page has been built before the first visit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
               "--bind", f"127.0.0.1:{port}", "app:server"]  # fmt: skip
    env = {**os.environ, "CANTHO_TILE_URL": ""}
    with serving(command, env, base + "/_favicon.ico", start_timeout=120):
        yield base


def _rounds(n: int, one: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k in range(n):
        figures = one(k)
        out.append(figures)
        print(f"  round {k + 1}: units drawn at {figures['units drawn (ms)']:.0f} ms", flush=True)
    return out


def measure(url: str | None, path: str, rounds: int) -> dict[str, list[dict[str, Any]]]:
    """The figures of every round of every kind of visit."""
    results: dict[str, list[dict[str, Any]]] = {}
    if url is None:
        print("cold (a new server each round)", flush=True)

        def cold(_: int) -> dict[str, Any]:
            driver = browser()  # started before the server: its start-up is not measured
            try:
                with app_server() as base:
                    return visit(driver, base + path)
            finally:
                driver.quit()

        results["cold"] = _rounds(rounds, cold)
    with contextlib.ExitStack() as stack:
        base = url or stack.enter_context(app_server())
        print("warm-up", flush=True)
        for _ in range(3):  # each worker has built the page and answered its callbacks
            driver = browser()
            try:
                visit(driver, base + path)
            finally:
                driver.quit()
        results["warm"], results["repeat"] = [], []
        print("warm (new profile) and repeat (same browser, its cache)", flush=True)
        for k in range(rounds):
            driver = browser()
            try:
                results["warm"].append(visit(driver, base + path))
                results["repeat"].append(visit(driver, base + path))
            finally:
                driver.quit()
            print(
                f"  round {k + 1}: warm {results['warm'][-1]['units drawn (ms)']:.0f} ms, "
                f"repeat {results['repeat'][-1]['units drawn (ms)']:.0f} ms",
                flush=True,
            )
    return results


def _cell(values: list[Any]) -> str:
    if not values or any(v is None for v in values):
        return "—"
    if isinstance(values[0], bool):
        return "yes" if any(values) else "no"
    median, top = statistics.median(values), max(values)
    return f"{median:,.0f} / {top:,.0f}"


def report(results: dict[str, list[dict[str, Any]]], waterfall: bool = False) -> None:
    """One line per figure, median / max of each kind of visit; ``waterfall``: and the requests
    of the median warm visit."""
    kinds = list(results)
    metrics = [m for m in results[kinds[0]][0] if not m.startswith("_")]
    width = max(len(m) for m in metrics) + 2
    print()
    print("median / max".ljust(width) + "".join(k.rjust(22) for k in kinds))
    for metric in metrics:
        cells = [_cell([r[metric] for r in results[k]]) for k in kinds]
        print(metric.ljust(width) + "".join(c.rjust(22) for c in cells))
    if waterfall:
        # The warm visit whose units came at the median time, request by request.
        visits = sorted(results["warm"], key=lambda r: r["units drawn (ms)"])
        middle = visits[len(visits) // 2]
        print(f"\nthe median warm visit (units drawn at {middle['units drawn (ms)']:.0f} ms):")
        print("start ms  end ms  transfer B  URL")
        for start, end, transfer, name in sorted(middle["_waterfall"]):
            print(f"{start:8} {end:7} {transfer:11,}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an app already running (then no cold visits)")
    parser.add_argument("--path", default="/", help="the page to open (default /)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--waterfall", action="store_true", help="list the requests of the median warm visit"
    )
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    args = parser.parse_args()
    if args.url is None and not os.environ.get("DATABASE_URL"):
        parser.error("DATABASE_URL is not set (or give --url)")
    results = measure(args.url.rstrip("/") if args.url else None, args.path, args.rounds)
    report(results, args.waterfall)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
