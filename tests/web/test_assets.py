"""Our static files under fingerprinted names (web/assets.py), on a folder of their own: the name
follows the content, a style sheet names its fonts by their fingerprints, and a name that is not
the file's current one is still answered but not kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import flask

from web.assets import IMMUTABLE, AssetFiles

NAME = re.compile(r"^/assets/(?:fonts/)?[\w.-]+\.([0-9a-f]{12})\.\w+$")


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"font one")
    (tmp_path / "app.js").write_text("console.log('one');\n" * 40)
    (tmp_path / "style.css").write_text(
        '@font-face { src: url(fonts/a.woff2) format("woff2"); }\n'
        "body { background: url('data:image/png;base64,AAAA'); }\n"
        ".x { background: url(missing.png); }\n"
    )
    return tmp_path


def _touch_later(path: Path, content: bytes) -> None:
    """Write new content with a later modification time, as an edit or a deploy does."""
    stat = path.stat()
    path.write_bytes(content)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_files_name_changes_with_its_content_and_only_then(tmp_path: Path) -> None:
    assets = AssetFiles(_folder(tmp_path))
    first = assets.url("app.js")
    assert NAME.match(first) and first.startswith("/assets/app.")
    assert assets.url("app.js") == first
    _touch_later(tmp_path / "app.js", b"console.log('two');\n")
    assert assets.url("app.js") != first
    # The same content under a new modification time keeps its name.
    again = assets.url("app.js")
    _touch_later(tmp_path / "app.js", b"console.log('two');\n")
    assert assets.url("app.js") == again


def test_a_style_sheet_names_its_fonts_by_their_fingerprints(tmp_path: Path) -> None:
    assets = AssetFiles(_folder(tmp_path))
    font = assets.url("fonts/a.woff2")
    sheet = assets.url("style.css")
    app = flask.Flask(__name__)
    path, digest = assets.resolve(sheet.removeprefix("/assets/")) or ("", "")
    with app.test_request_context(sheet):
        body = assets.response(path, digest).get_data(as_text=True)
    assert f"url({font.removeprefix('/assets/')})" in body
    # What is not one of our files is left as it was.
    assert "url('data:image/png;base64,AAAA')" in body and "url(missing.png)" in body
    # A new font gives the sheet a new name, though the sheet itself did not change.
    _touch_later(tmp_path / "fonts" / "a.woff2", b"font two")
    assert assets.url("style.css") != sheet


def test_the_current_name_is_kept_a_year_and_an_old_one_is_revalidated(tmp_path: Path) -> None:
    assets = AssetFiles(_folder(tmp_path))
    app = flask.Flask(__name__)
    current = assets.url("app.js").removeprefix("/assets/")
    with app.test_request_context("/", headers={"Accept-Encoding": "gzip"}):
        answer = assets.response(*(assets.resolve(current) or ("", "")))
        assert answer.headers["Cache-Control"] == IMMUTABLE
        assert answer.headers["Content-Encoding"] == "gzip"
        old = assets.response(*(assets.resolve("app.000000000000.js") or ("", "")))
        assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    assert assets.resolve("app.js") is None  # a plain name: the static route's as before
    assert assets.resolve("../secret.000000000000.txt") is None
