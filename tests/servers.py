"""Real servers for the tests: a free loopback port and gunicorn serving the app on it (both from
``geodata.ops.localserver``, which the benchmarks share), and a wait that keeps a burst of requests
inside one rate-limit window, and signing in over HTTP."""

from __future__ import annotations

import re
import time

import requests

from geodata.ops.localserver import ROOT, free_port, gunicorn

__all__ = ["ROOT", "clear_of_window_edge", "free_port", "gunicorn", "sign_in"]


def clear_of_window_edge(expiry: int, margin: float = 3.0) -> None:
    """Wait for the next window of ``expiry`` seconds when this one ends within ``margin``: a
    sliding-window limit weighs a burst that straddles two windows across both (as it should),
    which a test of exact counts must not stumble on."""
    left = expiry - time.time() % expiry
    if left < margin:
        time.sleep(left + 0.1)


def sign_in(base: str, username: str, password: str) -> requests.Session:
    """A session signed in through the real form (its CSRF token first), as a person would."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the sign-in page has no CSRF token"
    done = session.post(
        base + "/login",
        data={"csrf_token": token.group(1), "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 302, done.text[:300]
    return session
