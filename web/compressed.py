"""Compressed scripts kept in memory: Flask-Compress's cache, for the files Dash serves only.

Dash serves its component libraries (``/_dash-component-suites/…``, plotly.js alone 4.8 MB) as
whole responses, and Flask-Compress compresses every response again for every request: on a
morning when a room of people opens the map, that was most of the server's time (a crowd test of
200 users on 2 cores spent it compressing the same files). Those URLs carry the library's version
and the file's modification time, so what one of them answers never changes while the process
lives: its compressed form is kept, per algorithm, the first time it is sent.

Flask-Compress asks its cache for every response it compresses (callbacks and pages too); only
the component libraries are kept, so nothing that depends on the caller or the moment is.
"""

from __future__ import annotations

import threading

import flask

_KEPT_PREFIX = "/_dash-component-suites/"
_SKIP = ""  # the key of every other response: neither looked up nor kept


def cache_key(request: flask.Request) -> str:
    """A component library's path; else the key that is never kept. The path alone, not its
    query: only files that exist are answered (and kept), so the cache cannot grow past them."""
    if request.method == "GET" and request.path.startswith(_KEPT_PREFIX):
        return request.path
    return _SKIP


class CompressedFiles:
    """Flask-Compress's cache backend: compressed component libraries by algorithm and URL."""

    def __init__(self) -> None:
        self._kept: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if key.endswith(";"):  # "<algorithm>;" + the key of a response not kept
            return None
        return self._kept.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";"):
            return
        with self._lock:
            self._kept.setdefault(key, value)


def keep_compressed_files(server: flask.Flask) -> None:
    """Before ``Compress(server)``: keep the component libraries compressed once per process."""
    server.config["COMPRESS_CACHE_BACKEND"] = CompressedFiles
    server.config["COMPRESS_CACHE_KEY"] = cache_key
