"""Real servers for the tests: a free loopback port and gunicorn serving the app on it (both from
``geodata.ops.localserver``, which the benchmarks share), and a wait that keeps a burst of requests
inside one rate-limit window."""

from __future__ import annotations

import time

from geodata.ops.localserver import ROOT, free_port, gunicorn

__all__ = ["ROOT", "clear_of_window_edge", "free_port", "gunicorn"]


def clear_of_window_edge(expiry: int, margin: float = 3.0) -> None:
    """Wait for the next window of ``expiry`` seconds when this one ends within ``margin``: a
    sliding-window limit weighs a burst that straddles two windows across both (as it should),
    which a test of exact counts must not stumble on."""
    left = expiry - time.time() % expiry
    if left < margin:
        time.sleep(left + 0.1)
