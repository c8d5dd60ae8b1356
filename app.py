"""The Cần Thơ IOC map: the one place the Dash app is created. ``server`` is for gunicorn."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import dash
import flask
from flask_compress import Compress

import callbacks.drilldown
import callbacks.monitor  # noqa: F401
from callbacks.request import LANG_COOKIE, current_language, today
from geodata.settings import get_settings
from layouts.i18n import LANGUAGES, t
from layouts.page import page


class IOCDash(dash.Dash):
    """Dash with the page's language on the <html> element, for screen readers and fonts."""

    def interpolate_index(self, *args: Any, **kwargs: Any) -> Any:
        html = super().interpolate_index(*args, **kwargs)
        return html.replace("<html>", f'<html lang="{current_language()}">', 1)


def serve_layout() -> object:
    """The page in the caller's language, built per request (no per-user state in the process)."""
    settings = get_settings()
    return page(current_language(), today(), settings.tile_url, settings.tile_attribution)


app = IOCDash(
    __name__,
    title=t("app.title", "vi"),
    update_title="",
    serve_locally=True,  # every script from this server: IOC rooms and kiosks may be offline
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
app.layout = serve_layout
server = app.server
Compress(server)


@server.route("/lang/<code>")
def switch_language(code: str) -> Any:
    """Set the language cookie and go back to the page the switch was clicked on."""
    back = urlsplit(flask.request.referrer or "/")
    target = (back.path or "/") + (f"?{back.query}" if back.query else "")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = flask.redirect(target)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
        )
    return response


if __name__ == "__main__":
    app.run(debug=False, host="127.0.0.1", port=8050)
