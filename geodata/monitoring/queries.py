"""Spatial queries behind the map: admin units at a date, their hierarchy and their GeoJSON.

GeoJSON is built in PostGIS (``ST_AsGeoJSON`` + ``json_agg``) from geometry simplified to about one
screen pixel at the zoom the units are shown; Python never loops over features here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, text

from domain.tolerance import frame_tolerance
from domain.units import DrillView, Unit
from geodata.errors import UnknownUnit
from geodata.monitoring.cache import kept
from geodata.settings import get_settings

# A unit is valid on day D when valid_from <= D < valid_to (valid_to NULL = open-ended).
_VALID = "u.valid_from <= :on_date AND (u.valid_to IS NULL OR u.valid_to > :on_date)"


_UNIT_FIELDS = """
    u.id, u.code, u.name, u.unit_type, u.level, u.parent_id, u.population, u.area_km2, u.source,
    ST_XMin(u.geom) AS xmin, ST_YMin(u.geom) AS ymin, ST_XMax(u.geom) AS xmax,
    ST_YMax(u.geom) AS ymax, u.valid_from, u.valid_to"""

# One unit's children valid at the date, counted through every version of the unit (children
# may hang on an older version of their parent).
_UNIT_COLUMNS = f"""{_UNIT_FIELDS},
    (SELECT count(*) FROM admin_unit c
      WHERE c.parent_id IN (SELECT v.id FROM admin_unit v WHERE v.level = u.level
                              AND v.code = u.code)
        AND {_VALID.replace("u.", "c.")}) AS child_count
"""

# The same count for many units at once (a city's hundred communes): one grouped pass over the
# table instead of a lookup per unit. Join as ``grand`` on (level, code).
_CHILD_COUNTS = f"""
    LEFT JOIN (SELECT p.level, p.code, count(*) AS n
               FROM admin_unit c JOIN admin_unit p ON p.id = c.parent_id
               WHERE {_VALID.replace("u.", "c.")}
               GROUP BY p.level, p.code) grand ON grand.level = u.level AND grand.code = u.code
"""


def _unit_from_row(row: Any) -> Unit:
    return Unit(
        id=row.id,
        code=row.code,
        name=row.name,
        unit_type=row.unit_type,
        level=row.level,
        parent_id=row.parent_id,
        population=row.population,
        area_km2=row.area_km2,
        source=row.source,
        bounds=(row.xmin, row.ymin, row.xmax, row.ymax),
        child_count=row.child_count,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


@kept("units")
def root_unit(conn: Connection, on_date: dt.date) -> Unit:
    """The unit the map opens on: the configured root code, else the largest top-level unit."""
    row = conn.execute(
        text(
            f"""
            SELECT {_UNIT_COLUMNS} FROM admin_unit u
            WHERE {_VALID} AND (u.code = :root OR u.parent_id IS NULL)
            ORDER BY (u.code = :root) DESC, u.area_km2 DESC LIMIT 1
            """
        ),
        {"on_date": on_date, "root": get_settings().root_unit_code},
    ).one_or_none()
    if row is None:
        raise UnknownUnit(f"no admin units are valid on {on_date.isoformat()}")
    return _unit_from_row(row)


@kept("units")
def unit_by_code(conn: Connection, code: str, on_date: dt.date) -> Unit:
    """The unit with this code valid on the date (the largest, should codes repeat by level)."""
    row = conn.execute(
        text(
            f"""
            SELECT {_UNIT_COLUMNS} FROM admin_unit u
            WHERE u.code = :code AND {_VALID}
            ORDER BY u.area_km2 DESC LIMIT 1
            """
        ),
        {"code": code, "on_date": on_date},
    ).one_or_none()
    if row is None:
        raise UnknownUnit(f"no admin unit with code {code!r} on {on_date.isoformat()}")
    return _unit_from_row(row)


def ancestors(conn: Connection, unit: Unit, on_date: dt.date) -> list[Unit]:
    """The chain from the top unit down to ``unit``'s parent (for the breadcrumb).

    Parents are followed by code, so a unit attached to an older version of its parent still finds
    the version valid at the date.
    """
    rows = conn.execute(
        text(
            f"""
            WITH RECURSIVE chain(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM admin_unit WHERE id = :id
                UNION ALL
                SELECT cur.id, cur.parent_id, chain.depth + 1
                FROM chain
                JOIN admin_unit p ON p.id = chain.parent_id
                JOIN admin_unit cur ON cur.level = p.level AND cur.code = p.code
                  AND cur.valid_from <= :on_date
                  AND (cur.valid_to IS NULL OR cur.valid_to > :on_date)
                WHERE chain.depth < 10
            )
            SELECT {_UNIT_COLUMNS}, chain.depth FROM chain JOIN admin_unit u ON u.id = chain.id
            WHERE chain.depth > 0 ORDER BY chain.depth DESC
            """
        ),
        {"id": unit.id, "on_date": on_date},
    ).all()
    return [_unit_from_row(r) for r in rows]


def children(conn: Connection, unit: Unit, on_date: dt.date) -> list[Unit]:
    """The units directly below ``unit`` valid at the date, by name."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_UNIT_FIELDS}, coalesce(grand.n, 0) AS child_count
            FROM admin_unit u {_CHILD_COUNTS}
            WHERE u.parent_id IN (SELECT v.id FROM admin_unit v
                                  WHERE v.level = :level AND v.code = :code)
              AND {_VALID}
            ORDER BY u.name COLLATE vietnamese, u.code
            """
        ),
        {"level": unit.level, "code": unit.code, "on_date": on_date},
    ).all()
    return [_unit_from_row(r) for r in rows]


def units_geojson(
    conn: Connection, units: list[Unit], tolerance: float, selected_id: int | None = None
) -> dict[str, Any]:
    """The given units as a FeatureCollection built in PostGIS, simplified to ``tolerance`` deg.

    Each feature carries what the map needs to label, colour and drill: id, code, name, type,
    level, whether it has children, whether it is the selected one, and a label point inside it.
    """
    if not units:
        return {"type": "FeatureCollection", "features": []}
    payload = conn.scalar(
        text(
            """
            SELECT json_build_object(
              'type', 'FeatureCollection',
              'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'id', u.id,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(u.geom, :tol), 6)::json,
                'properties', json_build_object(
                  'id', u.id, 'code', u.code, 'name', u.name, 'type', u.unit_type,
                  'level', u.level, 'selected', u.id = :selected,
                  'label', ARRAY[round(ST_X(lp)::numeric, 6), round(ST_Y(lp)::numeric, 6)],
                  'has_children', u.id = ANY(:parents)
                )) ORDER BY u.name COLLATE vietnamese), '[]'::json))
            FROM (SELECT * FROM admin_unit WHERE id = ANY(:ids)
                  ORDER BY name COLLATE vietnamese LIMIT :cap) u
            CROSS JOIN LATERAL ST_PointOnSurface(u.geom) AS lp
            """
        ),
        {
            "ids": [u.id for u in units],
            # Whether a unit has children at the date was settled when it was read (child_count).
            "parents": [u.id for u in units if u.child_count],
            "tol": tolerance,
            "selected": selected_id or -1,
            "cap": get_settings().max_features,
        },
    )
    return payload if isinstance(payload, dict) else json.loads(payload)


def context_geojson(conn: Connection, root: Unit, on_date: dt.date) -> dict[str, Any]:
    """What is drawn under the units so the map reads without tiles: the city outline and rivers."""
    tol = frame_tolerance(root.bounds)
    payload = conn.scalar(
        text(
            f"""
            WITH ctx AS (
              SELECT 'outline' AS kind, u.name, u.geom FROM admin_unit u
              WHERE u.id = :root_id
              UNION ALL
              SELECT f.kind, f.name, f.geom FROM map_feature f
              WHERE f.geom && (SELECT ST_Expand(u.geom, 0.2) FROM admin_unit u
                               WHERE u.id = :root_id AND {_VALID})
            )
            SELECT json_build_object('type', 'FeatureCollection',
              'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6)::json,
                'properties', json_build_object('kind', kind, 'name', name))), '[]'::json))
            FROM ctx
            """
        ),
        {"root_id": root.id, "tol": tol, "on_date": on_date},
    )
    return payload if isinstance(payload, dict) else json.loads(payload)


def drill_view(conn: Connection, code: str | None, on_date: dt.date) -> DrillView:
    """The view for ``code`` (the root when None): its children, or its siblings if it has none."""
    unit = unit_by_code(conn, code, on_date) if code else root_unit(conn, on_date)
    return unit_view(conn, unit, on_date)


@kept("units", key=lambda unit, on_date: (unit.id, on_date))
def unit_view(conn: Connection, unit: Unit, on_date: dt.date) -> DrillView:
    """The view for a unit already found: its children, or its siblings if it has none."""
    trail = ancestors(conn, unit, on_date)
    kids = children(conn, unit, on_date)
    if kids:
        shown_units, frame = kids, unit
    elif trail:
        shown_units, frame = children(conn, trail[-1], on_date), trail[-1]
    else:
        shown_units, frame = [unit], unit
    shown = units_geojson(conn, shown_units, frame_tolerance(frame.bounds), selected_id=unit.id)
    top = trail[0] if trail else unit
    return DrillView(
        selected=unit,
        trail=trail,
        children=kids,
        shown=shown,
        context=context_geojson(conn, top, on_date),
        is_demo=any(u.source == "demo" for u in [unit, *trail, *shown_units]),
    )
