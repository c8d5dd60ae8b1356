"""The monitoring parts of the page: layer overlays, legend, choropleth classes, time control,
KPI cards and charts. Pure functions from data to components; colours come from
domain.indicators so the map, the legend and the KPIs agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from domain import indicators, reports
from domain.clock import CITY_TZ
from domain.facilities import FACILITY_KINDS
from domain.kpi import Kpi
from domain.layers import LayerInfo, MapStyle
from domain.names import localised
from layouts import ids
from layouts.dates import date_picker, hour_picker
from layouts.i18n import fmt_moment, fmt_number, t

_JS = "canthoMap."
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
# Map panes (made in layouts.page.base_map) for the themes' areas and lines, and for their points:
# points above areas above the units, on every load.
SHAPES_PANE = "theme-shapes"
POINTS_PANE = "theme-points"


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
    labels["alert_names"] = [localised(a, lang) for a in indicators.FLOOD_ALERT_LEVELS]
    labels["incident"] = {
        k: t(f"incident.{k}", lang) for k in ("collision", "breakdown", "roadworks", "flooded_road")
    }
    labels["facility"] = {k: t(f"facility.{k}", lang) for k in FACILITY_KINDS}
    labels["camera"] = t("legend.camera", lang)
    labels["report_status"] = {k: t(f"report.status.{k}", lang) for k in reports.STATUSES}
    labels["resolution"] = {
        k: t(f"report.resolution.{k}", lang) for k in (*reports.RESOLUTIONS, reports.DUPLICATE)
    }
    labels |= {k: t(f"popup.{k}", lang) for k in ("code", "description", "supporters", "track")}
    labels["congestion"] = {c.code: localised(c, lang) for c in indicators.CONGESTION_CLASSES}
    labels["forecast"] = t("chart.forecast", lang)
    labels["forecast_reaches"] = t("popup.forecast_reaches", lang)
    labels["forecast_below"] = t("popup.forecast_below", lang)
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


def themes_of(map_layers: Sequence[LayerInfo]) -> list[str]:
    """The themes of these layers, in the order of their first layer."""
    return list(dict.fromkeys(x.theme for x in map_layers if x.theme))


def _draw_order(info: LayerInfo) -> tuple[bool, int]:
    """Areas and lines under points, then the layer's own order."""
    return info.geometry == "point", info.map.draw_order if info.map else 0


def overlays(
    lang: str, map_layers: Sequence[LayerInfo], on: Sequence[str] = DEFAULT_LAYERS
) -> list[dl.Overlay]:
    """One overlay of the layers control per theme of the catalogue's map layers (``on``: those
    switched on), each a group of the theme's layers; data arrives by callbacks."""
    hideout = layer_hideout(lang)
    point = {"variable": _JS + "pointToLayer"}
    popup = {"variable": _JS + "bindPopup"}
    cluster = {"variable": _JS + "clusterToLayer"}  # neutral bubbles, not AQI-like colours

    def geojson(info: LayerInfo) -> dl.GeoJSON:
        style = info.map or MapStyle()
        options: dict[str, Any] = {"onEachFeature": popup}
        if info.geometry == "point":
            # Points in the points pane (canthoMap.pointToLayer reads it), the rest below.
            options |= {"pointToLayer": point, "pane": POINTS_PANE}
            if style.cluster_radius:
                options |= {"cluster": True, "clusterToLayer": cluster,
                            "superClusterOptions": {"radius": style.cluster_radius}}  # fmt: skip
        else:
            options |= {"pane": SHAPES_PANE}
            if style.style:
                options["style"] = {"variable": _JS + style.style}
        return dl.GeoJSON(id=info.map_id, hideout=hideout, **options)

    groups = []
    for theme in themes_of(map_layers):
        members = sorted((x for x in map_layers if x.theme == theme), key=_draw_order)
        parts = [geojson(x) for x in members]
        groups.append(
            dl.Overlay(
                dl.LayerGroup(parts),
                name=layer_name(theme, lang),
                checked=theme in on,
            )
        )
    return groups


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


# What a unit without a value lacks: a ward with no station in it is not "no data" to an
# official, who would otherwise read a grey city as a broken map.
_NO_VALUE = {
    "aqi_max": "legend.no_air_station",
    "gauges_above_alert": "legend.no_gauge",
    "congested_share": "legend.no_measured_road",
}
STATION_INDICATORS = ("aqi_max", "gauges_above_alert")  # read from stations inside the unit


def no_value_label(indicator: str, lang: str) -> str:
    """The legend's entry for units the indicator has no value for, saying why."""
    return t(_NO_VALUE.get(indicator, "legend.no_data"), lang)


def choropleth_title(indicator: str, lang: str, kind: str | None = None) -> str:
    """The choropleth's heading, naming the service for coverage (one kind at a time)."""
    if indicator == "coverage" and kind in FACILITY_KINDS:
        what = t("legend.coverage_of", lang, kind=t(f"facility.{kind}", lang))
    else:
        what = t(f"choropleth.{indicator}", lang)
    return t("legend.choropleth", lang) + ": " + what


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


# The heading of a theme's legend section (another theme: its name in the layers control).
_THEME_TITLES = {"flood": "legend.flood", "air": "legend.air", "traffic": "legend.traffic"}
_SWATCH_SHAPES = {"point": "dot", "line": "line", "area": "box"}


def _legend_rows(info: LayerInfo, lang: str, kind: str | None) -> list[html.Div]:
    """A layer's rows in the legend: the classes it is coloured by, or its own swatch."""
    match info.name:
        case "gauges":
            return [_swatch(a.colour, localised(a, lang), "dot")
                    for a in indicators.FLOOD_ALERT_LEVELS]  # fmt: skip
        case "inundation":
            return [_swatch(INUNDATION_COLOUR, t("legend.inundation", lang))]
        case "reports":
            return [_swatch("#1b4f72", t("legend.report", lang), "dot small")]
        case "air":
            return [_swatch(c.hex, f"{c.low}–{c.high} " + localised(c, lang), "dot")
                    for c in indicators.AQI_CATEGORIES]  # fmt: skip
        case "roads":
            return [
                *(_swatch(c.colour, localised(c, lang), "line")
                  for c in indicators.CONGESTION_CLASSES),
                _swatch(NO_DATA, t("legend.no_data", lang), "line"),
            ]  # fmt: skip
        case "incidents":
            return [_swatch(INCIDENT_COLOUR, t("legend.incident", lang), "dot"),
                    _swatch(CAMERA_COLOUR, t("legend.camera", lang), "dot small")]  # fmt: skip
        case "facilities":
            # The map shows one kind at a time.
            return [_swatch(FACILITY_COLOURS[k], t(f"facility.{k}", lang), "dot")
                    for k in FACILITY_KINDS if kind not in FACILITY_KINDS or k == kind]  # fmt: skip
        case "citizen-reports":
            return [
                _swatch(reports.STATUS_COLOURS[k], t(f"report.status.{k}", lang), "dot")
                for k in reports.STATUSES
            ]
        case "underserved":
            label = (
                t("legend.underserved_of", lang, kind=t(f"facility.{kind}", lang))
                if kind in FACILITY_KINDS
                else t("legend.underserved", lang)
            )
            return [_swatch("#e74c3c", label, "hatch")]
    if info.style is None:
        return []
    return [_swatch(info.style.colour, t(info.label, lang), _SWATCH_SHAPES[info.geometry])]


def legend(
    shown: Sequence[LayerInfo],
    indicator: str | None,
    lang: str,
    kind: str | None = None,
) -> list[Any]:
    """One section per theme of the layers ``shown`` (those switched on that the caller may
    see), plus the choropleth classes: readable at a glance. ``kind``: the facility kind the
    services layer and the coverage colouring show."""
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
                    html.H5(choropleth_title(indicator, lang, kind)),
                    first,
                    *rows,
                    _swatch(NO_DATA, no_value_label(indicator, lang)),
                    *(
                        [html.P(t("legend.station_note", lang), className="legend-note")]
                        if indicator in STATION_INDICATORS
                        else []
                    ),
                ],
                className="legend-section",
            )
        )
    for theme in themes_of(shown):
        rows = [row for x in shown if x.theme == theme for row in _legend_rows(x, lang, kind)]
        title = t(_THEME_TITLES[theme], lang) if theme in _THEME_TITLES else layer_name(theme, lang)
        if rows:
            sections.append(html.Div([html.H5(title), *rows], className="legend-section"))
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
            dcc.Store(id=ids.TIME_SHOWN),
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


def _change(kpi: Kpi, lang: str, percent: bool = False, decimals: int = 0) -> html.Span | None:
    if kpi.value is None or kpi.previous is None:
        return None
    delta = kpi.value - kpi.previous
    size = fmt_number(abs(delta) * (100 if percent else 1), lang, decimals)
    # A change that rounds to nothing as written is no change to the reader ("▼ 0" is noise).
    if size == fmt_number(0, lang, decimals):
        return html.Span(t("kpi.no_change", lang), className="kpi-change same")
    shown = size + (" %" if percent else "")
    return html.Span(
        t("kpi.change", lang, sign="▲ " if delta > 0 else "▼ ", value=shown),
        className="kpi-change " + ("up" if delta > 0 else "down"),
    )


def kpi_cards(kpis: list[Kpi], lang: str, stations: Mapping[str, int] | None = None) -> list[Any]:
    """Cards for the selected unit: each value with its change against 24 hours before.
    ``stations`` counts, where the caller knows it, the stations behind a figure (by key): a
    figure without any says so rather than "no data yet", which no data will ever follow."""

    def no_data(key: str) -> str:
        none_here = stations is not None and stations.get(key) == 0
        return t("kpi.no_station" if none_here else "legend.no_data", lang)

    cards: list[Any] = [html.H3(t("kpi.title", lang))]
    by_key = {k.key: k for k in kpis}
    gauges = by_key.get("gauges_above_alert")
    if gauges is not None:
        total = gauges.detail.get("gauges")
        accent = (
            indicators.FLOOD_ALERT_LEVELS[min(int(gauges.value or 0), 3)].colour
            if gauges.value
            else None
        )
        ahead, extra = by_key.get("gauges_forecast_alert"), None
        if ahead is not None and ahead.value and ahead.detail.get("at"):
            # Decide before the flood: the gauges forecast to reach II or III within 48 h.
            level = indicators.FLOOD_ALERT_LEVELS[int(ahead.detail["level"])]
            when = dt.datetime.fromisoformat(str(ahead.detail["at"])).astimezone(CITY_TZ)
            extra = html.Div(
                t("kpi.forecast_alert", lang, n=fmt_number(ahead.value, lang),
                  level=localised(level, lang), time=fmt_moment(when, lang)),
                className="kpi-forecast", style={"borderLeftColor": level.colour},
            )  # fmt: skip
            if int(ahead.detail["level"]) > int(gauges.value or 0):
                accent = level.colour
        cards.append(
            _card(
                t("kpi.gauges_above_alert", lang),
                fmt_number(gauges.value, lang) if gauges.value is not None else "—",
                t(
                    "kpi.gauges_of_one" if total == 1 else "kpi.gauges_of",
                    lang,
                    n=fmt_number(total, lang),
                )
                if total
                else no_data(gauges.key),
                _change(gauges, lang),
                accent,
                extra=extra,
            )
        )
    aqi = by_key.get("aqi_max")
    if aqi is not None:
        category = indicators.aqi_category(int(aqi.value)) if aqi.value is not None else None
        where = aqi.detail.get("sensor") or ""
        label = localised(category, lang) if category else ""
        cards.append(
            _card(
                t("kpi.aqi_max", lang),
                fmt_number(aqi.value, lang) if aqi.value is not None else "—",
                f"{label} · {where}" if where else no_data(aqi.key),
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
                _change(flooded, lang, decimals=2),
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
    extra: html.Div | None = None,
) -> html.Div:
    return html.Div(
        [
            html.Div(title, className="kpi-title"),
            html.Div(value, className="kpi-value"),
            html.Div(detail, className="kpi-detail") if detail else None,
            change,
            extra,
        ],
        className="kpi-card" + (" small" if small else ""),
        style={"borderLeftColor": accent} if accent else None,
    )


def plotly_text(text: str) -> str:
    """Text for a Plotly title, legend or annotation, shown as written: Plotly reads a subset of
    HTML there (<b>, <a href>, <br>…) and a station's or unit's name comes from a file. Plotly
    decodes &amp; &lt; &gt; back, and knows no &quot;, so quotes stay as they are."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


Figure = dict[str, Any]

# The vertical gap between stacked charts, as a share of the plot's height.
_ROW_GAP = 0.12


def _axis(name: str, row: int) -> str:
    """A subplot's axis id as a trace names it: x, x2, x3… (row 1 has no number)."""
    return name if row == 1 else f"{name}{row}"


def series_figure(
    title: str,
    series: Mapping[str, Sequence[tuple[dt.datetime, float | None]]],
    names: dict[str, str],
    lang: str,
    thresholds: list[tuple[float, str, str]] | None = None,
    units: Mapping[str, str] | None = None,
) -> Figure:
    """A line chart of hourly series, with optional horizontal thresholds (alert levels).

    With ``units`` (series → its unit), each series gets its own small chart and scale on a
    shared time axis: VN_AQI (0–160), a share and a count on one axis flatten all but one.

    Built as the plain figure Plotly.js reads, not with ``plotly.graph_objects``: validating
    every property took over half of the chart callback's time (measured: 58 ms of 97).
    """
    keys = list(series)
    stacked = units is not None and len(keys) > 1
    rows = len(keys) if stacked else 1
    height = (1 - _ROW_GAP * (rows - 1)) / rows
    tick_format = t("chart.tick_format", lang)  # 30/11 on the Vietnamese page, 30 Nov on English
    layout: dict[str, Any] = {"annotations": [], "shapes": []}
    for row in range(1, rows + 1):
        top = 1 - (row - 1) * (height + _ROW_GAP)
        x, y = _axis("x", row), _axis("y", row)
        layout[_axis("xaxis", row)] = {"anchor": y, "tickformat": tick_format}
        layout[_axis("yaxis", row)] = {"anchor": x, "domain": [max(0.0, top - height), top]}
        if rows > 1:
            # One time axis: every row moves with the bottom one, which alone shows its ticks.
            layout[_axis("xaxis", row)].update(matches=_axis("x", rows), showticklabels=row == rows)
            key = keys[row - 1]
            heading = f"{names.get(key, key)} ({units[key]})" if units and units.get(key) else None
            layout["annotations"].append({
                "text": plotly_text(heading or names.get(key, key)), "x": 0, "xanchor": "left",
                "xref": "paper", "y": top, "yanchor": "bottom", "yref": "paper",
                "showarrow": False, "font": {"size": 11},
            })  # fmt: skip
    data: list[dict[str, Any]] = [
        {
            "type": "scatter", "x": [p[0] for p in series[key]], "y": [p[1] for p in series[key]],
            "mode": "lines", "name": plotly_text(names.get(key, key)), "connectgaps": False,
            "xaxis": _axis("x", row if stacked else 1), "yaxis": _axis("y", row if stacked else 1),
        }
        for row, key in enumerate(keys, start=1)
    ]  # fmt: skip
    for value, label, colour in thresholds or []:
        # The line across the plot, named in the legend: labels on the lines would overlap,
        # alert levels lie a few centimetres apart.
        for row in range(1, rows + 1):
            layout["shapes"].append({
                "type": "line", "x0": 0, "x1": 1, "xref": f"{_axis('x', row)} domain",
                "y0": value, "y1": value, "yref": _axis("y", row),
                "line": {"dash": "dot", "color": colour},
            })  # fmt: skip
        data.append({
            "type": "scatter", "x": [None], "y": [None], "mode": "lines",
            "name": plotly_text(label), "line": {"dash": "dot", "color": colour},
            "hoverinfo": "skip",
        })  # fmt: skip
    if units and not stacked and keys and units.get(keys[0]):
        layout["yaxis"]["title"] = {"text": units[keys[0]]}
    layout.update(
        # Left-aligned and below the row of the chart's toolbar (top right), not under it.
        title={"text": plotly_text(title), "font": {"size": 14}, "x": 0, "xanchor": "left",
               "xref": "paper", "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 30}},
        margin={"l": 40, "r": 10, "t": 64, "b": 30},
        height=100 + 110 * len(keys) if stacked else 280,
        showlegend=not stacked,
        legend={"orientation": "h", "y": -0.2},
        separators=",." if lang == "vi" else ".,",
        font={"family": "Be Vietnam Pro, DejaVu Sans, sans-serif", "size": 11},
        plot_bgcolor="#fbfcfc",
    )  # fmt: skip
    return {"data": data, "layout": layout}


def add_forecast(
    figure: Figure,
    valid_at: Sequence[dt.datetime],
    bands: Mapping[str, Sequence[float]],
    issued: str,
    lang: str,
) -> Figure:
    """The forecast past the issue time: the 95 % and 80 % bands, the expected line (dashed),
    and a mark at the issue time. ``bands``: value, lower80, upper80, lower95, upper95."""
    x = list(valid_at)
    for low, high, key, fill in (
        ("lower95", "upper95", "chart.forecast_95", "rgba(46, 134, 193, 0.12)"),
        ("lower80", "upper80", "chart.forecast_80", "rgba(46, 134, 193, 0.25)"),
    ):
        # A closed shape: along the upper edge, back along the lower one.
        figure["data"].append({
            "type": "scatter", "x": x + x[::-1], "y": list(bands[high]) + list(bands[low])[::-1],
            "fill": "toself", "fillcolor": fill, "line": {"width": 0},
            "name": plotly_text(t(key, lang)), "hoverinfo": "skip",
        })  # fmt: skip
    figure["data"].append({
        "type": "scatter", "x": x, "y": list(bands["value"]), "mode": "lines",
        "name": plotly_text(t("chart.forecast", lang)),
        "line": {"dash": "dash", "color": "#1f618d"},
    })  # fmt: skip
    figure["layout"]["shapes"].append({
        "type": "line", "x0": x[0], "x1": x[0], "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
        "line": {"dash": "dot", "color": "#7f8c8d"},
    })  # fmt: skip
    add_note(figure, plotly_text(issued), x=x[0], xref="x", colour="#566573")
    return figure


def add_note(figure: Figure, text: str, x: Any = 0, xref: str = "paper", colour: str = "") -> None:
    """A small note at the top of the plot (``text`` as Plotly reads it: escape names first)."""
    figure["layout"]["annotations"].append({
        "text": text, "x": x, "xref": xref, "y": 1, "yref": "paper", "xanchor": "left",
        "yanchor": "bottom", "showarrow": False, "font": {"size": 10, "color": colour or "#566573"},
    })  # fmt: skip
