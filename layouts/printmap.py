"""What the printable map shows and how: the dashboard's styles (assets/map.js, the legend in
layouts/monitor.py) translated into print styles, and every text from the catalog.

Pure: data (GeoJSON as the map's queries return it) → a ``domain.printmap.PrintMap`` that the
renderer turns into a PNG or PDF. Sizes are in points on the page: a Leaflet pixel radius r
becomes a dot of about 1.1 r points across, so the page reads like the screen without crowding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain import indicators, reports
from domain.clock import CITY_TZ
from domain.layers import LayerInfo
from domain.names import localised
from domain.printmap import LegendSection, Mark, PrintMap, Style
from domain.units import Unit
from layouts.i18n import fmt_date, fmt_datetime, fmt_number, t, unit_type_label
from layouts.monitor import (
    CAMERA_COLOUR,
    CHOROPLETH_CLASSES,
    FACILITY_COLOURS,
    INCIDENT_COLOUR,
    INUNDATION_COLOUR,
    NO_DATA,
    choropleth_title,
    format_break,  # the class bounds written exactly as the dashboard legend writes them
    no_value_label,
)

REPORT_COLOUR = "#1b4f72"
UNDERSERVED_COLOUR = "#e74c3c"
_QUIET_FILL = "#d6eaf8"  # units without an indicator, as on the map

_UNIT_EDGE = "#1b4f72"
_RIVER = Style("#85c1e9", "area", edge="#2e86c1", size=0.6, alpha=0.95)
_RIVER_LINE = Style("#2e86c1", "line", size=2.0, alpha=0.95)
_OUTLINE = Style("none", "area", edge="#b03a2e", size=2.2, alpha=1.0)
_INUNDATION_LEGEND = Style(INUNDATION_COLOUR, "area", edge=REPORT_COLOUR, size=0.6, alpha=0.6)
_REPORT = Style(REPORT_COLOUR, size=5.5)
_INCIDENT = Style(INCIDENT_COLOUR, size=8.5)
_CAMERA = Style(CAMERA_COLOUR, size=4.5)
# Hatched, not filled: a red tint over the choropleth would read as another AQI class.
_UNDERSERVED = Style("none", "area", edge=UNDERSERVED_COLOUR, size=0.8, alpha=0.8, hatch="////",
                     dashed=True)  # fmt: skip


@dataclass(frozen=True)
class PrintView:
    """What the caller may see of one unit at one moment, as the map's queries returned it."""

    unit: Unit
    units: dict[str, Any]  # the unit and its children (FeatureCollection, ``selected`` flags)
    values: dict[int, float | None]  # the indicator per unit id
    indicator: str | None
    context: dict[str, Any]  # rivers (and the city outline) under the units
    data: dict[str, dict[str, Any]]  # layer name → its features (gauges, inundation, …)
    layers: list[LayerInfo]  # what is drawn: the chosen themes' layers this caller may see
    facility_kind: str
    at: dt.datetime | None
    live: bool
    printed_at: dt.datetime
    source: str
    licence: str
    licence_url: str
    demo: bool
    metric_srid: int


def class_colour(value: float | None, classes: list[tuple[float, str]]) -> str:
    """The colour of the class a value falls in (as ``canthoMap.classColour``)."""
    if value is None:
        return NO_DATA
    colour = classes[0][1]
    for low, hex_ in classes:
        if value >= low:
            colour = hex_
    return colour


def _alert_style(level: int | None) -> Style:
    if level is None:
        return Style(NO_DATA, size=9.5, edge="#17202a")
    colour = indicators.FLOOD_ALERT_LEVELS[min(int(level), 3)].colour
    return Style(colour, size=9.5 + 2 * min(int(level), 3))


def _aqi_style(aqi: float | None) -> Style:
    colour = NO_DATA if aqi is None else indicators.aqi_category(max(int(aqi), 0)).hex
    return Style(colour, size=11)


def _congestion_style(ratio: float | None, arterial: bool) -> Style:
    colour, alpha = NO_DATA, 0.7
    if ratio is not None:
        for cls in indicators.CONGESTION_CLASSES:
            if ratio >= cls.min_ratio:
                colour, alpha = cls.colour, 0.95
                break
    return Style(colour, "line", size=2.4 if arterial else 1.1, alpha=alpha)


def _features(collection: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((collection or {}).get("features") or [])


def _unit_layers(view: PrintView) -> tuple[list[Mark], list[Mark]]:
    """Units filled by the indicator's class, and the selected unit's outline over everything."""
    classes = CHOROPLETH_CLASSES.get(view.indicator or "")
    features = _features(view.units)
    has_children = any(not f["properties"].get("selected") for f in features)
    fills, outline = [], []
    for feature in features:
        if feature["properties"].get("selected"):
            outline.append(Mark(feature["geometry"], _OUTLINE))
            if has_children:  # the children colour the unit; it only frames them
                continue
        if classes:
            colour, alpha = class_colour(view.values.get(feature["id"]), classes), 0.6
        else:
            colour, alpha = _QUIET_FILL, 0.4
        fills.append(Mark(feature["geometry"], Style(colour, "area", edge=_UNIT_EDGE, size=0.8,
                                                     alpha=alpha)))  # fmt: skip
    return fills, outline


def _context(view: PrintView) -> list[Mark]:
    marks = []
    for feature in _features(view.context):
        if feature["properties"].get("kind") == "outline":
            continue  # the city's outline: the units already show it
        line = "LineString" in (feature.get("geometry") or {}).get("type", "")
        marks.append(Mark(feature["geometry"], _RIVER_LINE if line else _RIVER))
    return marks


def _marks(info: LayerInfo, features: list[dict[str, Any]], lang: str) -> list[Mark]:
    """A layer's features as marks: in the dashboard's own styles for the layers it knows, in
    the layer's declared style for any other."""
    match info.name:
        case "underserved":
            return [Mark(f["geometry"], _UNDERSERVED) for f in features]
        case "inundation":
            marks = []
            for f in features:
                alpha = min(0.25 + float(f["properties"].get("depth_m") or 0), 0.8)
                style = Style(INUNDATION_COLOUR, "area", edge=REPORT_COLOUR, size=0.6, alpha=alpha)
                marks.append(Mark(f["geometry"], style))
            return marks
        case "roads":
            return [
                Mark(f["geometry"], _congestion_style(
                    f["properties"].get("ratio"), f["properties"].get("road_class") == "arterial"))
                for f in features
            ]  # fmt: skip
        case "facilities":
            return [Mark(f["geometry"], Style(FACILITY_COLOURS.get(f["properties"].get("kind"),
                                                                   NO_DATA), size=6.5))
                    for f in features]  # fmt: skip
        case "incidents":
            return [Mark(f["geometry"], _CAMERA if f["properties"].get("kind") == "camera"
                         else _INCIDENT) for f in features]  # fmt: skip
        case "reports":
            return [Mark(f["geometry"], _REPORT) for f in features]
        case "citizen-reports":
            return [Mark(f["geometry"], Style(reports.status_colour(
                f["properties"].get("status", ""), f["properties"].get("resolution")), size=6))
                for f in features]  # fmt: skip
        case "gauges":
            marks = []
            for f in features:
                p = f["properties"]
                level = p.get("max_level_m")
                label = fmt_number(float(level), lang, 2) + " m" if level is not None else None
                marks.append(Mark(f["geometry"], _alert_style(p.get("alert_level")), label, "left"))
            return marks
        case "air":
            marks = []
            for f in features:
                aqi = f["properties"].get("aqi")
                label = "AQI " + fmt_number(aqi, lang) if aqi is not None else None
                marks.append(Mark(f["geometry"], _aqi_style(aqi), label))
            return marks
    style = info.style or Style(NO_DATA, info.geometry)
    return [Mark(f["geometry"], style) for f in features]


def _data_layers(view: PrintView, lang: str) -> list[list[Mark]]:
    """The layers drawn, bottom to top: areas, then lines, then points (as on the map), each in
    the layers' order (within a theme, the map's draw order)."""
    groups: dict[str, list[Mark]] = {"area": [], "line": [], "point": []}
    ordered = sorted(view.layers, key=lambda x: x.map.draw_order if x.map else 0)
    for info in ordered:
        groups[info.geometry] += _marks(info, _features(view.data.get(info.name)), lang)
    return [groups["area"], groups["line"], groups["point"]]


_THEME_TITLES = {"flood": "legend.flood", "air": "legend.air", "traffic": "legend.traffic"}


def _legend_entries(info: LayerInfo, view: PrintView, lang: str) -> list[tuple[str, Style]]:
    """A layer's entries in the printed legend."""
    match info.name:
        case "gauges":
            return [(localised(a, lang), _alert_style(a.level))
                    for a in indicators.FLOOD_ALERT_LEVELS]  # fmt: skip
        case "inundation":
            return [(t("legend.inundation", lang), _INUNDATION_LEGEND)]
        case "reports":
            return [(t("legend.report", lang), _REPORT)]
        case "citizen-reports":
            return [(t(f"report.status.{k}", lang), Style(reports.STATUS_COLOURS[k], size=6))
                    for k in reports.STATUSES]  # fmt: skip
        case "air":
            return [(f"{c.low}–{c.high} " + localised(c, lang), _aqi_style(c.low))
                    for c in indicators.AQI_CATEGORIES]  # fmt: skip
        case "roads":
            return [(localised(c, lang), _congestion_style(c.min_ratio, True))
                    for c in indicators.CONGESTION_CLASSES] + [
                (t("legend.no_data", lang), _congestion_style(None, True))]  # fmt: skip
        case "incidents":
            return [(t("legend.incident", lang), _INCIDENT), (t("legend.camera", lang), _CAMERA)]
        case "facilities":
            colour = FACILITY_COLOURS.get(view.facility_kind, NO_DATA)
            return [(t(_facility_key(view.facility_kind), lang), Style(colour, size=6.5))]
        case "underserved":
            facility = t(_facility_key(view.facility_kind), lang)
            return [(t("legend.underserved_of", lang, kind=facility), _UNDERSERVED)]
    style = info.style or Style(NO_DATA, info.geometry)
    return [(t(info.label, lang), style)]


def _facility_key(kind: str) -> str:
    # Keyword names, so the catalog test sees every key that can reach t().
    return dict(
        hospital="facility.hospital", health_station="facility.health_station",
        primary_school="facility.primary_school",
        lower_secondary_school="facility.lower_secondary_school",
        upper_secondary_school="facility.upper_secondary_school",
        clean_water="facility.clean_water",
    )[kind]  # fmt: skip


def legend_sections(view: PrintView, lang: str) -> list[LegendSection]:
    """What is drawn, one section per theme (only what this caller's print can contain)."""
    sections = []
    classes = CHOROPLETH_CLASSES.get(view.indicator or "")
    if view.indicator and classes:
        rows = [("< " + format_break(view.indicator, classes[1][0], lang), classes[0][1])]
        rows += [("≥ " + format_break(view.indicator, low, lang), c) for low, c in classes[1:]]
        rows.append((no_value_label(view.indicator, lang), NO_DATA))
        title = choropleth_title(view.indicator, lang, view.facility_kind)
        sections.append(LegendSection(title, [
            (label, Style(colour, "area", edge=_UNIT_EDGE, size=0.8, alpha=0.6))
            for label, colour in rows
        ]))  # fmt: skip
    frame = [(t("print.selected", lang), _OUTLINE), (t("print.river", lang), _RIVER)]
    sections.append(LegendSection(t("print.base", lang), frame))
    for theme in dict.fromkeys(x.theme for x in view.layers if x.theme):
        entries = [e for x in view.layers if x.theme == theme
                   for e in _legend_entries(x, view, lang)]  # fmt: skip
        title = (
            t(_THEME_TITLES[theme], lang) if theme in _THEME_TITLES else t(f"layer.{theme}", lang)
        )
        if entries:
            sections.append(LegendSection(title, entries))
    return sections


def _title(unit: Unit, lang: str) -> str:
    if not unit.unit_type:
        return unit.name
    return t("print.title", lang, type=unit_type_label(unit.unit_type, lang), name=unit.name)


def _moment(view: PrintView, lang: str) -> str:
    if view.at is None:
        return t("print.no_data", lang)
    local = view.at.astimezone(CITY_TZ)
    shown = t("print.moment", lang, hour=local.strftime("%H:%M"), date=fmt_date(local, lang))
    return shown + (" · " + t("print.live", lang) if view.live else "")


def print_map(view: PrintView, lang: str) -> PrintMap:
    """The page for ``view`` in ``lang``."""
    fills, outline = _unit_layers(view)
    labels = [
        (float(f["properties"]["label"][0]), float(f["properties"]["label"][1]),
         f["properties"]["name"])
        for f in _features(view.units)
        if f["properties"].get("label") and not (
            f["properties"].get("selected") and len(_features(view.units)) > 1)
    ]  # fmt: skip
    printed = fmt_datetime(view.printed_at.astimezone(CITY_TZ), lang)
    return PrintMap(
        title=_title(view.unit, lang),
        subtitle=t("app.title", lang) + " · " + t("app.subtitle", lang),
        moment=_moment(view, lang),
        footer=[
            t("download.source", lang, source=view.source),
            t("print.licence", lang, licence=view.licence, url=view.licence_url)
            + " · "
            + t("print.printed", lang, time=printed),
        ],
        bounds=view.unit.bounds,
        layers=[fills, _context(view), *_data_layers(view, lang), outline],
        labels=labels,
        legend_title=t("legend.title", lang),
        legend=legend_sections(view, lang),
        north=t("print.north", lang),
        badge=t("demo.badge", lang) if view.demo else None,
        metric_srid=view.metric_srid,
    )
