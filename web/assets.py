"""The app's own static files (``assets/``: scripts, styles, fonts, images) under names that
carry a digest of their content, so that every cache may keep them for a year.

``assets/style.css`` is linked as ``/assets/style.1f0c3a9e5b7d.css``. When the file changes so
does its name, and no browser uses a stale copy; while it does not, a repeat visit asks the
server for nothing (``Cache-Control: public, max-age=31536000, immutable``). The pages that name
these files are never kept without asking (``no-cache``): they are what points at the current
names. A style sheet's own references (its fonts, its images) are rewritten to their
fingerprinted names before its digest is taken, so a new font gives the sheet a new name too.

Each file is read, digested and compressed once per process, and again only when its size or
modification time changes (an edited file gets its new name at the next page load); it is then
served from memory. A name whose digest is not the file's current one (a page loaded before a
deploy asking for the file it knew) still gets the current file, marked ``no-cache``: the page
keeps working and no cache keeps the mismatch. Plain names (``/assets/style.css``) are served as
before, by the route they replace, and revalidated each time.

Flask only: the Dash app (``app.py``) asks :meth:`AssetFiles.url` for the names it links.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.security import safe_join

try:  # Flask-Compress brings it; browsers prefer it to gzip (about 15 % smaller on our files)
    import brotli
except ImportError:  # pragma: no cover - gzip alone then
    brotli = None

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# 48 bits of SHA-256: two versions of one file never meet in practice.
DIGEST_LENGTH = 12
_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<ext>\.[^./]+)?$"
)
# url(fonts/a.woff2), url('a.png'), url("a.png#x") in a style sheet.
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)""")
_NOT_A_FILE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")  # data:, https:, //host, /, #id
# What compresses: text. Fonts (woff2) and images are compressed already.
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_MIN_COMPRESSED = 500  # bytes; below this the headers cost more than compression saves
# Dash's fingerprinted component libraries (``…/dash_renderer.v4_4_1m1796138321.min.js``):
# Dash gives them a year's max-age; they are as immutable as ours.
_COMPONENT_SUITES = "/_dash-component-suites/"
_DASH_FAVICON = "/_favicon.ico"  # linked as ``/_favicon.ico?v=<Dash's version>``


@dataclass(frozen=True)
class _Asset:
    """One file as served: its bytes (a style sheet's with its references fingerprinted)."""

    stamps: tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size): itself, what it names
    digest: str
    body: bytes
    encoded: dict[str, bytes]  # "br", "gzip" -> the body compressed
    mimetype: str


def fingerprinted_name(name: str, digest: str) -> str:
    """``style.css`` → ``style.<digest>.css``; ``a.min.js`` → ``a.min.<digest>.js``."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{ext}"


class AssetFiles:
    """The files of one folder, linked and served under fingerprinted names."""

    def __init__(self, folder: str | Path, url_path: str = "/assets/") -> None:
        self.folder = Path(folder).resolve()
        self.url_path = "/" + url_path.strip("/") + "/"
        self._kept: dict[str, _Asset] = {}
        self._lock = threading.RLock()  # re-entered: a style sheet reads the files it names

    def url(self, path: str) -> str:
        """The fingerprinted URL of ``path`` (relative to the folder, ``/``-separated)."""
        asset = self._current(path)
        folder, _, name = path.rpartition("/")
        return (
            self.url_path
            + (folder + "/" if folder else "")
            + fingerprinted_name(name, asset.digest)
        )

    def resolve(self, filename: str) -> tuple[str, str] | None:
        """For a requested name under the folder: ``(path of the file, digest asked)`` when it is
        a fingerprinted name of a file there; None otherwise (a plain name, or no such file)."""
        folder, _, name = filename.rpartition("/")
        found = _FINGERPRINTED.match(name)
        if found is None:
            return None
        path = (folder + "/" if folder else "") + found["stem"] + (found["ext"] or "")
        if self._file(path) is None:
            return None
        return path, found["digest"]

    def response(self, path: str, digest: str) -> flask.Response:
        """The file at ``path`` for a request that named it with ``digest``: compressed as the
        browser accepts, kept a year when the digest is the file's own, else revalidated."""
        asset = self._current(path)
        encoding = flask.request.accept_encodings.best_match(list(asset.encoded))
        response = flask.Response(
            asset.encoded[encoding] if encoding else asset.body, mimetype=asset.mimetype
        )
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        response.set_etag(asset.digest + (f"-{encoding}" if encoding else ""))
        response.headers["Cache-Control"] = IMMUTABLE if digest == asset.digest else "no-cache"
        response.make_conditional(flask.request)  # a 304 to an If-None-Match that matches
        return response

    def init_app(self, server: flask.Flask, endpoint: str) -> None:
        """Serve fingerprinted names at the static route ``endpoint`` (its plain names as it did),
        give Dash's fingerprinted libraries the same immutable caching, make every page that
        does not say otherwise ``no-cache``, and offer ``asset_url(path)`` to the templates."""
        plain: Callable[..., Any] = server.view_functions[endpoint]

        def static(filename: str) -> Any:
            found = self.resolve(filename)
            if found is None:
                return plain(filename=filename)
            return self.response(*found)

        server.view_functions[endpoint] = static
        server.after_request(_cache_policy)
        server.session_interface = _SessionsAwayFromFiles(self.url_path)
        server.jinja_env.globals["asset_url"] = self.url

    # --- reading, digesting, keeping ----------------------------------------------------------

    def _file(self, path: str) -> Path | None:
        joined = safe_join(str(self.folder), path)
        if joined is None:
            return None
        file = Path(joined)
        return file if file.is_file() else None

    def _stamp(self, path: str) -> tuple[str, int, int]:
        file = self._file(path)
        if file is None:
            raise FileNotFoundError(f"no file {path!r} in {self.folder}")
        stat = file.stat()
        return path, stat.st_mtime_ns, stat.st_size

    def _current(self, path: str, naming: frozenset[str] = frozenset()) -> _Asset:
        """The file as served now; read again when it, or a file it names, has changed."""
        with self._lock:
            kept = self._kept.get(path)
            if kept is not None and self._is_fresh(kept):
                return kept
            stamp = self._stamp(path)  # before reading: a change while reading is seen next time
            file = self._file(path)
            assert file is not None  # _stamp found it
            body = file.read_bytes()
            stamps = [stamp]
            mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if mimetype == "text/css":
                body, named = self._fingerprint_references(path, body, naming | {path})
                stamps += [s for other in named for s in other.stamps]
            asset = _Asset(
                stamps=tuple(dict.fromkeys(stamps)),
                digest=hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH],
                body=body,
                encoded=_compressed(body, mimetype),
                mimetype=mimetype,
            )
            self._kept[path] = asset
            return asset

    def _is_fresh(self, asset: _Asset) -> bool:
        try:
            return all(self._stamp(stamp[0]) == stamp for stamp in asset.stamps)
        except FileNotFoundError:
            return False

    def _fingerprint_references(
        self, path: str, body: bytes, naming: frozenset[str]
    ) -> tuple[bytes, list[_Asset]]:
        """A style sheet with its relative ``url(...)`` references to files of the folder
        fingerprinted; and those files. Others (data:, other sites, missing files) stay."""
        base = posixpath.dirname(path)
        named: list[_Asset] = []

        def swap(match: re.Match[str]) -> str:
            quote, ref = match.group(1), match.group(2).strip()
            if _NOT_A_FILE.match(ref):
                return match.group(0)
            end = min((i for i in (ref.find("?"), ref.find("#")) if i >= 0), default=len(ref))
            target = posixpath.normpath(posixpath.join(base, ref[:end]))
            if target in naming or self._file(target) is None:
                return match.group(0)  # a loop, or nothing to name
            asset = self._current(target, naming)
            named.append(asset)
            folder, _, name = ref[:end].rpartition("/")
            new = (folder + "/" if folder else "") + fingerprinted_name(name, asset.digest)
            return f"url({quote}{new}{ref[end:]}{quote})"

        text = _CSS_URL.sub(swap, body.decode("utf-8"))
        return text.encode("utf-8"), named


def _compressed(body: bytes, mimetype: str) -> dict[str, bytes]:
    """The body in each encoding worth sending, best first; none for fonts, images, tiny files."""
    if len(body) < _MIN_COMPRESSED or not mimetype.startswith(_COMPRESSIBLE):
        return {}
    encoded = {}
    if brotli is not None:
        encoded["br"] = brotli.compress(body, quality=11)
    encoded["gzip"] = gzip.compress(body, compresslevel=9, mtime=0)
    return encoded


def _cache_policy(response: flask.Response) -> flask.Response:
    """Dash's fingerprinted libraries (and its icon, named by Dash's version) are immutable as
    our files are; a page that says nothing of caching is revalidated, since it names the
    files of the moment."""
    cache = response.cache_control
    path = flask.request.path
    if path.startswith(_COMPONENT_SUITES) and cache.max_age == YEAR:
        response.headers["Cache-Control"] = IMMUTABLE
    elif path == _DASH_FAVICON and flask.request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE  # Dash's own icon, named by its version
    elif response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    return response


class _SessionsAwayFromFiles(SecureCookieSessionInterface):
    """Flask's cookie sessions, left alone by the answers that are files. Flask marks an answer
    ``Vary: Cookie`` whenever the session was looked at, and Flask-Login looks at it after every
    request: a browser would then keep a file for one cookie only, and fetch it again when the
    language or the sign-in changes. A file says nothing of the session, nor sets its cookie."""

    def __init__(self, files_path: str) -> None:
        self.files = (files_path, _COMPONENT_SUITES, _DASH_FAVICON)

    def save_session(
        self, app: flask.Flask, session: SessionMixin, response: flask.Response
    ) -> None:
        if not flask.request.path.startswith(self.files):
            super().save_session(app, session, response)
