"""Open data as OGC API – Features: the queries behind a collection's pages, items and extents.

Which collections there are is the layer catalogue's (``geodata.monitoring.catalogue``): each
layer that the OGC API offers declares its :class:`Collection` there, beside its map query. A
:class:`Collection` names its table, the fixed condition that keeps it public (active sensors of
one kind, the current version of the admin units), the properties it publishes and the properties
a client may filter on (its queryables). A *restricted* collection (personal or staff data) is
served by ``routes.ogc`` to a personal API token only, read under the token's account's data
scope, so the ward reader role's row-level security keeps a ward's token to its units whatever
the query; the public's reader role may not read its table at all.

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

from domain.layers import Visibility

BBox = tuple[float, float, float, float]
Interval = tuple[dt.datetime | None, dt.datetime | None]  # None: open at that end

# Decimal places of coordinates in GeoJSON: 6 is about 0.1 m at Cần Thơ's latitude.
PRECISION = 6

# The hour the dashboard calls "now": the latest hour with any reading (an index step).
LATEST_HOUR = "(SELECT max(hour) FROM reading_hourly WHERE hour <= now())"

# Where a collection's joins name the hour of the values they join: ``{hour}``.
HOUR = "{hour}"


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
    title: str  # catalog keys of its title and description
    about: str
    table: str
    geometry_type: str
    properties: str  # a json_build_object(...) over b and the joins' columns
    where: str = "true"
    # Joined to the page's rows only: the values of an hour, written ``{hour}`` (the latest
    # hour with data in the OGC API, the hour shown on the map).
    joins: str = ""
    queryables: tuple[Queryable, ...] = ()
    time: tuple[str, str] | None = None  # start column, end column (NULL end: still going on)
    # Who may read it: its layer's (set by the catalogue when the layer is registered).
    visibility: Visibility = "public"

    @property
    def restricted(self) -> bool:
        """Staff or personal data: a staff member's personal token only, never the public."""
        return self.visibility != "public"

    def queryable(self, name: str) -> Queryable | None:
        return next((q for q in self.queryables if q.name == name), None)

    def joins_at(self, hour: str = LATEST_HOUR) -> str:
        """The joins, with the values of ``hour`` (an SQL expression: the latest by default)."""
        return self.joins.replace(HOUR, hour)


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
    return """EXISTS (SELECT 1 FROM admin_unit s
        WHERE s.id = ANY(app_pinned_unit_ids(CAST(:within_units AS text[])))
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
            FROM page b {collection.joins_at()}
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
                  WHERE b.id = :fid AND {collection.where} AND {within}) b {collection.joins_at()}
            """
        ),
        params,
    )


def extents(
    conn: Connection,
    today: dt.date,
    collections: Sequence[Collection],
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
