"""Start the app, or another HTTP server, on a free loopback port for tests, benchmarks and soak
runs: wait until it answers, and stop it when the block ends.

Not used by the app itself. The readiness check uses the standard library's HTTP client, so that
this module needs nothing beyond what the app installs.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Loopback is never reached through a proxy, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its stderr."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    """Whether ``url`` answers 200."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            return bool(response.status == 200)
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, or not 200
        return False


@contextlib.contextmanager
def serving(
    command: Sequence[str],
    env: Mapping[str, str],
    ready_url: str,
    *,
    own_session: bool = False,
    start_timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (in the repository root, with exactly ``env``) until the block ends, once
    ``ready_url`` answers 200; the process. ``own_session``: in a process group of its own, so
    that the caller may kill a server and its children together (and the end of the block
    stops them all). At the end: SIGTERM, then SIGKILL if it is not gone after 30 s."""
    # A file, not a pipe: a server that logs a lot over a long run must never block on it.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            list(command), cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=errors,
            start_new_session=own_session,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + start_timeout
            while not _answers(ready_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    log = errors.read().decode(errors="replace")[-4000:]
                    raise ServerDidNotStart(f"{command[0]} did not start: {log}")
                time.sleep(0.2)  # not listening yet, or still booting
            yield proc
        finally:
            _stop(proc, own_session)


def _stop(proc: subprocess.Popen[bytes], own_session: bool) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        # ProcessLookupError: it ended between the poll and the signal.
        with contextlib.suppress(ProcessLookupError):
            if own_session:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue  # deaf to SIGTERM (a worker stuck in a long request): kill it
    proc.wait()


@contextlib.contextmanager
def gunicorn(
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    args: Sequence[str] = (),
    own_session: bool = False,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn serving ``app:server`` (no tiles; ``env`` on top of this process's), once it
    answers its first page; its base URL and process. ``args``: more gunicorn options. For
    ``own_session`` see :func:`serving`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), *args,
               "--bind", f"127.0.0.1:{port}", "app:server"]  # fmt: skip
    full_env = {**os.environ, "CANTHO_TILE_URL": "", **(env or {})}
    with serving(command, full_env, base + "/", own_session=own_session) as proc:
        yield base, proc
