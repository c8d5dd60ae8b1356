"""The printable map: ``/print/map.png`` and ``/print/map.pdf``, rendered on the server.

``?unit=CODE&at=YYYY-MM-DDTHH:MM&layers=flood,air,traffic,services&indicator=aqi_max
&kind=health_station&lang=vi`` prints what the dashboard shows for that selection: the unit and
its children coloured by the indicator, the chosen layers from the map's own PostGIS queries, a
legend, scale bar, north arrow, the moment (Cần Thơ time) and the data's source and licence.
Every parameter is optional (the caller's home unit, live, flood and air, worst AQI, the page's
language); a bad one is refused with 400 naming it. Access is that of the downloads: ward staff
print their units only (refusals audited), the public never sees citizens' reports, and every
print is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import flask
from sqlalchemy import Connection

from domain import themes
from domain.clock import parse_local
from domain.tolerance import frame_tolerance
from domain.units import Unit
from geodata.db import get_engine
from geodata.errors import UnknownUnit
from geodata.monitoring import catalogue, layers
from geodata.monitoring.printmap import FORMATS, Format, render
from geodata.monitoring.queries import children, context_geojson, units_geojson
from geodata.settings import get_settings
from layouts.i18n import LANGUAGES, fmt_date, t
from layouts.monitor import DEFAULT_LAYERS, FACILITY_KINDS
from layouts.printmap import PrintView, print_map
from routes.errors import Forbidden, InvalidParameter, NotFound
from routes.exports import file_stamp, licence_headers, log_export, unit_search
from web.access import AccessDenied, Caller, authorised_unit, current_caller, may_read
from web.request import current_language, parse_search

DEFAULT_INDICATOR = "aqi_max"
DEFAULT_KIND = "health_station"
MIMETYPES = {"png": "image/png", "pdf": "application/pdf"}
# About one pixel of the printed map (≈ 1,250 px wide at 150 dpi): finer detail cannot show.
_PRINT_PX = 1250


class BadParameter(InvalidParameter):
    """A query parameter that cannot be used; the message names it (in the caller's language)."""


def parse_layers(value: str | None, lang: str) -> list[str]:
    """``flood,air`` → the themes to draw; absent → the dashboard's defaults; empty → none."""
    if value is None:
        return list(DEFAULT_LAYERS)
    known = catalogue.themes()
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    for name in chosen:
        if name not in known:
            raise BadParameter(t("print.bad_layers", lang, value=name, layers=", ".join(known)))
    return [name for name in known if name in chosen]


def parse_indicator(value: str | None, lang: str) -> str | None:
    """The choropleth's indicator; absent → worst AQI; empty → no colouring (a cleared choice)."""
    if value is None:
        return DEFAULT_INDICATOR
    if not value:
        return None
    if value not in themes.CHOROPLETH_INDICATORS:
        known = ", ".join(themes.CHOROPLETH_INDICATORS)
        raise BadParameter(t("print.bad_indicator", lang, value=value, indicators=known))
    return value


def _parse(args: Any, lang: str) -> tuple[list[str], str | None, str, dt.datetime | None]:
    """Layers, indicator, facility kind and moment (None = live), or BadParameter."""
    active = parse_layers(args.get("layers"), lang)
    indicator = parse_indicator(args.get("indicator"), lang)
    kind = args.get("kind") or DEFAULT_KIND
    if kind not in FACILITY_KINDS:
        raise BadParameter(t("print.bad_kind", lang, value=kind, kinds=", ".join(FACILITY_KINDS)))
    unit = args.get("unit")
    if unit is not None and parse_search("?" + urlencode({"unit": unit})).unit is None:
        raise BadParameter(t("print.bad_unit", lang, value=unit))
    at = None
    if args.get("at"):
        at = parse_local(args["at"])
        if at is None:
            raise BadParameter(t("download.bad_time", lang, value=args["at"]))
    return active, indicator, kind, at


def gather(
    conn: Connection,
    caller: Caller,
    unit: Unit,
    at: dt.datetime | None,
    live: bool,
    active: list[str],
    indicator: str | None,
    kind: str,
    on_date: dt.date,
) -> PrintView:
    """What the map's queries return for the unit at the moment, as this caller may see it."""
    settings = get_settings()
    tolerance = frame_tolerance(unit.bounds, _PRINT_PX)
    kids = children(conn, unit, on_date)
    units = units_geojson(conn, [unit, *kids], tolerance, selected_id=unit.id)
    values = (
        layers.choropleth_values(conn, [f["id"] for f in units["features"]], indicator, at, kind)
        if indicator and at
        else {}
    )
    data: dict[str, dict[str, Any]] = {}
    drawn = []
    for x in catalogue.in_themes(active, "print"):
        # Readings and events need a moment; what does not change by the hour prints without.
        if not may_read(caller, x.info.visibility) or (at is None and x.info.refresh != "static"):
            continue
        view = catalogue.View.of(x.info, "print", unit, at or dt.datetime.now(dt.UTC),
                                 facility_kind=kind, on_date=on_date)  # fmt: skip
        data[x.name] = x.features(conn, view)
        drawn.append(x.info)
    return PrintView(
        unit=unit, units=units, values=values, indicator=indicator,
        context=context_geojson(conn, unit, on_date), data=data, layers=drawn,
        facility_kind=kind, at=at, live=live,
        printed_at=dt.datetime.now(dt.UTC), source=settings.data_source,
        licence=settings.data_licence, licence_url=settings.data_licence_url,
        demo=unit.source == "demo", metric_srid=settings.metric_srid,
    )  # fmt: skip


def print_route(fmt: str) -> Any:
    """GET /print/map.<png|pdf>: the current view of a unit as a one-page map."""
    args = flask.request.args
    lang = current_language()
    if args.get("lang") is not None:
        if args["lang"] not in LANGUAGES:
            raise InvalidParameter(t("print.bad_lang", lang, value=args["lang"]))
        lang = args["lang"]
    if fmt not in FORMATS:
        raise NotFound(t("print.unknown_format", lang))
    active, indicator, kind, asked = _parse(args, lang)  # BadParameter: 400, naming it
    caller = current_caller()
    search = unit_search(args)
    on_date = parse_search(search).on_date
    try:
        with get_engine().connect() as conn:
            unit = authorised_unit(conn, caller, search)
            at = asked or layers.latest_hour(conn, dt.datetime.now(dt.UTC))
            view = gather(conn, caller, unit, at, asked is None, active, indicator, kind, on_date)
    except AccessDenied:
        raise Forbidden(t("error.denied", lang)) from None
    except UnknownUnit:
        code = args.get("unit", "")
        raise NotFound(
            t("error.unknown_unit", lang, code=code, date=fmt_date(on_date, lang))
        ) from None
    output: Format = "png" if fmt == "png" else "pdf"
    body = render(print_map(view, lang), output)
    log_export(caller, {"layer": "print", "format": fmt, "unit": unit.code, "layers": active,
                        "indicator": indicator, "at": at.isoformat() if at else None})  # fmt: skip
    return flask.Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={
            # Inline: the browser shows it, ready to print or save.
            "Content-Disposition": (
                f'inline; filename="cantho-map-{unit.code}-{file_stamp(at)}.{fmt}"'
            ),
            **licence_headers(),
        },
    )


def init_printmap(server: flask.Flask) -> None:
    server.add_url_rule("/print/map.<fmt>", "print_map", print_route)
