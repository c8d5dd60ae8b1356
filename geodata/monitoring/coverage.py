"""Service coverage: who lives within the service distance of a facility, per admin unit.

A resident counts as served when the representative point (``ST_PointOnSurface``) of their
population cell lies within ``facility_kind.service_distance_m`` metres of a facility of that kind.
Distances are geodesic (``geography``) and are not clipped at unit borders: a health station just
across the ward line serves the ward too. Everything runs in PostGIS; ``compute_coverage`` writes
the ``coverage`` rollup that the dashboard reads and, with it, the ``underserved_area`` rollup
that ``underserved_geojson`` draws the gaps from.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, text

from domain.clock import CITY_TZ
from domain.indicators import coverage_share
from geodata.errors import GeodataError

# Valid on day D when valid_from <= D < valid_to (valid_to NULL = open-ended).
_VALID = "{u}.valid_from <= :on_date AND ({u}.valid_to IS NULL OR {u}.valid_to > :on_date)"

# "Is a facility of kind k within k's distance of point p?" The facility index is on geometry,
# and ST_DWithin on geography cannot use it, so a degree box that surely contains the circle is
# checked first (&&, indexed) and the exact geodesic test runs only on what is inside it. A degree
# of latitude is at least 110,574 m and a degree of longitude at least 111,319 m × cos(latitude);
# the extra degree of latitude in the cosine makes the box a little wider, never too narrow.
_SERVED = """
    EXISTS (
        SELECT 1 FROM facility f
        WHERE f.kind = {kind}
          AND f.geom && ST_Expand(
                {pt},
                {dist} / (111319.0 * cos(radians(least(abs(ST_Y({pt})) + 1, 89)))),
                {dist} / 110574.0)
          AND ST_DWithin(f.geom::geography, {pt}::geography, {dist})
    )
"""

_COMPUTE = text(
    f"""
    WITH served AS MATERIALIZED (
        -- Per cell and kind, once (hence MATERIALIZED): the city, its districts and its wards
        -- all reuse it instead of testing distances again for each level.
        SELECT c.id AS cell_id, k.code AS kind, c.population::float8 AS population,
               {_SERVED.format(kind="k.code", pt="p.pt", dist="k.service_distance_m")} AS covered
        FROM population_cell c
        CROSS JOIN LATERAL ST_PointOnSurface(c.geom) AS p(pt)
        CROSS JOIN facility_kind k
        -- Only the cells of the units asked for, when some are (new or reshaped boundaries).
        WHERE CAST(:units AS bigint[]) IS NULL OR EXISTS (
            SELECT FROM admin_unit w WHERE w.id = ANY (CAST(:units AS bigint[]))
              AND c.geom && w.geom)
    ),
    placed AS (
        -- A cell belongs to every unit (of any level) its representative point lies in.
        SELECT u.id AS unit_id, c.id AS cell_id
        FROM admin_unit u
        JOIN population_cell c
          ON c.geom && u.geom AND ST_Intersects(u.geom, ST_PointOnSurface(c.geom))
        WHERE {_VALID.format(u="u")}
          AND (CAST(:units AS bigint[]) IS NULL OR u.id = ANY (CAST(:units AS bigint[])))
    )
    INSERT INTO coverage AS cov (admin_unit_id, facility_kind, population, covered, computed_at)
    SELECT u.id, k.code,
           coalesce(sum(s.population), 0),
           -- covered is a subset of the population; least() only absorbs rounding dust
           least(coalesce(sum(s.population) FILTER (WHERE s.covered), 0),
                 coalesce(sum(s.population), 0)),
           now()
    FROM admin_unit u
    CROSS JOIN facility_kind k
    LEFT JOIN placed pl ON pl.unit_id = u.id
    LEFT JOIN served s ON s.cell_id = pl.cell_id AND s.kind = k.code
    WHERE {_VALID.format(u="u")}
      AND (CAST(:units AS bigint[]) IS NULL OR u.id = ANY (CAST(:units AS bigint[])))
    GROUP BY u.id, k.code
    ON CONFLICT (facility_kind, admin_unit_id) DO UPDATE
       SET population = EXCLUDED.population, covered = EXCLUDED.covered,
           computed_at = EXCLUDED.computed_at
    """
)


def today_in_city() -> dt.date:
    """Today's date in Cần Thơ (the date the units and rollups are current for)."""
    return dt.datetime.now(CITY_TZ).date()


_COMPUTE_UNDERSERVED = text(
    f"""
    WITH leaf AS (
        -- The units drawn with underserved areas: those without children, on their first day
        -- or on the day computed for (a district ended with the reform has wards on its first
        -- day, so it is no leaf; its wards are, and keep their rollup for the days before).
        SELECT u.id, u.geom FROM admin_unit u
        WHERE (CAST(:units AS bigint[]) IS NULL OR u.id = ANY (CAST(:units AS bigint[])))
          AND (NOT EXISTS (SELECT FROM admin_unit ch WHERE ch.parent_id = u.id
                             AND {_VALID.format(u="ch").replace(":on_date", "u.valid_from")})
               OR ({_VALID.format(u="u")}
                   AND NOT EXISTS (SELECT FROM admin_unit ch WHERE ch.parent_id = u.id
                                     AND {_VALID.format(u="ch")})))
    ),
    gap AS (
        SELECT c.geom, c.population::float8 AS population, p.pt, k.code AS kind
        FROM population_cell c
        CROSS JOIN LATERAL ST_PointOnSurface(c.geom) AS p(pt)
        CROSS JOIN facility_kind k
        WHERE (CAST(:units AS bigint[]) IS NULL OR EXISTS (
                  SELECT FROM leaf l WHERE c.geom && l.geom))
          AND NOT {_SERVED.format(kind="k.code", pt="p.pt", dist="k.service_distance_m")}
    )
    INSERT INTO underserved_area (admin_unit_id, facility_kind, population, cells, geom)
    SELECT l.id, g.kind, sum(g.population), count(*), ST_Union(g.geom)
    FROM leaf l
    JOIN gap g ON g.geom && l.geom AND ST_Intersects(l.geom, g.pt)
    GROUP BY l.id, g.kind
    """
)


def compute_coverage(conn: Connection, on_date: dt.date, unit_ids: list[int] | None = None) -> int:
    """(Re)compute the coverage rollup of every unit valid at ``on_date`` (or of those among
    ``unit_ids``: a boundary change recomputes what it touches) for every kind, and the
    underserved areas with it (:func:`compute_underserved`).

    Units without population cells get population 0. Returns the number of coverage rows written.
    """
    written = conn.execute(_COMPUTE, {"on_date": on_date, "units": unit_ids}).rowcount
    compute_underserved(conn, on_date, unit_ids)
    return written


def compute_underserved(
    conn: Connection, on_date: dt.date, unit_ids: list[int] | None = None
) -> int:
    """(Re)compute the underserved-areas rollup: per lowest-level unit and facility kind, the
    population cells whose representative point lies in the unit and beyond the kind's service
    distance, dissolved, with their population and count. Lowest-level: without children on
    the unit's first day or on ``on_date``, so the wards before a reform keep theirs. Only
    ``unit_ids`` when given. Returns the number of rows written (units with no gap get none).
    """
    params = {"on_date": on_date, "units": unit_ids}
    conn.execute(
        text(
            "DELETE FROM underserved_area WHERE CAST(:units AS bigint[]) IS NULL "
            "OR admin_unit_id = ANY (CAST(:units AS bigint[]))"
        ),
        params,
    )
    return conn.execute(_COMPUTE_UNDERSERVED, params).rowcount


def _check_kind(conn: Connection, kind: str) -> None:
    known = list(conn.scalars(text("SELECT code FROM facility_kind ORDER BY code")))
    if kind not in known:
        raise GeodataError(
            f"unknown facility kind {kind!r}; known kinds: {', '.join(known) or 'none'}"
        )


def underserved_geojson(
    conn: Connection,
    kind: str,
    bbox: tuple[float, float, float, float] | None,
    tolerance: float,
    max_features: int,
    on_date: dt.date | None = None,
    within_unit_id: int | None = None,
) -> dict[str, Any]:
    """The population cells not served by ``kind``, dissolved per lowest-level unit, as GeoJSON,
    read from the rollup :func:`compute_underserved` keeps.

    With ``within_unit_id``, only the lowest-level units inside that unit (a district) count.

    One feature per unit (those without children at ``on_date``, default today) whose unserved
    area touches ``bbox`` (lon/lat), drawn whole, simplified to ``tolerance`` degrees;
    properties: unit id, code, name, unserved population and number of cells. The
    ``max_features`` units with the most unserved residents are kept.
    """
    _check_kind(conn, kind)
    # Only a fixed fragment is chosen here; every value stays a bound parameter.
    in_bbox = "a.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326)" if bbox else "true"
    params: dict[str, Any] = {
        "kind": kind,
        "tol": tolerance,
        "cap": max_features,
        "on_date": on_date or today_in_city(),
        "within": within_unit_id,
    }
    if bbox:
        params.update(zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True))
    payload = conn.scalar(
        text(
            f"""
            WITH by_unit AS (
                SELECT u.id, u.code, u.name, a.population, a.cells, a.geom
                FROM underserved_area a
                JOIN admin_unit u ON u.id = a.admin_unit_id
                WHERE a.facility_kind = :kind AND {in_bbox}
                  AND {_VALID.format(u="u")}
                  AND NOT EXISTS (SELECT 1 FROM admin_unit ch
                                  WHERE ch.parent_id = u.id AND {_VALID.format(u="ch")})
                  AND (CAST(:within AS bigint) IS NULL
                       OR ST_Covers((SELECT w.geom FROM admin_unit w WHERE w.id = :within),
                                    ST_PointOnSurface(u.geom)))
                ORDER BY a.population DESC, u.code
                LIMIT :cap
            )
            SELECT json_build_object(
              'type', 'FeatureCollection',
              'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'id', id,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6)::json,
                'properties', json_build_object(
                  'id', id, 'code', code, 'name', name, 'kind', CAST(:kind AS text),
                  'population', population, 'cells', cells
                )) ORDER BY population DESC, code), '[]'::json))
            FROM by_unit
            """
        ),
        params,
    )
    return payload if isinstance(payload, dict) else json.loads(payload)


def coverage_by_unit(
    conn: Connection, unit_ids: list[int]
) -> dict[int, dict[str, tuple[float, float, float | None]]]:
    """The stored rollup: unit id → kind → (population, covered, share 0-1 or None if nobody).

    Units without a computed rollup are absent from the result.
    """
    rows = conn.execute(
        text(
            "SELECT admin_unit_id, facility_kind, population, covered FROM coverage "
            "WHERE admin_unit_id = ANY(:ids) ORDER BY admin_unit_id, facility_kind"
        ),
        {"ids": list(unit_ids)},
    )
    result: dict[int, dict[str, tuple[float, float, float | None]]] = {}
    for unit_id, kind, population, covered in rows:
        share = coverage_share(covered, population)
        result.setdefault(unit_id, {})[kind] = (population, covered, share)
    return result
