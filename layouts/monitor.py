"""The monitoring parts of the page: layer overlays, legend, choropleth classes, time control,
KPI cards and charts. Pure functions from data to components; colours come from
geodata.indicators so the map, the legend and the KPIs agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_leaflet as dl
import plotly.graph_objects as go
from dash import dcc, html

from geodata import indicators
from geodata.layers import Kpi
from layouts import ids
from layouts.dates import date_picker, hour_picker
from layouts.i18n import fmt_number, t

_JS = "canthoMap."
FACILITY_KINDS = (
    "health_station", "hospital", "primary_school", "lower_secondary_school",
    "upper_secondary_school", "clean_water",
)  # fmt: skip
FACILITY_COLOURS = {
    "hospital": "#c0392b", "health_station": "#e74c3c", "primary_school": "#2874a6",
    "lower_secondary_school": "#5dade2", "upper_secondary_school": "#1a5276",
    "clean_water": "#17a589",
}  # fmt: skip
NO_DATA = "#bfc9ca"
INCIDENT_COLOUR = "#6c3483"
CAMERA_COLOUR = "#34495e"
INUNDATION_COLOUR = "#2e86c1"
DEFAULT_LAYERS = ("flood", "air")  # on when the page opens


def layer_name(layer: str, lang: str) -> str:
    """The label of a theme in the layers control (also how its on/off state comes back)."""
    return t(f"layer.{layer}", lang)


def popup_labels(lang: str) -> dict[str, Any]:
    """Every label the client-side popups need, translated on the server."""
    keys = [
        "water_level", "alerts", "aqi", "dominant", "speed", "free_flow", "depth", "reported",
        "since", "capacity", "uncovered", "severity",
    ]  # fmt: skip
    labels: dict[str, Any] = {k: t(f"popup.{k}", lang) for k in keys}
    labels["no_data"] = t("legend.no_data", lang)
    labels["alert_names"] = [
        a.name_vi if lang == "vi" else a.name_en for a in indicators.FLOOD_ALERT_LEVELS
    ]
    labels["incident"] = {
        k: t(f"incident.{k}", lang) for k in ("collision", "breakdown", "roadworks", "flooded_road")
    }
    labels["facility"] = {k: t(f"facility.{k}", lang) for k in FACILITY_KINDS}
    labels["camera"] = t("legend.camera", lang)
    labels["congestion"] = {
        c.code: (c.name_vi if lang == "vi" else c.name_en) for c in indicators.CONGESTION_CLASSES
    }
    return labels


def layer_hideout(lang: str) -> dict[str, Any]:
    """Colours and labels for the client-side style, point and popup functions."""
    return {
        "lang": "vi-VN" if lang == "vi" else "en-GB",
        "labels": popup_labels(lang),
        "alert_colours": [a.colour for a in indicators.FLOOD_ALERT_LEVELS],
        "aqi_classes": [[c.low, c.high, c.hex] for c in indicators.AQI_CATEGORIES],
        "congestion": [[c.min_ratio, c.colour, c.code] for c in indicators.CONGESTION_CLASSES],
        "facility_colours": FACILITY_COLOURS,
        "no_data": NO_DATA,
    }


def overlays(lang: str) -> list[dl.Overlay]:
    """The four themes, each an overlay of the layers control; data arrives by callbacks."""
    hideout = layer_hideout(lang)

    def geojson(id_: str, **kwargs: Any) -> dl.GeoJSON:
        return dl.GeoJSON(id=id_, hideout=hideout, **kwargs)

    point = {"variable": _JS + "pointToLayer"}
    popup = {"variable": _JS + "bindPopup"}
    return [
        dl.Overlay(
            dl.LayerGroup(
                [
                    geojson(ids.INUNDATION, style={"variable": _JS + "inundationStyle"},
                            onEachFeature=popup),
                    geojson(ids.REPORTS, pointToLayer=point, onEachFeature=popup, cluster=True,
                            superClusterOptions={"radius": 50}),
                    geojson(ids.GAUGES, pointToLayer=point, onEachFeature=popup),
                ]
            ),
            name=layer_name("flood", lang),
            checked="flood" in DEFAULT_LAYERS,
        ),
        dl.Overlay(
            geojson(ids.AIR, pointToLayer=point, onEachFeature=popup),
            name=layer_name("air", lang),
            checked="air" in DEFAULT_LAYERS,
        ),
        dl.Overlay(
            dl.LayerGroup(
                [
                    geojson(ids.TRAFFIC, style={"variable": _JS + "trafficStyle"},
                            onEachFeature=popup),
                    geojson(ids.TRAFFIC_POINTS, pointToLayer=point, onEachFeature=popup,
                            cluster=True, superClusterOptions={"radius": 40}),
                ]
            ),
            name=layer_name("traffic", lang),
            checked="traffic" in DEFAULT_LAYERS,
        ),
        dl.Overlay(
            dl.LayerGroup(
                [
                    geojson(ids.UNDERSERVED, style={"variable": _JS + "underservedStyle"},
                            onEachFeature=popup),
                    geojson(ids.FACILITIES, pointToLayer=point, onEachFeature=popup,
                            cluster=True, superClusterOptions={"radius": 35}),
                ]
            ),
            name=layer_name("services", lang),
            checked="services" in DEFAULT_LAYERS,
        ),
    ]  # fmt: skip


# --- choropleth ------------------------------------------------------------------------------

CHOROPLETH_CLASSES: dict[str, list[tuple[float, str]]] = {
    # (lower bound, colour), ascending. Values below the first bound take the first colour.
    "aqi_max": [(c.low, c.hex) for c in indicators.AQI_CATEGORIES],
    "gauges_above_alert": [(0, "#d6eaf8"), (1, "#f1c40f"), (2, "#e67e22"), (3, "#c0392b")],
    "congested_share": [(0, "#27ae60"), (0.1, "#f1c40f"), (0.25, "#e67e22"), (0.5, "#922b21")],
    "coverage": [(0, "#922b21"), (0.5, "#e67e22"), (0.75, "#f1c40f"), (0.9, "#27ae60")],
}


def choropleth_hideout(indicator: str | None, values: dict[int, float | None]) -> dict[str, Any]:
    """What the units layer's style function needs: each unit's value and the classes."""
    if not indicator:
        return {"indicator": None}
    classes = CHOROPLETH_CLASSES[indicator]
    return {
        "indicator": indicator,
        "values": {str(k): v for k, v in values.items()},
        "breaks": [b for b, _ in classes],
        "colours": [c for _, c in classes],
        "no_data": NO_DATA,
    }


def format_break(indicator: str, value: float, lang: str) -> str:
    if indicator in {"congested_share", "coverage"}:
        return fmt_number(value * 100, lang) + " %"
    return fmt_number(value, lang)


# --- legend -----------------------------------------------------------------------------------


def folds_on_phones(name: str) -> dict[str, Any]:
    """The attribute by which assets/fold.js folds a <details> on a narrow screen; ``name`` keeps
    a user's own unfolding when the server draws the element again."""
    return {"data-fold": name}


def _swatch(colour: str, label: str, shape: str = "box") -> html.Div:
    return html.Div(
        [html.Span(className=f"swatch {shape}", style={"background": colour}), label],
        className="legend-row",
    )


def legend(active: list[str], indicator: str | None, lang: str, reports: bool = True) -> list[Any]:
    """One section per visible theme, plus the choropleth classes: readable at a glance.
    ``reports``: whether citizens' flood reports are drawn (not for the public)."""
    sections: list[Any] = [html.Summary(t("legend.title", lang))]
    if indicator:
        classes = CHOROPLETH_CLASSES[indicator]
        rows = [
            _swatch(colour, "≥ " + format_break(indicator, low, lang))
            for low, colour in classes[1:]
        ]
        first = _swatch(classes[0][1], "< " + format_break(indicator, classes[1][0], lang))
        sections.append(
            html.Div(
                [
                    html.H5(
                        t("legend.choropleth", lang) + ": " + t(f"choropleth.{indicator}", lang)
                    ),
                    first,
                    *rows,
                    _swatch(NO_DATA, t("legend.no_data", lang)),
                ],
                className="legend-section",
            )
        )
    if "flood" in active:
        sections.append(
            html.Div(
                [
                    html.H5(t("legend.flood", lang)),
                    *[
                        _swatch(a.colour, a.name_vi if lang == "vi" else a.name_en, "dot")
                        for a in indicators.FLOOD_ALERT_LEVELS
                    ],
                    _swatch(INUNDATION_COLOUR, t("legend.inundation", lang)),
                    *(
                        [_swatch("#1b4f72", t("legend.report", lang), "dot small")]
                        if reports
                        else []
                    ),
                ],
                className="legend-section",
            )
        )
    if "air" in active:
        sections.append(
            html.Div(
                [
                    html.H5(t("legend.air", lang)),
                    *[
                        _swatch(
                            c.hex,
                            f"{c.low}–{c.high} " + (c.name_vi if lang == "vi" else c.name_en),
                            "dot",
                        )
                        for c in indicators.AQI_CATEGORIES
                    ],
                ],
                className="legend-section",
            )
        )
    if "traffic" in active:
        sections.append(
            html.Div(
                [
                    html.H5(t("legend.traffic", lang)),
                    *[
                        _swatch(c.colour, c.name_vi if lang == "vi" else c.name_en, "line")
                        for c in indicators.CONGESTION_CLASSES
                    ],
                    _swatch(NO_DATA, t("legend.no_data", lang), "line"),
                    _swatch(INCIDENT_COLOUR, t("legend.incident", lang), "dot"),
                    _swatch(CAMERA_COLOUR, t("legend.camera", lang), "dot small"),
                ],
                className="legend-section",
            )
        )
    if "services" in active:
        sections.append(
            html.Div(
                [
                    html.H5(t("layer.services", lang)),
                    *[
                        _swatch(FACILITY_COLOURS[k], t(f"facility.{k}", lang), "dot")
                        for k in FACILITY_KINDS
                    ],
                    _swatch("#e74c3c", t("legend.underserved", lang), "hatch"),
                ],
                className="legend-section",
            )
        )
    # A <details> element, so a phone user can fold the legend away from the map; open as
    # rendered, assets/fold.js folds it as it appears on a narrow screen.
    return [html.Details(sections, open=True, **folds_on_phones("legend"))]


# --- controls ---------------------------------------------------------------------------------


def control_bar(lang: str) -> html.Div:
    """Time control (live or a moment, play 24 h / 7 days) and the choropleth choice, in a block
    that folds away on phones."""
    bar = html.Div(
        [
            dcc.Store(id=ids.TIME, data={"at": None, "play": None}),
            dcc.Store(id=ids.TIME_SYNC),
            dcc.Store(id=ids.SENSOR),
            dcc.Store(id=ids.FLOOD_AIR_SENT),
            dcc.Store(id=ids.TRAFFIC_SENT),
            dcc.Interval(id=ids.REFRESH, interval=60_000),
            dcc.Interval(id=ids.PLAYER, interval=1_500, disabled=True),
            dcc.RadioItems(
                id=ids.TIME_MODE,
                options=[
                    {"label": t("time.live", lang), "value": "live"},
                    {"label": t("time.history", lang), "value": "history"},
                ],
                value="live",
                inline=True,
                className="time-mode",
            ),
            html.Div(
                [
                    date_picker(ids.TIME_DAY, lang, None, "time-day"),
                    hour_picker(ids.TIME_HOUR, lang),
                ],
                className="time-at",
                title=t("time.at", lang),
            ),
            html.Button(t("time.play_24h", lang), id=ids.PLAY_24H, className="btn"),
            html.Button(t("time.play_7d", lang), id=ids.PLAY_7D, className="btn"),
            html.Button(t("time.stop", lang), id=ids.STOP, className="btn"),
            html.Span(id=ids.TIME_LABEL, className="time-label"),
            html.Label(
                [
                    html.Span(t("legend.choropleth", lang)),
                    dcc.Dropdown(
                        id=ids.CHOROPLETH,
                        options=[
                            {"label": t(f"choropleth.{k}", lang), "value": k}
                            for k in (
                                "aqi_max",
                                "gauges_above_alert",
                                "congested_share",
                                "coverage",
                            )
                        ],
                        value="aqi_max",
                        clearable=True,
                        placeholder=t("choropleth.none", lang),
                        className="choropleth-select",
                    ),
                ],
                className="choropleth-control",
            ),
            html.Label(
                [
                    html.Span(t("service.kind", lang)),
                    dcc.Dropdown(
                        id=ids.SERVICE_KIND,
                        options=[
                            {"label": t(f"facility.{k}", lang), "value": k} for k in FACILITY_KINDS
                        ],
                        value="health_station",
                        clearable=False,
                        className="service-select",
                    ),
                ],
                className="choropleth-control",
            ),
        ],
        className="control-bar",
    )
    return _fold_controls(bar, lang)


def _fold_controls(bar: html.Div, lang: str) -> html.Div:
    """Put what a user sees of ``bar`` (not its stores and timers) into a <details>: a row open
    on a wide screen, and on a phone a stack folded under "Điều khiển" that leaves the map its
    room (assets/fold.js folds it by width, assets/style.css hides the summary on wide screens).
    Done on the built bar so that every control added to it lands in the fold."""
    unseen = [c for c in bar.children if isinstance(c, dcc.Store | dcc.Interval)]
    seen = [c for c in bar.children if not isinstance(c, dcc.Store | dcc.Interval)]
    bar.children = [
        *unseen,
        html.Details(
            [html.Summary(t("controls.title", lang)), html.Div(seen, className="controls")],
            open=True,
            className="controls-fold",
            **folds_on_phones("controls"),
        ),
    ]
    return bar


# --- KPIs and charts -------------------------------------------------------------------------


def _change(kpi: Kpi, lang: str, percent: bool = False) -> html.Span | None:
    if kpi.value is None or kpi.previous is None:
        return None
    delta = kpi.value - kpi.previous
    if abs(delta) < 1e-9:
        return html.Span(t("kpi.no_change", lang), className="kpi-change same")
    shown = fmt_number(abs(delta) * (100 if percent else 1), lang) + (" %" if percent else "")
    return html.Span(
        t("kpi.change", lang, sign="▲ " if delta > 0 else "▼ ", value=shown),
        className="kpi-change " + ("up" if delta > 0 else "down"),
    )


def kpi_cards(kpis: list[Kpi], lang: str) -> list[Any]:
    """Cards for the selected unit: each value with its change against 24 hours before."""
    cards: list[Any] = [html.H3(t("kpi.title", lang))]
    by_key = {k.key: k for k in kpis}
    gauges = by_key.get("gauges_above_alert")
    if gauges is not None:
        total = gauges.detail.get("gauges")
        cards.append(
            _card(
                t("kpi.gauges_above_alert", lang),
                fmt_number(gauges.value, lang) if gauges.value is not None else "—",
                t("kpi.gauges_of", lang, n=total) if total else t("legend.no_data", lang),
                _change(gauges, lang),
                indicators.FLOOD_ALERT_LEVELS[min(int(gauges.value or 0), 3)].colour
                if gauges.value
                else None,
            )
        )
    aqi = by_key.get("aqi_max")
    if aqi is not None:
        category = indicators.aqi_category(int(aqi.value)) if aqi.value is not None else None
        where = aqi.detail.get("sensor") or ""
        label = (category.name_vi if lang == "vi" else category.name_en) if category else ""
        cards.append(
            _card(
                t("kpi.aqi_max", lang),
                fmt_number(aqi.value, lang) if aqi.value is not None else "—",
                f"{label} · {where}" if where else t("legend.no_data", lang),
                _change(aqi, lang),
                category.hex if category else None,
            )
        )
    flooded, reports = by_key.get("flooded_km2"), by_key.get("flood_reports")
    if flooded is not None and reports is not None:
        cards.append(
            _card(
                t("kpi.flooded", lang),
                t("unit.km2", lang, value=fmt_number(flooded.value, lang, 2)),
                t("kpi.reports", lang, n=fmt_number(reports.value, lang)),
                _change(flooded, lang),
                INUNDATION_COLOUR if flooded.value else None,
            )
        )
    congested = by_key.get("congested_share")
    if congested is not None:
        measured = congested.detail.get("measured_m")
        cards.append(
            _card(
                t("kpi.congested_share", lang),
                fmt_number(congested.value * 100, lang) + " %"
                if congested.value is not None
                else "—",
                t("kpi.measured", lang, km=fmt_number(measured / 1000, lang, 1))
                if measured
                else t("legend.no_data", lang),
                _change(congested, lang, percent=True),
                None,
            )
        )
    for kpi in kpis:
        if kpi.key.startswith("coverage:"):
            kind = kpi.key.split(":", 1)[1]
            cards.append(
                _card(
                    t("kpi.coverage", lang, kind=t(f"facility.{kind}", lang)),
                    fmt_number(kpi.value * 100, lang) + " %" if kpi.value is not None else "—",
                    "",
                    None,
                    None,
                    small=True,
                )
            )
    return cards


def _card(
    title: str,
    value: str,
    detail: str,
    change: html.Span | None,
    accent: str | None,
    small: bool = False,
) -> html.Div:
    return html.Div(
        [
            html.Div(title, className="kpi-title"),
            html.Div(value, className="kpi-value"),
            html.Div(detail, className="kpi-detail") if detail else None,
            change,
        ],
        className="kpi-card" + (" small" if small else ""),
        style={"borderLeftColor": accent} if accent else None,
    )


def series_figure(
    title: str,
    series: Mapping[str, Sequence[tuple[dt.datetime, float | None]]],
    names: dict[str, str],
    lang: str,
    thresholds: list[tuple[float, str, str]] | None = None,
) -> go.Figure:
    """A line chart of hourly series, with optional horizontal thresholds (alert levels)."""
    figure = go.Figure()
    for key, points in series.items():
        figure.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="lines",
                name=names.get(key, key),
                connectgaps=False,
            )
        )
    for value, label, colour in thresholds or []:
        figure.add_hline(
            y=value, line_dash="dot", line_color=colour, annotation_text=label,
            annotation_position="top left",
        )  # fmt: skip
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        height=260,
        legend={"orientation": "h", "y": -0.2},
        separators=",." if lang == "vi" else ".,",
        font={"family": "Be Vietnam Pro, DejaVu Sans, sans-serif", "size": 11},
        xaxis={"tickformat": "%d/%m\n%H:%M"},
        plot_bgcolor="#fbfcfc",
    )
    return figure
