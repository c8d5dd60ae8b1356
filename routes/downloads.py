"""Downloads of what the map shows, per layer and per admin unit: GeoJSON and CSV.

``/download/<layer>.<geojson|csv>?unit=CODE[&at=ISO]`` gives the layer's features inside the unit at
the moment (live when no ``at``), built by the same PostGIS queries as the map
(`geodata.monitoring.layers`), so a download is exactly what the caller sees. The caller is decided
from the session like every callback: ward staff get their units only, the public never gets
citizens' reports, and every download is written to the audit log. Each file carries the data
licence and source (GeoJSON members, CSV response headers), also shown beside the links in the
panel (``callbacks/downloads.py``, which also holds the table of layers these routes serve).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import flask
from shapely.geometry import shape
from sqlalchemy import Connection

from callbacks.downloads import FORMATS
from domain.clock import parse_local
from geodata.db import reading
from geodata.errors import UnknownUnit
from geodata.monitoring import catalogue, layers
from geodata.settings import get_settings
from layouts.i18n import CATALOG, fmt_date, t
from routes.errors import Forbidden, InvalidParameter, NotFound
from routes.exports import (
    csv_text,
    file_stamp,
    licence_headers,
    log_export,
    unit_search,
)
from web.access import AccessDenied, authorised_unit, current_caller, may_read
from web.request import current_language, parse_search


def _moment(conn: Connection, value: str | None) -> dt.datetime | None:
    """The moment asked for, or the latest hour with data ("live")."""
    if value:
        at = parse_local(value)
        if at is None:
            raise ValueError(value)
        return at
    return layers.latest_hour(conn, dt.datetime.now(dt.UTC))


def download(layer: str, fmt: str) -> Any:
    """GET /download/<layer>.<fmt>: one layer inside one unit, as GeoJSON or CSV."""
    lang = current_language()
    offered = {x.name: x for x in catalogue.downloads()}
    if layer not in offered or fmt not in FORMATS:
        raise NotFound(t("download.unknown", lang, layers=", ".join(offered)))
    chosen = offered[layer]
    caller = current_caller()
    if not may_read(caller, chosen.info.visibility):
        raise Forbidden(t("download.personal", lang))
    args = flask.request.args
    search = unit_search(args)
    try:
        with reading() as conn:
            unit = authorised_unit(conn, caller, search)
            at = _moment(conn, args.get("at"))
            day = parse_search(search).on_date
            # A layer that exists whatever the hour downloads before any sensor has reported
            # (roads then carry no speeds); the others are readings or events of an hour.
            if at is None and not chosen.info.timeless:
                data: dict[str, Any] = {"type": "FeatureCollection", "features": []}
            else:
                moment = at or dt.datetime.now(dt.UTC)
                view = catalogue.View.of(chosen.info, "download", unit, moment, on_date=day)
                data = chosen.features(conn, view)
    except AccessDenied:
        raise Forbidden(t("error.denied", lang)) from None
    except UnknownUnit:
        on_date = fmt_date(parse_search(search).on_date, lang)
        raise NotFound(
            t("error.unknown_unit", lang, code=args.get("unit", ""), date=on_date)
        ) from None
    except ValueError:
        raise InvalidParameter(t("download.bad_time", lang, value=args.get("at", ""))) from None
    settings = get_settings()
    features = data.get("features", [])
    log_export(caller, {"layer": layer, "format": fmt, "unit": unit.code, "rows": len(features),
                        "at": at.isoformat() if at else None})  # fmt: skip
    name = f"cantho-{layer}-{unit.code}-{file_stamp(at)}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        **licence_headers(),
        # HTTP headers are Latin-1: the source (Vietnamese) goes percent-encoded.
        "X-Data-Source": urlencode({"": settings.data_source})[1:],
    }
    if fmt == "geojson":
        body = {
            **data,
            "name": name.removesuffix(".geojson"),
            "unit": {"code": unit.code, "name": unit.name},
            "at": at.isoformat() if at else None,
            "licence": {"name": settings.data_licence, "url": settings.data_licence_url},
            "source": settings.data_source,
        }
        return flask.Response(json.dumps(body, ensure_ascii=False, default=str),
                              mimetype="application/geo+json", headers=headers)  # fmt: skip
    return flask.Response("\ufeff" + to_csv(features, lang), mimetype="text/csv", headers=headers)


def to_csv(features: list[dict[str, Any]], lang: str) -> str:
    """Features as CSV: lon/lat for points, WKT for other shapes, then every property. Headers
    are in the caller's language; a property holding several values (an air station's means)
    gives one column each ("PM2.5 (µg/m³)", …), so a spreadsheet can sort and sum them."""
    properties = [feature.get("properties") or {} for feature in features]
    # Properties that hold several values somewhere (a station without readings has none).
    spread = {
        key for props in properties for key, value in props.items() if isinstance(value, dict)
    }
    columns: list[tuple[str, str | None]] = []  # (property, key inside it or None)
    for props in properties:
        for key, value in props.items():
            inner = list(value) if isinstance(value, dict) else [] if key in spread else [None]
            for column in ((key, k) for k in inner):
                if column not in columns:
                    columns.append(column)
    points = all((f.get("geometry") or {}).get("type") == "Point" for f in features)
    place = ["lon", "lat"] if points else ["wkt"]
    header = [t(f"csv.{key}", lang) for key in place] + [_header(c, lang) for c in columns]
    rows = []
    for feature in features:
        geometry = feature.get("geometry")
        if points and geometry:
            where = list(geometry["coordinates"][:2])
        else:
            where = [shape(geometry).wkt if geometry else ""]
        props = feature.get("properties") or {}
        rows.append(where + [_cell(props.get(key), inner) for key, inner in columns])
    return csv_text(header, rows)


def _header(column: tuple[str, str | None], lang: str) -> str:
    """A column's name from the catalog; a key it does not know yet is shown as it is."""
    key, inner = column
    if inner is not None:  # one of several values: a pollutant's mean
        return t(f"quantity.{inner}", lang) if f"quantity.{inner}" in CATALOG else f"{key}.{inner}"
    return t(f"csv.{key}", lang) if f"csv.{key}" in CATALOG else key


def _cell(value: Any, inner: str | None = None) -> Any:
    if inner is not None:
        value = value.get(inner) if isinstance(value, dict) else None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def init_downloads(server: flask.Flask) -> None:
    server.add_url_rule("/download/<layer>.<fmt>", "download", download)
