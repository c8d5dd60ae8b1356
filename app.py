"""The Cần Thơ IOC map: the one place the Dash app is created. ``server`` is for gunicorn."""

from __future__ import annotations

import gc
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dash
import dash_leaflet
import flask
from flask_compress import Compress
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

import callbacks.deferred
import callbacks.downloads
import callbacks.drilldown
import callbacks.monitor
import callbacks.report_figures
from callbacks.kiosk import kiosk_layout, parse_kiosk_search
from geodata.monitoring import catalogue
from geodata.settings import get_settings
from layouts.i18n import LANGUAGES, t
from layouts.page import chart, layers_from_query, page
from routes.alerts import header_count, init_alerts
from routes.api import init_api
from routes.audit import init_audit
from routes.auth import init_auth, init_csp
from routes.cap import init_cap
from routes.citizen import init_citizen
from routes.downloads import init_downloads
from routes.errors import init_errors
from routes.health import header_sign, init_health
from routes.ogc import init_ogc
from routes.open311 import init_open311
from routes.printmap import init_printmap
from routes.staff import init_staff
from routes.statistics import init_statistics
from web.access import current_caller
from web.assets import AssetFiles
from web.compressed import keep_compressed_files
from web.request import LANG_COOKIE, current_language, today


def _index_languages() -> tuple[str, ...]:
    """The languages of the index page: the kiosk's own ``lang`` there (both for ``both``),
    read as the kiosk reads it; else the caller's."""
    if flask.has_request_context() and flask.request.path.rstrip("/") == "/kiosk":
        mode = parse_kiosk_search(flask.request.query_string.decode()).lang
        return LANGUAGES if mode == "both" else (mode,)
    return (current_language(),)


# Our scripts, styles and fonts, linked under names that carry their content's digest and kept
# a year by browsers (web/assets.py); Dash links them as ``/assets/style.css?m=<mtime>``, which
# every visit has to revalidate, one request each.
ASSETS = AssetFiles(Path(__file__).resolve().parent / "assets")
_DASH_ASSET_LINK = re.compile(r'(src|href)="/assets/([^"?]+)\?m=[^"]*"')


def _fingerprinted_links(tags: str) -> str:
    """Dash's <script>/<link> tags with our assets' fingerprinted URLs."""
    return _DASH_ASSET_LINK.sub(lambda m: f'{m[1]}="{ASSETS.url(unquote(m[2]))}"', tags)


def _scripts_for_the_first_paint() -> None:
    """What the page loads with itself, beside what Dash loads by default.

    The date pickers, the drop-downs and the map's GeoJSON layers are lazy chunks of their
    libraries: fetched one after another only once the layout is drawn, under unfingerprinted
    names revalidated on every visit, and the callbacks that fill them wait for them. Listed in
    the page instead (as Dash's ``eager_loading`` would list every chunk, plotly.js too), they
    come with the other scripts, in parallel, kept a year. The DataTable bundle goes: no page
    has a table (it stays servable)."""
    eager = {"dcc/async-datepicker.js", "dcc/async-dropdown.js", "async-GeoJSON.js"}
    for resource in [*dash.dcc._js_dist, *dash_leaflet._js_dist]:
        if resource.get("relative_package_path") in eager:
            resource.pop("async", None)
    for resource in dash.dash_table._js_dist:  # type: ignore[attr-defined]
        if "async" not in resource:  # its lazy chunks are never listed (Dash refuses both)
            resource["dynamic"] = True


_scripts_for_the_first_paint()


class IOCDash(dash.Dash):
    """Dash with the page's language on the <html> element, for screen readers and fonts, and
    the words the page needs before its scripts run: the tab's title (Dash's own ``title`` is one
    string for every caller), its loading text, and the banner that assets/watchdog.js raises
    while it retries a script or callback that failed to load. Our assets are linked under
    fingerprinted names (``ASSETS``)."""

    def interpolate_index(self, *args: Any, **kwargs: Any) -> Any:
        lang = current_language()
        langs = _index_languages()
        kwargs["title"] = t("app.title", lang)
        for key in ("css", "scripts"):
            if key in kwargs:
                kwargs[key] = _fingerprinted_links(kwargs[key])
        loading = " · ".join(t("app.loading", code) for code in langs)
        offline = " · ".join(t("app.reconnecting", code) for code in langs)
        if "app_entry" in kwargs:
            kwargs["app_entry"] = kwargs["app_entry"].replace("Loading...", escape(loading))
        html = super().interpolate_index(*args, **kwargs)
        return html.replace(
            "<html>", f'<html lang="{lang}" data-offline="{escape(offline, quote=True)}">', 1
        )

    def _config(self) -> dict[str, Any]:
        """Dash's page config without the callback check, unless the dev tools are on to show
        what it finds. The renderer checks every callback against the validation layout on
        each page load, dev tools or not: the page's and the kiosk's components walked, 60 kB
        of the page's HTML. Without that layout it would check against the page's own and
        report the kiosk's ids and the chart, which come later, as missing; so it is told
        what ``suppress_callback_exceptions`` tells it."""
        config: dict[str, Any] = super()._config()
        if not self._dev_tools.ui:
            config.pop("validation_layout", None)
            config["suppress_callback_exceptions"] = True
        return config


def _missing_state_is_unset() -> None:
    """A callback request without the State a callback has since gained reads it as unset.

    A page opened before an upgrade added a State (a kiosk or a desk left open for days) still
    sends the callback's old shape, and Dash would fail it whole (an IndexError: 500). A State
    the page does not send is, to the callback, one the page never set: ``None``. Dash reads the
    body Flask has parsed and kept, so it is completed in place."""
    request = flask.request
    if request.method != "POST" or not request.path.endswith("/_dash-update-component"):
        return
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return
    declared = app.callback_map.get(body["output"], {}).get("state", [])
    sent = body.get("state") or []
    if isinstance(sent, list) and len(sent) < len(declared):
        body["state"] = sent + [
            {"id": s["id"], "property": s["property"], "value": None} for s in declared[len(sent) :]
        ]


def serve_layout() -> object:
    """The page in the caller's language, built per request (no per-user state in the process)."""
    # The public kiosk, /kiosk, needs no sign-in: Dash serves its index at any path, and the
    # layout request that follows names the page it came from in its Referer.
    came_from = urlsplit(flask.request.referrer or "") if flask.has_request_context() else None
    if came_from and came_from.path.rstrip("/") == "/kiosk":
        return kiosk_layout(came_from.query)
    settings = get_settings()
    caller = current_caller()
    account = (
        {"name": caller.username, "role": caller.role, "csrf": generate_csrf(),
         "alerts": str(header_count(caller) or 0),
         "backup": "attention" if header_sign(caller) else ""}
        if caller.signed_in
        else None
    )  # fmt: skip
    # The themes switched on travel in the page's URL (the layout request's Referer), so the
    # language switch, which comes back to that URL, keeps them.
    map_layers = [x.info for x in catalogue.on_map()]
    on = layers_from_query(came_from.query if came_from else None, catalogue.themes())
    layout = page(
        current_language(), today(), settings.tile_url, settings.tile_attribution, map_layers,
        account, on,
    )  # fmt: skip
    if came_from is not None:  # a request's layout (not the validation layout built at start)
        callbacks.drilldown.prefill_selection(
            layout, f"?{came_from.query}" if came_from.query else ""
        )
    return layout


app = IOCDash(
    __name__,
    title=t("app.title", "vi"),
    update_title="",
    serve_locally=True,  # every script from this server: IOC rooms and kiosks may be offline
    # The citizens' pages load these themselves (Leaflet alone; the dashboard's map is
    # dash-leaflet's own): Dash must not add them to every dashboard page.
    assets_path_ignore=["^leaflet$", "^citizen$"],
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
# Dash checks the callbacks against one layout: both pages (the kiosk's ids are its own), and
# the chart the page adds once its map is drawn (callbacks/deferred.py).
app.validation_layout = dash.html.Div([serve_layout(), kiosk_layout(None), chart()])  # type: ignore[assignment,list-item]
app.layout = serve_layout
server = app.server
server.before_request(_missing_state_is_unset)
# Fingerprinted names at Dash's own /assets/ route (plain names still work, revalidated).
ASSETS.init_app(server, "_dash_assets.static")
if proxies := get_settings().proxy_count:
    # Behind nginx (scripts/cluster.sh): the client's address, scheme and host as the proxy saw
    # them, so rate limits and the audit log name the client, not the proxy. Only that many
    # hops are believed: an X-Forwarded-For a client writes itself is ignored.
    server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
keep_compressed_files(server)  # before Compress: its cache is read at init
compress = Compress(server)
# Open data goes out as GeoJSON and CSV, which Flask-Compress's default list leaves out.
compress.compress_mimetypes_set |= {"application/geo+json", "text/csv"}
# Refusals are answered by one table (problem+json, a page or text); pages come from templates/.
init_errors(server)
init_auth(server)
init_audit(server)
init_staff(server)
init_downloads(server)
init_printmap(server)
init_ogc(server)
init_open311(server)
init_citizen(server)
init_api(server)
init_statistics(server)
init_alerts(server)
init_health(server)
init_cap(server)
# Dash finishes its set-up (the component libraries whose scripts it serves, the callback map)
# in the first request of each process; gunicorn's other threads then serve scripts and callbacks
# before it is done, and answer 500 (`"dash" is not a registered library`). Do it now, at import,
# before the worker takes any request. Dash skips it afterwards.
with server.test_request_context("/"):
    app._setup_server()
# After every callback is defined: the hashes cover Dash's inline scripts.
init_csp(server, app.csp_hashes())
# What was imported and built so far lives as long as the process. Left to the collector, each of
# its full passes walks all of it (Dash, Plotly, pandas, shapely: about 45 ms on this hardware),
# a stall that lands on whichever request happens to trigger it, every few hundred callbacks.
gc.freeze()


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
