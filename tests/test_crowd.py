"""The crowd test (scripts/crowd.py) runs end to end: a few simulated people against gunicorn and
the background worker as `make run` starts them, every kind of request made and none refused.
No time is asserted: the figures are for the reader of its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.servers import ROOT

KINDS = {
    "page open", "page assets", "page-open callbacks", "drill-down callbacks",
    "time-change callbacks", "layer-toggle callbacks", "OGC pages", "sensor pushes",
}  # fmt: skip


def test_a_short_crowd_makes_every_kind_of_request_without_an_error(monitored_db, tmp_path) -> None:
    # The server it starts keeps answers as in production (the suite turns keeping off).
    env = {**os.environ, "CANTHO_CACHE_UNITS_S": "60", "CANTHO_CACHE_DATA_S": "10"}
    command = [
        sys.executable, "scripts/crowd.py", "--users", "4", "--spawn-rate", "4",
        "--run-time", "6s", "--think", "0.1", "0.5", "--tour", "--sensors", "2",
        "--out", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (report_file,) = tmp_path.glob("crowd_4u_*_report.json")
    report = json.loads(report_file.read_text())
    assert report["errors"] == 0
    assert {k for k, v in report["kinds"].items() if v["requests"] > 0} == KINDS
    assert "CANTHO_OGC_RATE_LIMIT='100000 per minute'" in report["server"]
    assert report["memory_kb"]["peak_total"] > 0
    assert "drill-down callbacks" in done.stdout and "memory (VmRSS" in done.stdout


def test_the_crowd_refuses_a_host_that_is_not_loopback() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/crowd.py", "--host", "http://192.0.2.1:8050"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "refusing" in done.stderr


@pytest.mark.parametrize("host", ["http://127.0.0.1:8050", "http://localhost:9000/"])
def test_loopback_hosts_are_taken(host: str) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from crowd import loopback_host

    assert loopback_host(host) == host.rstrip("/")
