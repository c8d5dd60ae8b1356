"""Run the kiosk for a while and watch memory on both sides: the gunicorn worker's resident size
and the browser's JavaScript heap (after a forced garbage collection), sampled as it rotates.

Usage: DATABASE_URL=... .venv/bin/python scripts/soak_kiosk.py [MINUTES] [ROTATE_SECONDS]
A measurement, not a test: it prints a table and the growth from the first sample after warm-up
to the last. Needs the demo data (``python -m geodata sample``) and Chromium.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selenium import webdriver

from geodata.ops.localserver import gunicorn


def _rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn master and its worker)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def main(minutes: float, rotate: int) -> None:
    with gunicorn(workers=1, args=("--threads", "4")) as (base, server):
        _soak(base, server.pid, minutes, rotate)


def _soak(base: str, server_pid: int, minutes: float, rotate: int) -> None:
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1920,1080", "--enable-precise-memory-info"):  # fmt: skip
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options)
    try:
        browser.get(f"{base}/kiosk?rotate={rotate}&layers=flood,air,traffic,services")
        print(f"kiosk rotating every {rotate} s for {minutes:g} min; server = gunicorn 1 worker")
        print(f"{'minute':>6} {'steps':>6} {'server RSS MiB':>15} {'browser heap MiB':>17}")
        samples = []
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < minutes * 60:
            time.sleep(min(30, max(1, minutes * 60 - elapsed)))
            browser.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
            heap = browser.execute_script("return performance.memory.usedJSHeapSize") / 2**20
            rss = _rss_kib(server_pid) / 1024
            steps = int((time.monotonic() - start) // rotate)
            samples.append((rss, heap))
            print(f"{(time.monotonic() - start) / 60:6.1f} {steps:6d} {rss:15.1f} {heap:17.1f}")
        if len(samples) > 2:
            (rss0, heap0), (rss1, heap1) = samples[1], samples[-1]
            growth = f"server {rss1 - rss0:+.1f} MiB, browser {heap1 - heap0:+.1f} MiB"
            print(f"growth after warm-up: {growth}")
    finally:
        browser.quit()


if __name__ == "__main__":
    main(
        float(sys.argv[1]) if len(sys.argv) > 1 else 10,
        int(sys.argv[2]) if len(sys.argv) > 2 else 2,
    )
