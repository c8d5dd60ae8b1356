"""The layer catalogue: one declaration per layer, and every part of the product built from it.

A :class:`Layer` says everything about one layer: its map query, who may see it (public, staff,
personal), how it is simplified at each zoom, whether the map, the kiosk, downloads, the printed
map and the OGC API offer it, its OGC collection(s) with their queryables, and its legend and
style (``domain.layers.LayerInfo``). The dashboard's map, the kiosk, the downloads, the printed
maps and the OGC API's collections are all read from here: adding a layer is one
:func:`register` (plus its names in the translation catalog), and nothing else in the code lists
layers.

A city may add layers of its own without touching this file: the setting ``layer_modules``
(``CANTHO_LAYER_MODULES``) names modules imported once the built-in layers are registered; each
calls :func:`register`.

Who may read a layer is decided in one place, the access rules (``may_read`` of the web layer),
from the layer's ``visibility``; this module only declares it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, text

from domain import reports
from domain.facilities import FACILITY_KINDS
from domain.layers import LayerInfo, MapStyle
from domain.tolerance import VIEWPORT_PIXELS, frame_tolerance, tolerance_for
from domain.units import Unit
from geodata.monitoring import coverage, layers
from geodata.monitoring.ogc import HOUR, PRECISION, Collection, Queryable
from geodata.settings import get_settings

BBox = tuple[float, float, float, float]
# What a layer is read for: each simplifies in its own way (a download is exact).
Purpose = Literal["map", "kiosk", "download", "print"]
# About one pixel of the printed map (≈ 1,250 px wide at 150 dpi): finer detail cannot show.
PRINT_PIXELS = 1250
_WORLD: BBox = (-180.0, -90.0, 180.0, 90.0)


@dataclass(frozen=True)
class View:
    """Where, when and how finely a layer is read: what its query is given."""

    unit: Unit
    at: dt.datetime
    bbox: BBox  # the part of the map on screen (the unit's bounds when it is drawn whole)
    zoom: float
    tolerance: float  # degrees: about a pixel where it is shown; 0 = exact
    facility_kind: str | None = None  # the kind of facility the services layers show
    on_date: dt.date | None = None  # the day whose admin units count (None: today in the city)

    @classmethod
    def of(
        cls,
        layer: LayerInfo,
        purpose: Purpose,
        unit: Unit,
        at: dt.datetime,
        bbox: BBox | None = None,
        zoom: float | None = None,
        facility_kind: str | None = None,
        on_date: dt.date | None = None,
    ) -> View:
        """The view of ``unit`` a layer is read in for ``purpose``: the one place that decides
        how finely each layer is simplified (``layer.simplify``) on the map, the kiosk, the
        printed page and in a download."""
        box = bbox or unit.bounds
        tolerance = 0.0
        if layer.simplify != "none" and purpose != "download":
            if purpose == "print":
                tolerance = frame_tolerance(unit.bounds, PRINT_PIXELS)
            elif layer.simplify == "viewport" and purpose == "map":
                tolerance = tolerance_for(box, VIEWPORT_PIXELS)
            else:
                tolerance = tolerance_for(unit.bounds)
        if zoom is None:
            # A download has every road; a kiosk or print of a unit, as a screen shows it whole.
            zoom = layers.ALL_ROADS_ZOOM if purpose == "download" else _zoom(unit.bounds, purpose)
        if purpose == "download":
            box = _WORLD  # the unit's own shape limits what is read
        return cls(unit, at, box, zoom, tolerance, facility_kind, on_date)


def _zoom(bounds: BBox, purpose: Purpose) -> float:
    """The zoom at which a unit fills a kiosk (arterials only, like the city view) or a page."""
    if purpose == "kiosk":
        return layers.ALL_ROADS_ZOOM - 1
    width = max(bounds[2] - bounds[0], 1e-6)
    return math.log2(PRINT_PIXELS * 360 / (256 * width))


Query = Callable[[Connection, View], dict[str, Any]]


@dataclass(frozen=True)
class Layer:
    """One entry of the catalogue: the layer as drawn (``info``), its query, its collections."""

    info: LayerInfo
    query: Query | None = None  # the features in a view; None: published as open data only
    collections: tuple[Collection, ...] = ()  # what the OGC API publishes of it

    @property
    def name(self) -> str:
        return self.info.name

    def features(self, conn: Connection, view: View) -> dict[str, Any]:
        """The layer's features in the view, as a GeoJSON FeatureCollection built by PostGIS."""
        if self.query is None:
            return dict(layers.EMPTY)
        return self.query(conn, view)


_CATALOGUE: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Add a layer to the catalogue (after those there: the map draws a theme's layers in this
    order). Its collections are restricted (a personal API token only) unless it is public."""
    if layer.name in _CATALOGUE:
        raise ValueError(f"a layer named {layer.name!r} is already in the catalogue")
    taken = {c.id for other in _CATALOGUE.values() for c in other.collections}
    for collection in layer.collections:
        if collection.id in taken:
            raise ValueError(f"an OGC collection {collection.id!r} is already in the catalogue")
    visibility = layer.info.visibility
    collections = tuple(dataclasses.replace(c, visibility=visibility) for c in layer.collections)
    _CATALOGUE[layer.name] = dataclasses.replace(layer, collections=collections)
    return _CATALOGUE[layer.name]


def catalogue() -> list[Layer]:
    """Every layer, in the order registered."""
    return list(_CATALOGUE.values())


def layer(name: str) -> Layer | None:
    return _CATALOGUE.get(name)


def on_map() -> list[Layer]:
    """The layers the dashboard's map draws (each in a theme of the layers control)."""
    return [x for x in _CATALOGUE.values() if x.info.map is not None and x.info.theme]


def themes() -> list[str]:
    """The themes of the layers control, in the order their first layer was registered."""
    return list(dict.fromkeys(x.info.theme for x in on_map() if x.info.theme))


def in_themes(themes: list[str] | tuple[str, ...], offer: str = "map") -> list[Layer]:
    """The layers of these themes that are offered on the map, the kiosk or the printed map."""
    wanted = {"map": on_map(), "kiosk": kiosk_layers(), "print": printed()}[offer]
    return [x for x in wanted if x.info.theme in themes]


def kiosk_layers() -> list[Layer]:
    """What the lobby kiosk may draw: public layers offered to it, never anything else."""
    return [x for x in on_map() if x.info.kiosk and x.info.visibility == "public"]


def downloads() -> list[Layer]:
    """The layers offered as files per unit."""
    return [x for x in _CATALOGUE.values() if x.info.download and x.query is not None]


def printed() -> list[Layer]:
    """The layers the printable map draws, when their theme is chosen."""
    return [x for x in on_map() if x.info.printed]


def collections() -> dict[str, Collection]:
    """Every OGC collection, by id, in the order registered."""
    return {c.id: c for x in _CATALOGUE.values() for c in x.collections}


def public_collections() -> tuple[Collection, ...]:
    return tuple(c for c in collections().values() if not c.restricted)


# --- the built-in layers ------------------------------------------------------------------------

# Admin units valid on the day asked for (valid_to exclusive, NULL = still valid).
_CURRENT_UNIT = "b.valid_from <= :today AND (b.valid_to IS NULL OR b.valid_to > :today)"
_PARENT_CODE = "(SELECT p.code FROM admin_unit p WHERE p.id = b.parent_id)"

UNIT_INDICATORS = ("aqi_max", "gauges_above_alert", "congested_share")


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

_COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            id="water-level-gauges",
            title="ogc.gauges",
            about="ogc.gauges.about",
            table="sensor",
            geometry_type="Point",
            where="b.kind IN ('river_gauge', 'canal_gauge') AND b.active",
            joins=f"""LEFT JOIN sensor_indicator si ON si.sensor_id = b.id
                AND si.indicator = 'alert_level' AND si.period = 'hour'
                AND si.period_start = {HOUR}
              {layers.forecast_48h(HOUR)}""",
            properties="""json_build_object('code', b.code, 'name', b.name, 'kind', b.kind,
                'hour', si.period_start, 'max_level_m', si.detail -> 'max_level_m',
                'alert_level', si.value, 'alert_1_m', b.alert_1, 'alert_2_m', b.alert_2,
                'alert_3_m', b.alert_3, 'forecast_issued_at', fc.issued_at,
                'forecast_level', CASE WHEN fc.issued_at IS NULL THEN NULL
                    WHEN fc.k3 IS NOT NULL THEN 3 WHEN fc.k2 IS NOT NULL THEN 2 ELSE 0 END,
                'forecast_level_at',
                    fc.issued_at + (coalesce(fc.k3, fc.k2) - 1) * interval '1 hour')""",
            queryables=_code_name(Queryable("kind", "b.kind")),
        ),
        Collection(
            id="air-stations",
            title="ogc.air",
            about="ogc.air.about",
            table="sensor",
            geometry_type="Point",
            where="b.kind = 'air_station' AND b.active",
            joins=f"""LEFT JOIN sensor_indicator si ON si.sensor_id = b.id
                AND si.indicator = 'aqi' AND si.period = 'hour'
                AND si.period_start = {HOUR}
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
            title="ogc.inundation",
            about="ogc.inundation.about",
            table="inundation_area",
            geometry_type="MultiPolygon",
            properties="""json_build_object('code', b.code, 'depth_m', b.depth_m,
                'started_at', b.started_at, 'ended_at', b.ended_at)""",
            queryables=(Queryable("code", "b.code"),),
            time=("b.started_at", "b.ended_at"),
        ),
        Collection(
            id="roads",
            title="ogc.roads",
            about="ogc.roads.about",
            table="road_segment",
            geometry_type="LineString",
            # A segment may have several detectors (one per direction): one mean each.
            joins=f"""LEFT JOIN LATERAL (
                SELECT avg(si.value) AS ratio,
                       round(avg((si.detail ->> 'speed_kmh')::numeric), 1) AS speed,
                       max(si.period_start) AS hour
                FROM sensor s JOIN sensor_indicator si ON si.sensor_id = s.id
                 AND si.indicator = 'speed_ratio' AND si.period = 'hour'
                 AND si.period_start = {HOUR}
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
            title="ogc.incidents",
            about="ogc.incidents.about",
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
            title="ogc.cameras",
            about="ogc.cameras.about",
            table="camera",
            geometry_type="Point",
            properties="json_build_object('code', b.code, 'name', b.name)",
            queryables=_code_name(),
        ),
        Collection(
            id="facilities",
            title="ogc.facilities",
            about="ogc.facilities.about",
            table="facility",
            geometry_type="Point",
            properties="""json_build_object('code', b.code, 'kind', b.kind, 'name', b.name,
                'capacity', b.capacity)""",
            queryables=_code_name(Queryable("kind", "b.kind")),
        ),
        Collection(
            id="admin-units",
            title="ogc.units",
            about="ogc.units.about",
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
            title="ogc.indicators",
            about="ogc.indicators.about",
            table="admin_unit",
            geometry_type="MultiPolygon",
            where=_CURRENT_UNIT,
            joins=f"""LEFT JOIN LATERAL (SELECT {_INDICATORS}, max(i.period_start) AS hour
                FROM unit_indicator i
                WHERE i.indicator IN ({", ".join(f"'{n}'" for n in UNIT_INDICATORS)})
                  AND i.period = 'hour' AND i.period_start = {HOUR}
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
            title="ogc.reports",
            about="ogc.reports.about",
            table="flood_report",
            geometry_type="Point",
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


def _with_id(properties: str) -> str:
    """A collection's properties with the row's id first (the map's clicks name a feature by
    it), the published properties after it in their order."""
    head, body = "json_build_object(", properties.strip()
    if body.startswith(head):
        return f"{head}'id', b.id, {body.removeprefix(head)}"
    return f"({properties})::jsonb || jsonb_build_object('id', b.id)"


def _collection_features(collection: Collection) -> Query:
    """A map query from a collection's own declaration: the same rows, joins and properties as
    the OGC API publishes (plus the row's id, which the map's clicks need), for the hour shown
    and inside the unit."""

    def query(conn: Connection, view: View) -> dict[str, Any]:
        sql = f"""
            SELECT json_build_object('type', 'FeatureCollection', 'features',
              coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', b.id,
                'geometry', ST_AsGeoJSON(b.geom, {PRECISION})::json,
                'properties', {_with_id(collection.properties)})
              ORDER BY b.id), '[]'::json))
            FROM (SELECT b.* FROM {collection.table} b
                  WHERE {collection.where}
                    AND ST_Covers((SELECT geom FROM admin_unit WHERE id = :unit_id), b.geom)
                  ORDER BY b.id LIMIT :cap) b
            {collection.joins_at(":hour")}
        """
        params = {
            "unit_id": view.unit.id,
            "hour": view.at.replace(minute=0, second=0, microsecond=0),
            "today": view.on_date or view.at.date(),
            "cap": get_settings().max_features,
        }
        found = conn.scalar(text(sql), params)
        return found if isinstance(found, dict) else dict(layers.EMPTY)

    return query


def _roads(conn: Connection, view: View) -> dict[str, Any]:
    return layers.traffic_geojson(conn, view.unit.id, view.at, view.bbox, view.zoom, view.tolerance)


def _underserved(conn: Connection, view: View) -> dict[str, Any]:
    return coverage.underserved_geojson(
        conn, view.facility_kind or "health_station", view.unit.bounds, view.tolerance,
        get_settings().max_features, view.on_date, view.unit.id,
    )  # fmt: skip


_GAUGES = _COLLECTIONS["water-level-gauges"]

# A published report's colour on the map and the printed page: its status (domain.reports).
_STATUS_COLOUR = (
    "CASE WHEN b.status = 'resolved' AND b.resolution <> 'fixed' "
    f"THEN '{reports.CLOSED_UNFIXED_COLOUR}' "
    + " ".join(f"WHEN b.status = '{k}' THEN '{c}'" for k, c in reports.STATUS_COLOURS.items())
    + f" ELSE '{reports.CLOSED_UNFIXED_COLOUR}' END"
)
# What anyone may read of citizens' reports (the view public_report, migration 0010): no
# contact, no note, no rating comment, the description only once staff published it.
_CITIZEN_REPORTS = Collection(
    id="citizen-reports",
    title="ogc.citizen_reports",
    about="ogc.citizen_reports.about",
    table="public_report",
    geometry_type="Point",
    properties="""json_build_object('code', b.code, 'category_code', b.category,
        'status', b.status, 'resolution', b.resolution, 'reported_at', b.reported_at,
        'acknowledged_at', b.acknowledged_at, 'resolved_at', b.resolved_at,
        'description', b.description, 'supporters', b.supporters,
        'unit_code', (SELECT u.code FROM admin_unit u WHERE u.id = b.admin_unit_id))""",
    where="b.duplicate_of IS NULL",
    queryables=(
        Queryable("code", "b.code"),
        Queryable("category_code", "b.category"),
        Queryable("status", "b.status"),
        Queryable("unit_code", "(SELECT u.code FROM admin_unit u WHERE u.id = b.admin_unit_id)"),
    ),
    time=("b.reported_at", "b.resolved_at"),
)
# How long a closed report stays on the map after it was closed.
REPORTS_SHOWN_DAYS = 30


def _citizen_reports(conn: Connection, view: View) -> dict[str, Any]:
    """Published reports in the unit that were open at the moment shown, or closed within
    REPORTS_SHOWN_DAYS before it, coloured by status; their category's names for the popup."""
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
          coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', b.id,
            'geometry', ST_AsGeoJSON(b.geom, {PRECISION})::json,
            'properties', json_build_object('id', b.id, 'kind', 'citizen_report',
              'code', b.code, 'category_code', b.category, 'category_vi', c.name_vi,
              'category_en', c.name_en, 'status', b.status, 'resolution', b.resolution,
              'colour', {_STATUS_COLOUR}, 'reported_at', b.reported_at,
              'resolved_at', b.resolved_at, 'description', b.description,
              'supporters', b.supporters))
          ORDER BY b.reported_at DESC), '[]'::json))
        FROM (SELECT b.* FROM public_report b
              WHERE b.duplicate_of IS NULL AND b.reported_at <= :at
                AND (b.resolved_at IS NULL OR b.resolved_at > :at - make_interval(days => :days))
                AND b.geom && (SELECT geom FROM admin_unit WHERE id = :unit_id)
                AND ST_Covers((SELECT geom FROM admin_unit WHERE id = :unit_id), b.geom)
              ORDER BY b.reported_at DESC LIMIT :cap) b
        JOIN report_category c ON c.code = b.category
    """
    found = conn.scalar(
        text(sql),
        {"unit_id": view.unit.id, "at": view.at, "days": REPORTS_SHOWN_DAYS,
         "cap": get_settings().max_features},
    )  # fmt: skip
    return found if isinstance(found, dict) else dict(layers.EMPTY)


for _layer in (
    Layer(
        LayerInfo("gauges", "flood", "download.gauges", "point", kiosk=True,
                  map=MapStyle(draw_order=1)),
        _collection_features(_GAUGES),
        (_GAUGES,),
    ),
    Layer(
        LayerInfo("inundation", "flood", "download.inundation", "area", simplify="unit",
                  kiosk=True, map=MapStyle(style="inundationStyle")),
        lambda conn, v: layers.inundation_geojson(conn, v.unit.id, v.at, v.tolerance),
        (_COLLECTIONS["inundation-areas"],),
    ),
    # Citizens' own words: personal data, for staff who act on them only.
    Layer(
        LayerInfo("reports", "flood", "download.reports", "point", visibility="personal",
                  map=MapStyle(cluster_radius=50)),
        lambda conn, v: layers.flood_reports_geojson(conn, v.unit.id, v.at),
        (_COLLECTIONS["flood-reports"],),
    ),
    Layer(
        LayerInfo("air", "air", "download.air", "point", kiosk=True),
        lambda conn, v: layers.air_stations_geojson(conn, v.unit.id, v.at),
        (_COLLECTIONS["air-stations"],),
    ),
    Layer(
        LayerInfo("roads", "traffic", "download.roads", "line", refresh="view",
                  simplify="viewport", kiosk=True, timeless=True,
                  map=MapStyle(style="trafficStyle", kiosk_style="trafficStyle")),
        _roads,
        (_COLLECTIONS["roads"],),
    ),
    Layer(
        LayerInfo("incidents", "traffic", "download.incidents", "point", refresh="view",
                  map=MapStyle(cluster_radius=40)),
        lambda conn, v: layers.traffic_points_geojson(conn, v.unit.id, v.at),
        (_COLLECTIONS["traffic-incidents"], _COLLECTIONS["cameras"]),
    ),
    Layer(
        LayerInfo("facilities", "services", "download.facilities", "point", refresh="static",
                  kiosk=True, timeless=True, map=MapStyle(cluster_radius=35, draw_order=1)),
        # The kiosk shows every kind; the map and the print the kind chosen.
        lambda conn, v: layers.facilities_geojson(conn, v.unit.id, v.facility_kind),
        (_COLLECTIONS["facilities"],),
    ),
    Layer(
        LayerInfo("underserved", "services", "legend.underserved", "area", refresh="static",
                  simplify="unit", download=False, timeless=True,
                  map=MapStyle(style="underservedStyle")),
        _underserved,
    ),
    # Citizens' reports as anyone may see them (published fields only), by status.
    Layer(
        LayerInfo("citizen-reports", "citizens", "download.citizen-reports", "point",
                  map=MapStyle(cluster_radius=40)),
        _citizen_reports,
        (_CITIZEN_REPORTS,),
    ),
    # Open data only: the map draws the units itself (the drill-down), with their indicators.
    Layer(
        LayerInfo("admin-units", None, "ogc.units", "area", map=None,
                  download=False, printed=False),
        None,
        (_COLLECTIONS["admin-units"],),
    ),
    Layer(
        LayerInfo("unit-indicators", None, "ogc.indicators", "area", map=None,
                  download=False, printed=False),
        None,
        (_COLLECTIONS["unit-indicators"],),
    ),
):  # fmt: skip
    register(_layer)

# A city's own layers, after the built-in ones.
for _module in get_settings().layer_modules:
    importlib.import_module(_module)
