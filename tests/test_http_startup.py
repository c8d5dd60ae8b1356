"""A freshly started server answers its very first requests: the page's scripts fired in parallel
as soon as the port listens (what a browser, or a kiosk started with the server, does after a
deploy), and again after a worker is killed under load.

The server runs as `make run` starts it: gunicorn, 2 workers of 4 threads each.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from geodata.ops.localserver import ROOT
from tests.servers import free_port, gunicorn

FRESH_STARTS = 20
MAKE_RUN_ARGS = ("--threads", "4")  # with gunicorn()'s 2 workers: `make run`'s defaults


def _page_resources(base: str) -> list[str]:
    """Every script and style the index page names, in the order the browser asks for them."""
    page = requests.get(base + "/", timeout=30).text
    refs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+)"', page)
    assert any("_dash-component-suites/dash/" in r for r in refs), refs
    return refs


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until something accepts on the port (the master binds before its workers boot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f"nothing listened on {port} within {timeout} s")


def _fire(base: str, paths: list[str]) -> list[tuple[str, int]]:
    """All the paths at once, as a browser opening the page does; (path, status) each."""
    session = requests.Session()
    session.trust_env = False
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        statuses = pool.map(lambda p: session.get(base + p, timeout=60).status_code, paths)
        return list(zip(paths, statuses, strict=True))


@pytest.fixture(scope="module")
def resources(engine) -> list[str]:
    """The index page's scripts and styles, learnt from a server that has warmed up."""
    with gunicorn(args=MAKE_RUN_ARGS) as (base, _):
        refs = _page_resources(base)
        # The page's first callbacks' set-up too: the layout and the callback list.
        return [*refs, "/_dash-layout", "/_dash-dependencies"]


def test_a_fresh_server_answers_the_page_s_first_parallel_requests_every_time(resources) -> None:
    failures = []
    for start in range(FRESH_STARTS):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", *MAKE_RUN_ARGS,
                   "--bind", f"127.0.0.1:{port}", "app:server"]  # fmt: skip
        env = {**os.environ, "CANTHO_TILE_URL": ""}
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_for_port(port, proc)
            answers = _fire(f"http://127.0.0.1:{port}", resources)
            failures += [(start, path, status) for path, status in answers if status != 200]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    assert failures == [], f"{len(failures)} first requests failed: {failures[:10]}"


def _workers(master: int) -> set[int]:
    """The pids of gunicorn's workers: the master's children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def test_a_worker_killed_under_load_is_replaced_by_one_that_answers_at_once(resources) -> None:
    with gunicorn(args=MAKE_RUN_ARGS) as (base, proc):
        before = _workers(proc.pid)
        assert len(before) == 2
        stop = threading.Event()
        answered: list[int] = []
        dropped: list[str] = []

        def load() -> None:
            session = requests.Session()
            session.trust_env = False
            while not stop.is_set():
                for path in resources:
                    try:
                        answered.append(session.get(base + path, timeout=60).status_code)
                    except requests.ConnectionError as error:  # in flight in the killed worker
                        dropped.append(str(error))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)  # under load: every thread has requests in flight
            victim = min(before)
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while len(_workers(proc.pid) - {victim}) < 2:
                assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
                time.sleep(0.05)
            # The new worker's first requests, in parallel, beside the running load.
            burst = [status for _ in range(3) for _, status in _fire(base, resources)]
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert set(burst) == {200}, burst
        assert answered and set(answered) == {200}, sorted(set(answered))
        # Only the requests the killed worker was serving may be lost (4 threads, one each).
        assert len(dropped) <= 4, dropped
