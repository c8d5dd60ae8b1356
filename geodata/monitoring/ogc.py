"""Open data as OGC API – Features collections: what each layer publishes and the queries.

Each :class:`Collection` names its table, the fixed condition that keeps it public (active
sensors of one kind, the current version of the admin units), the properties it publishes and
the properties a client may filter on (its queryables). The public collections carry no
personal data: the unit indicators carry at most the count of citizens' flood reports per
unit, through the counting function the public's reader role may call (migration 0005).

A *restricted* collection (``flood-reports``: the reports themselves, with the citizen's own
words) is for staff only; ``routes.ogc`` serves it to a personal API token, read under the
token's account's data scope, so the ward reader role's row-level security keeps a ward's
token to its units whatever the query. The public's reader role may not read its table at all.

A page of items is one statement: the page's rows are picked first (by index: ``&&`` on the
GiST index for a bbox, the primary key for the order), the latest values are joined to those
rows only, and PostGIS writes every Feature as text (``ST_AsGeoJSON(geom, 6)``), so Python only
splices the array into the response. The count of matches is a count over the same condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from domain.facilities import FACILITY_KINDS

BBox = tuple[float, float, float, float]
Interval = tuple[dt.datetime | None, dt.datetime | None]  # None: open at that end

# Decimal places of coordinates in GeoJSON: 6 is about 0.1 m at Cần Thơ's latitude.
PRECISION = 6

# The hour the dashboard calls "now": the latest hour with any reading (an index step).
LATEST_HOUR = "(SELECT max(hour) FROM reading_hourly WHERE hour <= now())"

# Admin units valid on the day asked for (valid_to exclusive, NULL = still valid).
_CURRENT_UNIT = "b.valid_from <= :today AND (b.valid_to IS NULL OR b.valid_to > :today)"
_PARENT_CODE = "(SELECT p.code FROM admin_unit p WHERE p.id = b.parent_id)"

UNIT_INDICATORS = ("aqi_max", "gauges_above_alert", "congested_share")


@dataclass(frozen=True)
class Queryable:
    """A property clients may filter on with ``?name=value``: its SQL and its JSON type."""

    name: str
    sql: str
    type: str = "string"  # "string" or "integer"


@dataclass(frozen=True)
class Collection:
    """One published layer. SQL fragments use the alias ``b`` for the table's rows."""

    id: str
    table: str
    geometry_type: str
    properties: str  # a json_build_object(...) over b and the joins' columns
    where: str = "true"
    joins: str = ""  # joined to the page's rows only (latest values)
    queryables: tuple[Queryable, ...] = ()
    time: tuple[str, str] | None = None  # start column, end column (NULL end: still going on)
    restricted: bool = False  # personal data: staff with a token only, never the public

    def queryable(self, name: str) -> Queryable | None:
        return next((q for q in self.queryables if q.name == name), None)


def _code_name(*more: Queryable) -> tuple[Queryable, ...]:
    return (Queryable("code", "b.code"), Queryable("name", "b.name"), *more)


_AIR_MEANS = ", ".join(
    f"round((avg(h.mean) FILTER (WHERE q.code = '{code}'))::numeric, 1) AS {code}"
    for code in ("pm25", "pm10", "no2", "o3", "co", "so2")
)
_COVERAGE = ", ".join(
    f"round((max(c.covered / nullif(c.population, 0)) FILTER "
    f"(WHERE c.facility_kind = '{kind}'))::numeric, 4) AS coverage_{kind}"
    for kind in FACILITY_KINDS
)
_INDICATORS = ", ".join(
    f"max(i.value) FILTER (WHERE i.indicator = '{name}') AS {name}" for name in UNIT_INDICATORS
)
# A flood report's unit (a ward) and the one above it (its district), as queryables.
_REPORT_UNIT = "(SELECT w.code FROM admin_unit w WHERE w.id = b.admin_unit_id)"
_REPORT_PARENT = """(SELECT p.code FROM admin_unit w JOIN admin_unit p ON p.id = w.parent_id
    WHERE w.id = b.admin_unit_id)"""
_UNIT_PROPERTIES = f"""'code', b.code, 'name', b.name, 'unit_type', b.unit_type, 'level', b.level,
    'parent_code', {_PARENT_CODE}"""

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            id="water-level-gauges",
            table="sensor",
            geometry_type="Point",
            where="b.kind IN ('river_gauge', 'canal_gauge') AND b.active",
            joins=f"""LEFT JOIN sensor_indicator si ON si.sensor_id = b.id
                AND si.indicator = 'alert_level' AND si.period = 'hour'
                AND si.period_start = {LATEST_HOUR}""",
            properties="""json_build_object('code', b.code, 'name', b.name, 'kind', b.kind,
                'hour', si.period_start, 'max_level_m', si.detail -> 'max_level_m',
                'alert_level', si.value, 'alert_1_m', b.alert_1, 'alert_2_m', b.alert_2,
                'alert_3_m', b.alert_3)""",
            queryables=_code_name(Queryable("kind", "b.kind")),
        ),
        Collection(
            id="air-stations",
            table="sensor",
            geometry_type="Point",
            where="b.kind = 'air_station' AND b.active",
            joins=f"""LEFT JOIN sensor_indicator si ON si.sensor_id = b.id
                AND si.indicator = 'aqi' AND si.period = 'hour'
                AND si.period_start = {LATEST_HOUR}
              LEFT JOIN LATERAL (SELECT {_AIR_MEANS} FROM reading_hourly h
                JOIN quantity q ON q.id = h.quantity_id
                WHERE h.sensor_id = b.id AND h.hour = si.period_start) m ON true""",
            properties="""json_build_object('code', b.code, 'name', b.name,
                'hour', si.period_start, 'vn_aqi', si.value,
                'category', si.detail ->> 'category', 'dominant', si.detail ->> 'dominant',
                'pm25_ugm3', m.pm25, 'pm10_ugm3', m.pm10, 'no2_ugm3', m.no2, 'o3_ugm3', m.o3,
                'co_ugm3', m.co, 'so2_ugm3', m.so2)""",
            queryables=_code_name(),
        ),
        Collection(
            id="inundation-areas",
            table="inundation_area",
            geometry_type="MultiPolygon",
            properties="""json_build_object('code', b.code, 'depth_m', b.depth_m,
                'started_at', b.started_at, 'ended_at', b.ended_at)""",
            queryables=(Queryable("code", "b.code"),),
            time=("b.started_at", "b.ended_at"),
        ),
        Collection(
            id="roads",
            table="road_segment",
            geometry_type="LineString",
            # A segment may have several detectors (one per direction): one mean each.
            joins=f"""LEFT JOIN LATERAL (
                SELECT avg(si.value) AS ratio,
                       round(avg((si.detail ->> 'speed_kmh')::numeric), 1) AS speed,
                       max(si.period_start) AS hour
                FROM sensor s JOIN sensor_indicator si ON si.sensor_id = s.id
                 AND si.indicator = 'speed_ratio' AND si.period = 'hour'
                 AND si.period_start = {LATEST_HOUR}
                WHERE s.road_segment_id = b.id AND s.active) m ON true""",
            properties="""json_build_object('code', b.code, 'name', b.name,
                'road_class', b.road_class, 'free_flow_kmh', b.free_flow_kmh,
                'length_m', round(b.length_m::numeric, 1), 'hour', m.hour,
                'speed_kmh', m.speed, 'speed_ratio', round(m.ratio::numeric, 3),
                'congestion', CASE WHEN m.ratio IS NULL THEN NULL
                  WHEN m.ratio >= 0.75 THEN 'free' WHEN m.ratio >= 0.5 THEN 'slow'
                  WHEN m.ratio >= 0.25 THEN 'heavy' ELSE 'standstill' END)""",
            queryables=_code_name(Queryable("road_class", "b.road_class")),
        ),
        Collection(
            id="traffic-incidents",
            table="traffic_incident",
            geometry_type="Point",
            # The free-text description is left out: it is written by operators, not vetted.
            properties="""json_build_object('code', b.code, 'kind', b.kind,
                'severity', b.severity, 'started_at', b.started_at, 'ended_at', b.ended_at)""",
            queryables=(
                Queryable("code", "b.code"),
                Queryable("kind", "b.kind"),
                Queryable("severity", "b.severity", "integer"),
            ),
            time=("b.started_at", "b.ended_at"),
        ),
        Collection(
            id="cameras",
            table="camera",
            geometry_type="Point",
            properties="json_build_object('code', b.code, 'name', b.name)",
            queryables=_code_name(),
        ),
        Collection(
            id="facilities",
            table="facility",
            geometry_type="Point",
            properties="""json_build_object('code', b.code, 'kind', b.kind, 'name', b.name,
                'capacity', b.capacity)""",
            queryables=_code_name(Queryable("kind", "b.kind")),
        ),
        Collection(
            id="admin-units",
            table="admin_unit",
            geometry_type="MultiPolygon",
            where=_CURRENT_UNIT,
            properties=f"""json_build_object({_UNIT_PROPERTIES},
                'population', b.population, 'area_km2', round(b.area_km2::numeric, 2),
                'valid_from', b.valid_from, 'valid_to', b.valid_to)""",
            queryables=_code_name(
                Queryable("level", "b.level"),
                Queryable("unit_type", "b.unit_type"),
                Queryable("parent_code", _PARENT_CODE),
            ),
        ),
        Collection(
            id="unit-indicators",
            table="admin_unit",
            geometry_type="MultiPolygon",
            where=_CURRENT_UNIT,
            joins=f"""LEFT JOIN LATERAL (SELECT {_INDICATORS}, max(i.period_start) AS hour
                FROM unit_indicator i
                WHERE i.indicator IN ({", ".join(f"'{n}'" for n in UNIT_INDICATORS)})
                  AND i.period = 'hour' AND i.period_start = {LATEST_HOUR}
                  AND i.admin_unit_id = b.id) ind ON true
              LEFT JOIN LATERAL (SELECT {_COVERAGE} FROM coverage c
                WHERE c.admin_unit_id = b.id) cov ON true""",
            # Citizens' reports only as a count per unit, through the function the public's
            # reader role may call; never a report itself.
            properties=f"""json_build_object({_UNIT_PROPERTIES}, 'hour', ind.hour,
                {", ".join(f"'{n}', ind.{n}" for n in UNIT_INDICATORS)},
                'flood_reports_24h',
                  count_flood_reports(b.geom, now() - interval '24 hours', now()),
                {", ".join(f"'coverage_{k}', cov.coverage_{k}" for k in FACILITY_KINDS)})""",
            queryables=_code_name(
                Queryable("level", "b.level"), Queryable("parent_code", _PARENT_CODE)
            ),
        ),
        Collection(
            id="flood-reports",
            table="flood_report",
            geometry_type="Point",
            restricted=True,
            # The unit a report lies in (a ward) and the unit above it (its district).
            joins="""LEFT JOIN admin_unit u ON u.id = b.admin_unit_id
              LEFT JOIN admin_unit up ON up.id = u.parent_id""",
            # The description is the citizen's own words (may name people, homes, phones):
            # personal data, which is why the collection is restricted.
            properties="""json_build_object('code', b.code, 'reported_at', b.reported_at,
                'depth_cm', b.depth_cm, 'description', b.description, 'source', b.source,
                'unit_code', u.code, 'unit_name', u.name, 'parent_code', up.code)""",
            queryables=(
                Queryable("code", "b.code"),
                Queryable("unit_code", _REPORT_UNIT),
                Queryable("parent_code", _REPORT_PARENT),
                Queryable("source", "b.source"),
            ),
            time=("b.reported_at", "b.reported_at"),
        ),
    )
}


PUBLIC_COLLECTIONS: tuple[Collection, ...] = tuple(
    c for c in COLLECTIONS.values() if not c.restricted
)


@dataclass(frozen=True)
class ItemsQuery:
    """What a client asked of a collection's items, already checked."""

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    interval: Interval | None = None
    filters: tuple[tuple[str, str | int], ...] = ()
    # Only features touching these admin units (ward staff's; None: no such filter).
    within_units: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ItemsPage:
    """One page: how many features match, how many are here, and the features as JSON text."""

    number_matched: int
    number_returned: int
    features_json: str  # a JSON array of GeoJSON Features, as PostGIS wrote it


@dataclass(frozen=True)
class Extent:
    """Where and when a collection's features are (None: no features, or no time)."""

    bbox: BBox | None
    interval: Interval | None


def _feature_sql(collection: Collection) -> str:
    """One Feature as JSON text, for a row ``b`` of the collection (and its joins)."""
    return (
        """'{"type":"Feature","id":' || b.id || ',"geometry":' """
        f"|| ST_AsGeoJSON(b.geom, {PRECISION}) || ',\"properties\":' "
        f"|| ({collection.properties})::text || '}}'"
    )


def _boxes(bbox: BBox) -> list[BBox]:
    """The bbox as boxes that do not cross the antimeridian (min lon > max lon crosses it)."""
    xmin, ymin, xmax, ymax = bbox
    if xmin <= xmax:
        return [bbox]
    return [(xmin, ymin, 180.0, ymax), (-180.0, ymin, xmax, ymax)]


def _within(units: Sequence[str] | None, params: dict[str, Any]) -> str:
    """The features touching the admin units with these codes (any version), when ``units`` is
    given: the application's own unit filter, by the rule of the ward reader role's row-level
    security (migration 0005), so either wall alone keeps a ward to its units."""
    if units is None:
        return "true"
    params["within_units"] = list(units)
    return """EXISTS (SELECT 1 FROM admin_unit s WHERE s.code = ANY(:within_units)
        AND s.geom && b.geom AND ST_Intersects(s.geom, b.geom))"""


def _conditions(collection: Collection, query: ItemsQuery, params: dict[str, Any]) -> list[str]:
    conditions = [collection.where, _within(query.within_units, params)]
    if query.bbox is not None:
        spatial = []
        for n, (xmin, ymin, xmax, ymax) in enumerate(_boxes(query.bbox)):
            params.update({f"x0_{n}": xmin, f"y0_{n}": ymin, f"x1_{n}": xmax, f"y1_{n}": ymax})
            # The envelope of a line: a box, or a line or a point when the bbox has no width or
            # height (ST_MakeEnvelope's flat polygon would intersect nothing). && uses the index.
            box = (
                f"ST_SetSRID(ST_Envelope(ST_MakeLine(ST_MakePoint(:x0_{n}, :y0_{n}), "
                f"ST_MakePoint(:x1_{n}, :y1_{n}))), 4326)"
            )
            spatial.append(f"(b.geom && {box} AND ST_Intersects(b.geom, {box}))")
        conditions.append("(" + " OR ".join(spatial) + ")")
    if query.interval is not None and collection.time is not None:
        start, end = collection.time
        since, until = query.interval
        # A feature's period [start, end] (end NULL: still going on) meets the one asked for.
        if until is not None:
            conditions.append(f"{start} <= :until")
            params["until"] = until
        if since is not None:
            conditions.append(f"({end} IS NULL OR {end} >= :since)")
            params["since"] = since
    for n, (name, value) in enumerate(query.filters):
        queryable = collection.queryable(name)
        if queryable is None:
            raise ValueError(f"{name!r} is not a queryable of {collection.id}")
        conditions.append(f"{queryable.sql} = :f{n}")
        params[f"f{n}"] = value
    return conditions


def items_page(
    conn: Connection, collection: Collection, query: ItemsQuery, today: dt.date
) -> ItemsPage:
    """One page of a collection's features in id order, with the number matching in all."""
    params: dict[str, Any] = {"today": today, "limit": query.limit, "offset": query.offset}
    where = " AND ".join(_conditions(collection, query, params))
    row = conn.execute(
        text(
            f"""
            WITH page AS MATERIALIZED (
              SELECT b.* FROM {collection.table} b WHERE {where}
              ORDER BY b.id LIMIT :limit OFFSET :offset
            )
            SELECT (SELECT count(*) FROM {collection.table} b WHERE {where}) AS matched,
                   count(*) AS returned,
                   '[' || coalesce(string_agg({_feature_sql(collection)}, ',' ORDER BY b.id),
                                   '') || ']' AS features
            FROM page b {collection.joins}
            """
        ),
        params,
    ).one()
    return ItemsPage(int(row.matched), int(row.returned), str(row.features))


def feature(
    conn: Connection,
    collection: Collection,
    fid: int,
    today: dt.date,
    within_units: Sequence[str] | None = None,
) -> str | None:
    """One Feature of the collection as JSON text, or None when it has no such feature (or
    none touching ``within_units``)."""
    params: dict[str, Any] = {"fid": fid, "today": today}
    within = _within(within_units, params)
    return conn.scalar(
        text(
            f"""
            SELECT {_feature_sql(collection)}
            FROM (SELECT b.* FROM {collection.table} b
                  WHERE b.id = :fid AND {collection.where} AND {within}) b {collection.joins}
            """
        ),
        params,
    )


def extents(
    conn: Connection,
    today: dt.date,
    collections: Sequence[Collection] = PUBLIC_COLLECTIONS,
    within_units: Sequence[str] | None = None,
) -> dict[str, Extent]:
    """The collections' bounding boxes and, where they have time, their time spans (one
    statement; read in the scope of whoever may see them all)."""
    if not collections:
        return {}
    params: dict[str, Any] = {"today": today}
    within = _within(within_units, params)
    parts = []
    for n, c in enumerate(collections):
        start, end = c.time or ("NULL::timestamptz", "NULL::timestamptz")
        # A span open at its end when any feature is still going on.
        last = f"CASE WHEN bool_or({end} IS NULL) THEN NULL ELSE max({end}) END"
        parts.append(
            f"""SELECT {n} AS n, ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax,
                  ST_YMax(e) AS ymax, first, last
                FROM (SELECT ST_Extent(b.geom)::geometry AS e, min({start}) AS first,
                             {last} AS last
                      FROM {c.table} b WHERE {c.where} AND {within}) x"""
        )
    rows = conn.execute(text(" UNION ALL ".join(parts) + " ORDER BY n"), params).all()
    found: dict[str, Extent] = {}
    for c, row in zip(collections, rows, strict=True):
        bbox = None if row.xmin is None else (row.xmin, row.ymin, row.xmax, row.ymax)
        interval = (row.first, row.last) if c.time and row.first is not None else None
        found[c.id] = Extent(bbox, interval)
    return found
