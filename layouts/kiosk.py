"""The public kiosk page (/kiosk): a lobby screen (1920 × 1080) read from three metres.

One map that turns through the city and its districts, a big title with the unit and the layer,
key figures, the legend, a clock and the time of the last update. Nothing on it needs a keyboard
or a mouse: the map cannot be dragged or zoomed and there are no controls. Pure functions from
data to components; callbacks/kiosk.py fills them in at every step.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash.development.base_component import Component

from domain.layers import LayerInfo
from layouts import ids
from layouts.i18n import t
from layouts.monitor import layer_hideout, legend

# Functions in assets/map.js that style and label features on the client: the main map's own.
_JS = "canthoMap."


def kiosk_map(
    frame: str, tile_url: str, tile_attribution: str, parts: Sequence[LayerInfo]
) -> dl.Map:
    """A map that only the schedule moves: context, units, and one GeoJSON layer per part. The
    map of each frame fits itself to its units once they are drawn (assets/kiosk.js)."""
    # Colours only (the popup labels in it are unused here), so one language serves every step.
    hideout = layer_hideout("vi")
    # Points and roads: the main map's own styles, larger (assets/kiosk.js).
    point = {"variable": "canthoKiosk.pointToLayer"}

    def in_frame(id_: str) -> str:
        return ids.kiosk_frame(id_, frame)

    def part(info: LayerInfo) -> dl.GeoJSON:
        style: dict[str, Any] = {}
        if info.geometry == "point":
            style["pointToLayer"] = point
        elif info.map and info.map.kiosk_style:  # the kiosk's own (thicker roads)
            style["style"] = {"variable": "canthoKiosk." + info.map.kiosk_style}
        elif info.map and info.map.style:  # else the main map's
            style["style"] = {"variable": _JS + info.map.style}
        return dl.GeoJSON(id=in_frame(info.kiosk_id), hideout=hideout, interactive=False, **style)

    layers: list[Any] = []
    if tile_url:
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, maxZoom=19))
    layers += [
        dl.Pane(
            dl.GeoJSON(
                id=in_frame(ids.KIOSK_CONTEXT),
                style={"variable": _JS + "contextStyle"},
                interactive=False,
            ),
            name="kiosk-context",
            style={"zIndex": 390},
        ),
        dl.GeoJSON(
            id=in_frame(ids.KIOSK_UNITS),
            style={"variable": _JS + "unitStyle"},
            onEachFeature={"variable": "canthoKiosk.eachUnit"},
            attribution=t("map.attribution_none", "vi"),
            hideout={"indicator": None},
            interactive=False,
        ),
        # Areas and lines under points, each theme's in the map's order.
        *(part(x) for x in sorted(parts, key=lambda x: x.geometry == "point")),
    ]
    return dl.Map(
        layers,
        id=in_frame(ids.KIOSK_MAP),
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
        # Nothing fades or glides: a removed label would linger, fading, over the next step.
        fadeAnimation=False,
        zoomAnimation=False,
        className=f"kiosk-map kiosk-frame {frame}" + ("" if tile_url else " no-tiles"),
    )


def kiosk_page(
    rotate: int, lang: str, tile_url: str, tile_attribution: str, drawn: Sequence[LayerInfo]
) -> html.Div:
    """The whole kiosk page; ``rotate`` is the seconds each step stays on screen, ``lang`` the
    language mode ("vi", "en" or "both").

    Everything a step changes exists twice, in frames a and b: the next step is drawn into the
    frame not on screen, and the two swap (a cross-fade) once its map is drawn and fitted, so the
    screen never shows a step half-drawn. Which frame is on screen is the page's class.
    """

    def frames(id_: str, class_name: str) -> html.Div:
        """One slot of the screen: the element in both frames, on top of each other."""
        return html.Div(
            [
                html.Div(id=ids.kiosk_frame(id_, f), className=f"{class_name} kiosk-frame {f}")
                for f in ids.KIOSK_FRAMES
            ],
            className="kiosk-slot",
        )

    def framed(parts: list[tuple[str, str]], frame_class: str) -> html.Div:
        """One slot of the screen holding, in each frame, a step's elements ``parts`` (id and
        class), the two frames on top of each other."""
        return html.Div(
            [
                html.Div(
                    [html.Div(id=ids.kiosk_frame(id_, f), className=c) for id_, c in parts],
                    className=f"{frame_class} kiosk-frame {f}",
                )
                for f in ids.KIOSK_FRAMES
            ],
            className="kiosk-slot",
        )

    return html.Div(
        [
            dcc.Location(id=ids.KIOSK_URL, refresh=False),
            dcc.Store(id=ids.KIOSK_CONFIG, data={"rotate": rotate}),
            dcc.Store(id=ids.KIOSK_STEP),
            dcc.Store(id=ids.KIOSK_SHOWN),
            dcc.Store(id=ids.KIOSK_LAST_GOOD),
            # Re-aimed by assets/kiosk.js at just after each step boundary (see there).
            dcc.Interval(id=ids.KIOSK_TICK, interval=rotate * 1000),
            # Public warnings in force (flood from Báo động II, air "Xấu" or worse): above
            # every step, whatever it shows, until they are over.
            html.Div(id=ids.KIOSK_WARNINGS, className="kiosk-warnings", hidden=True),
            html.Header(
                [
                    framed(
                        [(ids.KIOSK_UNIT, "kiosk-titles"), (ids.KIOSK_LAYER, "kiosk-layer")],
                        "kiosk-head",
                    ),
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
                            *(
                                kiosk_map(f, tile_url, tile_attribution, drawn)
                                for f in ids.KIOSK_FRAMES
                            ),
                            html.Div(id=ids.KIOSK_BANNER, className="kiosk-banner", hidden=True),
                        ],
                        className="kiosk-map-wrap",
                    ),
                    html.Aside(
                        [
                            framed(
                                [
                                    (ids.KIOSK_KPIS, "kiosk-kpis"),
                                    (ids.KIOSK_LEGEND, "kiosk-legend"),
                                ],
                                "kiosk-side-frame",
                            )
                        ],
                        className="kiosk-side",
                    ),
                ],
                className="kiosk-main",
            ),
            html.Footer(frames(ids.KIOSK_STATUS, "kiosk-status"), className="kiosk-foot"),
        ],
        id=ids.KIOSK_PAGE,
        className="kiosk",
        # The clock's date follows it (assets/kiosk.js); "both" shows it in both languages.
        lang="en" if lang == "en" else "vi",
        **_data(lang=lang),
    )


def _data(**attributes: str) -> dict[str, Any]:
    """HTML data-* attributes, as Dash takes them."""
    return {f"data-{name}": value for name, value in attributes.items()}


def bilingual(vi: Any, en: Any) -> Any:
    """One component tree from the same tree built in Vietnamese and in English, for a screen
    read by both at once. Where the two texts differ, both, Vietnamese first (styled by
    kiosk.css); where they agree (names, times) or differ only in how a figure is written
    ("0,25 km²", "0.25 km²"), once, the Vietnamese way."""
    if isinstance(vi, str) and isinstance(en, str):
        if vi == en or _FIGURES.sub("", vi) == _FIGURES.sub("", en):
            return vi
        return html.Span(
            [html.Span(vi, lang="vi", className="vi"), html.Span(en, lang="en", className="en")],
            className="bi",
        )
    if isinstance(vi, list | tuple) and isinstance(en, list | tuple) and len(vi) == len(en):
        return [bilingual(v, e) for v, e in zip(vi, en, strict=True)]
    if isinstance(vi, Component) and type(vi) is type(en):
        merged = copy.copy(vi)
        if getattr(vi, "children", None) is not None:
            merged.children = bilingual(vi.children, getattr(en, "children", None))
        return merged
    return vi if vi == en else [vi, en]  # a shape the two languages do not share: both


# Digits and what writes them (separators, spaces): what a figure's two spellings differ in.
_FIGURES = re.compile(r"[\d.,\s\u00a0\u202f]")


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


def kiosk_legend(parts: Sequence[LayerInfo], lang: str) -> list[Any]:
    """The main page's legend for the layers one step draws, open."""
    details = legend(parts, None, lang)[0]
    summary, *sections = details.children
    return [html.H3(summary.children), *sections]
