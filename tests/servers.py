"""Real servers for the tests: a free loopback port, gunicorn serving the app on it, and a wait
that keeps a burst of requests inside one rate-limit window."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    args: Sequence[str] = (),
    own_session: bool = False,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn serving ``app:server`` (no tiles; ``env`` on top of this process's), once it
    answers its first page; its base URL and process. ``own_session``: in a process group of
    its own, so a test may kill the master and its workers together."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A file, not a pipe: a server that logs a lot over a long session must never block on it.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), *args,
             "--bind", f"127.0.0.1:{port}", "app:server"],
            cwd=ROOT, env={**os.environ, "CANTHO_TILE_URL": "", **(env or {})},
            stdout=subprocess.DEVNULL, stderr=errors, start_new_session=own_session,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not _answers(base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    log = errors.read().decode(errors="replace")
                    pytest.fail(f"gunicorn did not start: {log}")
                time.sleep(0.2)  # not listening yet, or still booting
            yield base, proc
        finally:
            if proc.poll() is None:
                if own_session:
                    os.killpg(proc.pid, signal.SIGTERM)
                else:
                    proc.terminate()
                proc.wait(timeout=30)


def _answers(base: str) -> bool:
    """Whether the server answers its main page (which no rate limit counts)."""
    try:
        return requests.get(base + "/", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def clear_of_window_edge(expiry: int, margin: float = 3.0) -> None:
    """Wait for the next window of ``expiry`` seconds when this one ends within ``margin``: a
    sliding-window limit weighs a burst that straddles two windows across both (as it should),
    which a test of exact counts must not stumble on."""
    left = expiry - time.time() % expiry
    if left < margin:
        time.sleep(left + 0.1)
