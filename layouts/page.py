"""The page: header, breadcrumb, map and the side panel of the selected unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import parse_qs, urlencode

import dash_leaflet as dl
from dash import dcc, html

from domain.layers import LayerInfo
from layouts import ids
from layouts.dates import date_picker
from layouts.i18n import t
from layouts.monitor import (
    DEFAULT_LAYERS,
    POINTS_PANE,
    SHAPES_PANE,
    control_bar,
    layer_name,
    overlays,
    themes_of,
)

# Functions in assets/map.js that style and label features on the client.
_JS = "canthoMap."


def layers_from_query(query: str | None, themes: Sequence[str]) -> tuple[str, ...]:
    """The themes (among ``themes``) a page URL switches on (``layers=flood,traffic``;
    ``layers=`` for none), so a reload or the language switch keeps them; the default ones when
    the URL does not say."""
    values = parse_qs(query or "", keep_blank_values=True).get("layers")
    if values is None:
        return DEFAULT_LAYERS
    asked = set(values[0].split(","))
    return tuple(k for k in themes if k in asked)


def language_href(lang: str) -> str:
    """Where the language switch goes: a server route that sets the cookie and comes back."""
    other = "en" if lang == "vi" else "vi"
    return "/lang/" + other


def unit_search(code: str, on_date: dt.date | None = None) -> str:
    """The query string that selects ``code`` (and keeps a non-default date)."""
    params = {"unit": code}
    if on_date is not None:
        params["date"] = on_date.isoformat()
    return "?" + urlencode(params)


def base_map(
    tile_url: str,
    tile_attribution: str,
    lang: str,
    map_layers: Sequence[LayerInfo],
    on: Sequence[str] = DEFAULT_LAYERS,
) -> dl.Map:
    """The Leaflet map: optional base tiles, then our own context (outline, rivers) and units."""
    layers: list = []
    if tile_url:
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, maxZoom=19))
    layers += [
        dl.Pane(
            dl.GeoJSON(
                id=ids.CONTEXT,
                style={"variable": _JS + "contextStyle"},
                interactive=False,
            ),
            name="context",
            style={"zIndex": 390},
        ),
        # The themes' shapes and points draw in panes of their own above the units (Leaflet's
        # overlay pane, z-index 400), whatever order their data arrives in: otherwise a unit's
        # polygon drawn after the stations covers them and a click on a station drills down.
        dl.Pane(name=SHAPES_PANE, style={"zIndex": 410}),
        dl.Pane(name=POINTS_PANE, style={"zIndex": 450}),
        dl.GeoJSON(
            id=ids.UNITS,
            style={"variable": _JS + "unitStyle"},
            hoverStyle={"variable": _JS + "hoverStyle"},
            onEachFeature={"variable": _JS + "labelUnit"},
            attribution=t("map.attribution_none", lang),
            hideout={"indicator": None},
        ),
        dl.LayersControl(
            overlays(lang, map_layers, on),
            id=ids.LAYERS_CONTROL,
            position="topright",
            collapsed=False,
            # The checked overlays, so callbacks know them before the first toggle.
            overlays=[layer_name(k, lang) for k in on],
        ),
        dl.ScaleControl(position="bottomleft", imperial=False),
    ]
    return dl.Map(
        layers,
        id=ids.MAP,
        center=[10.08, 105.55],  # Cần Thơ; replaced by the selected unit's bounds at once
        zoom=10,
        minZoom=8,
        maxZoom=18,
        zoomSnap=0.25,
        className="ioc-map" + ("" if tile_url else " no-tiles"),
    )


def account_box(account: dict[str, str] | None, lang: str) -> html.Div:
    """Who is signed in, with a sign-out button (a POST form with its CSRF token); or a link."""
    if account is None:
        return html.Div(
            [
                html.Span(t("auth.public", lang), className="account-name"),
                html.A(t("auth.sign_in", lang), href="/login", className="lang-switch"),
            ],
            className="account",
        )
    # Officials read the audit log (the server checks again: the link is only a convenience).
    audit_link = (
        [html.A(t("audit.title", lang), href="/audit", className="lang-switch")]
        if account["role"] in ("admin", "official")
        else []
    )
    # Every staff account handles citizens' reports (ward staff those of their units; the
    # server decides what the queue holds).
    queue_link = [html.A(t("staff.title", lang), href="/xu-ly", className="lang-switch")]
    # The firing alerts in their scope, counted by the server when the page was built.
    firing = int(account.get("alerts") or 0)
    alerts_link = [
        html.A(
            t("alerts.header", lang, n=firing) if firing else t("alerts.title", lang),
            href="/canh-bao",
            className="lang-switch" + (" alerts-firing" if firing else ""),
        )
    ]
    # Officials' sign of backups too old or WAL archiving not keeping up (the server decides
    # who gets it, routes/health.py); it opens the system's health page.
    backup_sign = (
        [
            html.A(
                t("health.header_sign", lang),
                href="/he-thong/sao-luu",
                className="lang-switch alerts-firing backup-sign",
            )
        ]
        if account.get("backup") == "attention"
        else []
    )
    return html.Div(
        [
            html.Span(
                f"{account['name']} · {t('role.' + account['role'], lang)}",
                className="account-name",
            ),
            *backup_sign,
            *alerts_link,
            *queue_link,
            *audit_link,
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=account["csrf"]),
                    html.Button(t("auth.sign_out", lang), type="submit", className="lang-switch"),
                ],
                action="/logout",
                method="post",
            ),
        ],
        className="account",
    )


def chart() -> dcc.Graph:
    """The selected unit's or station's chart. Not in the first layout: a Graph loads plotly.js
    (1.4 MB compressed, 4.6 MB of script to run) as it mounts, and that delayed the map's
    units by as long; it is put in its box once they are drawn."""
    return dcc.Graph(
        id=ids.CHART, config={"displaylogo": False, "responsive": True}, className="chart"
    )


def page(
    lang: str,
    today: dt.date,
    tile_url: str,
    tile_attribution: str,
    map_layers: Sequence[LayerInfo],
    account: dict[str, str] | None = None,
    layers_on: Sequence[str] = DEFAULT_LAYERS,
) -> html.Div:
    """The whole page for ``lang``; data arrives through callbacks keyed on the URL.
    ``map_layers``: the layer catalogue's map layers (every one gets its component, whoever
    asks: the callbacks decide what data each caller gets); ``layers_on``: the themes switched
    on when it opens (from its URL)."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.VIEW_SYNC),
            dcc.Store(id=ids.MAP_FIT),
            dcc.Store(id=ids.PREFILLED),
            dcc.Store(id=ids.NAV_SYNC),
            dcc.Store(
                id=ids.LAYER_KEYS, data={layer_name(k, lang): k for k in themes_of(map_layers)}
            ),
            dcc.Store(id=ids.LAYERS_SYNC),
            html.Header(
                [
                    html.Div(
                        [
                            html.H1(t("app.title", lang)),
                            html.P(t("app.subtitle", lang), className="subtitle"),
                        ],
                        className="titles",
                    ),
                    html.Span(
                        t("demo.badge", lang),
                        id=ids.DEMO_BADGE,
                        title=t("demo.hint", lang),
                        className="demo-badge",
                        hidden=True,
                    ),
                    html.Label(
                        [
                            html.Span(t("date.label", lang)),
                            date_picker(ids.DATE, lang, today.isoformat(), "date-input"),
                        ],
                        className="date-control",
                        # Two dates on one page: this one is the boundaries', not the data's.
                        title=t("date.hint", lang),
                    ),
                    html.A(
                        t("lang.switch", lang), href=language_href(lang), className="lang-switch"
                    ),
                    account_box(account, lang),
                ],
                className="topbar",
            ),
            html.Nav(id=ids.BREADCRUMB, className="breadcrumb"),
            control_bar(lang),
            html.Main(
                [
                    html.Div(
                        [
                            base_map(tile_url, tile_attribution, lang, map_layers, layers_on),
                            html.Div(id=ids.LEGEND, className="legend"),
                        ],
                        className="map-wrap",
                    ),
                    html.Aside(
                        [
                            html.Div(id=ids.PANEL),
                            html.Div(id=ids.KPIS, className="kpis"),
                            html.Section(id=ids.REPORT_FIGURES, className="report-figures"),
                            # Empty until the map has its units: the chart's Graph loads
                            # plotly.js as it mounts (callbacks/deferred.py puts it here).
                            html.Div(id=ids.CHART_BOX, className="chart-box"),
                            html.Div(id=ids.CHILDREN),
                            html.Div(id=ids.DOWNLOADS, className="download-box"),
                        ],
                        className="panel",
                    ),
                ],
                className="content",
            ),
        ],
        id=ids.PAGE,
        className="page",
        lang=lang,
    )
