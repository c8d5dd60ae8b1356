"""The public kiosk page (/kiosk): a lobby screen (1920 × 1080) read from three metres.

One map that turns through the city and its districts, a big title with the unit and the layer,
key figures, the legend, a clock and the time of the last update. Nothing on it needs a keyboard
or a mouse: the map cannot be dragged or zoomed and there are no controls. Pure functions from
data to components; callbacks/kiosk.py fills them in at every step.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from layouts import ids
from layouts.i18n import t
from layouts.monitor import layer_hideout, legend

# Functions in assets/map.js that style and label features on the client: the main map's own.
_JS = "canthoMap."


def kiosk_map(tile_url: str, tile_attribution: str) -> dl.Map:
    """A map that only the schedule moves: context, units, and one GeoJSON layer per part."""
    # Colours only (the popup labels in it are unused here), so one language serves every step.
    hideout = layer_hideout("vi")
    # Points and roads: the main map's own styles, larger (assets/kiosk.js).
    point = {"variable": "canthoKiosk.pointToLayer"}

    def part(id_: str, **style: Any) -> dl.GeoJSON:
        return dl.GeoJSON(id=id_, hideout=hideout, interactive=False, **style)

    layers: list[Any] = []
    if tile_url:
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, maxZoom=19))
    layers += [
        dl.Pane(
            dl.GeoJSON(
                id=ids.KIOSK_CONTEXT, style={"variable": _JS + "contextStyle"}, interactive=False
            ),
            name="kiosk-context",
            style={"zIndex": 390},
        ),
        dl.GeoJSON(
            id=ids.KIOSK_UNITS,
            style={"variable": _JS + "unitStyle"},
            onEachFeature={"variable": _JS + "labelUnit"},
            attribution=t("map.attribution_none", "vi"),
            hideout={"indicator": None},
            interactive=False,
        ),
        part(ids.KIOSK_INUNDATION, style={"variable": _JS + "inundationStyle"}),
        part(ids.KIOSK_TRAFFIC, style={"variable": "canthoKiosk.trafficStyle"}),
        part(ids.KIOSK_FACILITIES, pointToLayer=point),
        part(ids.KIOSK_GAUGES, pointToLayer=point),
        part(ids.KIOSK_AIR, pointToLayer=point),
    ]
    return dl.Map(
        layers,
        id=ids.KIOSK_MAP,
        center=[10.08, 105.55],  # Cần Thơ; each step fits its unit's bounds
        zoom=10,
        zoomSnap=0.1,
        # Nobody can touch a lobby screen's map: no controls, no gestures, no keys.
        zoomControl=False,
        dragging=False,
        scrollWheelZoom=False,
        doubleClickZoom=False,
        touchZoom=False,
        boxZoom=False,
        keyboard=False,
        trackViewport=False,
        className="kiosk-map" + ("" if tile_url else " no-tiles"),
    )


def kiosk_page(rotate: int, tile_url: str, tile_attribution: str) -> html.Div:
    """The whole kiosk page; ``rotate`` is the seconds each step stays on screen."""
    return html.Div(
        [
            dcc.Location(id=ids.KIOSK_URL, refresh=False),
            dcc.Store(id=ids.KIOSK_CONFIG, data={"rotate": rotate}),
            dcc.Store(id=ids.KIOSK_STEP),
            dcc.Store(id=ids.KIOSK_LAST_GOOD),
            # Re-aimed by assets/kiosk.js at just after each step boundary (see there).
            dcc.Interval(id=ids.KIOSK_TICK, interval=rotate * 1000),
            html.Header(
                [
                    html.Div(id=ids.KIOSK_UNIT, className="kiosk-titles"),
                    html.Div(id=ids.KIOSK_LAYER, className="kiosk-layer"),
                    # Written every second by assets/kiosk.js, not by Dash: the clock keeps
                    # going when the server does not answer.
                    html.Div(
                        [html.Div(className="kiosk-time"), html.Div(className="kiosk-date")],
                        className="kiosk-clock",
                    ),
                ],
                className="kiosk-bar",
            ),
            html.Main(
                [
                    html.Div(
                        [
                            kiosk_map(tile_url, tile_attribution),
                            html.Div(id=ids.KIOSK_BANNER, className="kiosk-banner", hidden=True),
                        ],
                        className="kiosk-map-wrap",
                    ),
                    html.Aside(
                        [
                            html.Div(id=ids.KIOSK_KPIS, className="kiosk-kpis"),
                            html.Div(id=ids.KIOSK_LEGEND, className="kiosk-legend"),
                        ],
                        className="kiosk-side",
                    ),
                ],
                className="kiosk-main",
            ),
            html.Footer(id=ids.KIOSK_STATUS, className="kiosk-foot"),
        ],
        id=ids.KIOSK_PAGE,
        className="kiosk",
        lang="vi",
    )


def unit_title(name: str, unit_type: str) -> list[Any]:
    """The unit in the title bar: its name, large, and its type."""
    return [html.H1(name, className="kiosk-unit"), html.P(unit_type, className="kiosk-unit-type")]


def status_line(updated: str, data_hour: str, is_demo: bool, lang: str) -> list[Any]:
    """The foot of the screen: when the data last arrived, which hour it shows, the source."""
    return [
        html.Span(updated, className="kiosk-updated"),
        html.Span(data_hour, className="kiosk-data-hour"),
        html.Span(t("demo.badge", lang), className="demo-badge kiosk-demo") if is_demo else None,
        html.Span(t("app.subtitle", lang), className="kiosk-source"),
    ]


def kiosk_legend(layer: str, lang: str, not_drawn: set[str]) -> list[Any]:
    """The main page's legend for one layer, open, without the rows of what is not drawn."""
    details = legend([layer], None, lang)[0]
    summary, *sections = details.children
    for section in sections:
        section.children = [row for row in section.children if _row_label(row) not in not_drawn]
    return [html.H3(summary.children), *sections]


def _row_label(component: Any) -> str | None:
    """The text of a legend row (a swatch, then its label); None for anything else."""
    if getattr(component, "className", None) != "legend-row":
        return None
    label = component.children[-1]
    return label if isinstance(label, str) else None
