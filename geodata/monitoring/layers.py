"""The monitoring layers as GeoJSON, the choropleth values, KPIs and series, all from PostGIS.

Every function reads rollups (never raw readings), filters by the selected unit's geometry and a
bounding box where the layer is dense, simplifies to the zoom, caps rows, and builds GeoJSON in
the database. Times are ``timestamptz``; a layer shows the hour that contains the moment asked.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import orjson
from sqlalchemy import Connection, text

from domain.kpi import Kpi
from domain.themes import CHOROPLETH_INDICATORS
from geodata.monitoring.cache import kept, now_key
from geodata.settings import get_settings

BBox = tuple[float, float, float, float]
EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}
# Below this zoom the traffic layer draws arterials only (city view).
ALL_ROADS_ZOOM = 13


def _collection(payload: Any) -> dict[str, Any]:
    if payload is None:
        return dict(EMPTY)
    return payload if isinstance(payload, dict) else json.loads(payload)


def _features(
    conn: Connection,
    row: str,
    geometry: str,
    properties: str,
    source: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    """A FeatureCollection built whole in PostGIS: one Feature per row ``row`` of ``source`` (a
    FROM clause), with the row's id, ``geometry`` (a GeoJSON expression) and ``properties`` (the
    arguments of a json_build_object). The fragments are this module's SQL, never input."""
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
          coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', {row}.id, 'geometry', {geometry},
            'properties', json_build_object({properties}))), '[]'::json))
        {source}
    """
    return _collection(conn.scalar(text(sql), params))


@kept("data", key=now_key)
def latest_hour(conn: Connection, now: dt.datetime) -> dt.datetime | None:
    """The most recent hour with any reading, at or before ``now``: what "now" shows."""
    # reading_hourly is indexed on the hour: one step down the index, however long the history.
    value = conn.scalar(
        text("SELECT max(hour) FROM reading_hourly WHERE hour <= :now"), {"now": now}
    )
    return value if isinstance(value, dt.datetime) else None


@kept("data", key=now_key)
def data_range(conn: Connection, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and the latest hour with any reading, at or before ``now``: the moments the time
    control may offer (None before the first reading)."""
    # Both ends are one step down the index on the hour each.
    first, last = conn.execute(
        text("SELECT min(hour), max(hour) FROM reading_hourly WHERE hour <= :now"), {"now": now}
    ).one()
    if isinstance(first, dt.datetime) and isinstance(last, dt.datetime):
        return first, last
    return None


@kept("data")
def has_data(conn: Connection, at: dt.datetime) -> bool:
    """Whether any reading was rolled up for the hour of ``at``: a moment without one is shown as
    "no data", not as zero floods and empty stations."""
    return bool(
        conn.scalar(
            text("SELECT EXISTS (SELECT 1 FROM reading_hourly WHERE hour = :hour)"),
            {"hour": _hour(at)},
        )
    )


def _hour(at: dt.datetime) -> dt.datetime:
    return at.replace(minute=0, second=0, microsecond=0)


_IN_UNIT = "ST_Covers((SELECT geom FROM admin_unit WHERE id = :unit_id), {geom})"


def flood_gauges_geojson(conn: Connection, unit_id: int, at: dt.datetime) -> dict[str, Any]:
    """River and canal gauges in the unit with the hour's highest level and its alert level."""
    return _features(
        conn,
        "s",
        "ST_AsGeoJSON(s.geom, 6)::json",
        """
            'id', s.id, 'code', s.code, 'name', s.name, 'kind', s.kind,
            'level', si.value, 'max_level_m', si.detail -> 'max_level_m',
            'alert_1', s.alert_1, 'alert_2', s.alert_2, 'alert_3', s.alert_3
        """,
        f"""
            FROM sensor s
            LEFT JOIN sensor_indicator si ON si.sensor_id = s.id
             AND si.indicator = 'alert_level' AND si.period = 'hour'
             AND si.period_start = :hour
            WHERE s.kind IN ('river_gauge', 'canal_gauge') AND s.active
              AND {_IN_UNIT.format(geom="s.geom")}
        """,
        {"unit_id": unit_id, "hour": _hour(at)},
    )


def inundation_geojson(
    conn: Connection, unit_id: int, at: dt.datetime, tolerance: float
) -> dict[str, Any]:
    """Areas under water at ``at`` (started, not yet ended) that touch the unit."""
    cap = get_settings().max_features
    return _features(
        conn,
        "a",
        "ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, :tol), 6)::json",
        """
            'id', a.id, 'kind', 'inundation', 'depth_m', a.depth_m,
            'started_at', a.started_at, 'ended_at', a.ended_at
        """,
        """
            FROM (SELECT * FROM inundation_area a
                  WHERE a.started_at <= :at AND (a.ended_at IS NULL OR a.ended_at > :at)
                    AND ST_Intersects((SELECT geom FROM admin_unit WHERE id = :unit_id),
                                      a.geom)
                  ORDER BY a.started_at DESC LIMIT :cap) a
        """,
        {"unit_id": unit_id, "at": at, "tol": tolerance, "cap": cap},
    )


def flood_reports_geojson(
    conn: Connection, unit_id: int, at: dt.datetime, hours: int = 24
) -> dict[str, Any]:
    """Citizens' flood reports in the ``hours`` before ``at`` (no personal data is stored)."""
    cap = get_settings().max_features
    return _features(
        conn,
        "r",
        "ST_AsGeoJSON(r.geom, 6)::json",
        """
            'id', r.id, 'kind', 'report', 'reported_at', r.reported_at,
            'depth_cm', r.depth_cm, 'description', r.description
        """,
        f"""
            FROM (SELECT * FROM flood_report r
                  WHERE r.reported_at <= :at
                    AND r.reported_at > :at - make_interval(hours => :hours)
                    AND {_IN_UNIT.format(geom="r.geom")}
                  ORDER BY r.reported_at DESC LIMIT :cap) r
        """,
        {"unit_id": unit_id, "at": at, "hours": hours, "cap": cap},
    )


def air_stations_geojson(conn: Connection, unit_id: int, at: dt.datetime) -> dict[str, Any]:
    """Air stations in the unit with the hour's VN_AQI and the pollutants' hourly means."""
    return _features(
        conn,
        "s",
        "ST_AsGeoJSON(s.geom, 6)::json",
        """
            'id', s.id, 'code', s.code, 'name', s.name, 'aqi', si.value,
            'dominant', si.detail ->> 'dominant', 'category', si.detail ->> 'category',
            'means', m.means
        """,
        f"""
            FROM sensor s
            LEFT JOIN sensor_indicator si ON si.sensor_id = s.id AND si.indicator = 'aqi'
             AND si.period = 'hour' AND si.period_start = :hour
            -- The hour's means of every sensor in one pass down the hour's index: a lookup
            -- per station went down the same index 30 times (116 ms cold at city scale).
            LEFT JOIN (
              SELECT h.sensor_id, json_object_agg(q.code, round(h.mean::numeric, 1)) AS means
              FROM reading_hourly h JOIN quantity q ON q.id = h.quantity_id
              WHERE h.hour = :hour GROUP BY h.sensor_id
            ) m ON m.sensor_id = s.id
            WHERE s.kind = 'air_station' AND s.active AND {_IN_UNIT.format(geom="s.geom")}
        """,
        {"unit_id": unit_id, "hour": _hour(at)},
    )


def traffic_geojson(
    conn: Connection, unit_id: int, at: dt.datetime, bbox: BBox, zoom: float, tolerance: float
) -> dict[str, Any]:
    """Road segments in the view (arterials only below ALL_ROADS_ZOOM) with the hour's speed
    ratio where a detector measures it; capped at the feature limit, measured roads first."""
    # Measured at city scale (2,049 arterials, 240 detectors, a random past hour):
    # - The hour's ratios are one range of sensor_indicator's primary key, grouped by segment
    #   once (a scalar subquery, so one InitPlan); each segment then looks its own up in that
    #   object. A LATERAL lookup per segment went down two indexes 2,049 times, and a join
    #   came out as a nested loop over the aggregate: the planner guesses one road in the box.
    # - Each feature is written as text around ST_AsGeoJSON: json_agg of json_build_object
    #   with the geometry cast to json parsed every geometry's text again.
    sql = """
        SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(
          '{"type":"Feature","id":' || g.id
          || ',"geometry":' || ST_AsGeoJSON(ST_Simplify(g.geom, :tol), 6)
          || ',"properties":' || json_build_object(
               'id', g.id, 'name', g.name, 'road_class', g.road_class,
               'free_flow_kmh', g.free_flow_kmh, 'ratio', g.m -> 0, 'speed_kmh', g.m -> 1
             )::text || '}', ',' ORDER BY g.n), '') || ']}'
        FROM (
          SELECT g.*, row_number() OVER (
                   ORDER BY (g.m ->> 0) IS NULL, g.road_class = 'arterial' DESC, g.id) AS n
          FROM (
            SELECT g.id, g.name, g.road_class, g.free_flow_kmh, g.geom,
                   (SELECT jsonb_object_agg(x.road_segment_id, jsonb_build_array(x.ratio, x.speed))
                    FROM (
                      -- A segment may have several detectors (one per direction): one mean each.
                      SELECT s.road_segment_id, round(avg(si.value)::numeric, 3) AS ratio,
                             round(avg((si.detail ->> 'speed_kmh')::numeric), 1) AS speed
                      FROM sensor_indicator si
                      JOIN sensor s ON s.id = si.sensor_id AND s.active
                      WHERE si.indicator = 'speed_ratio' AND si.period = 'hour'
                        AND si.period_start = :hour AND s.road_segment_id IS NOT NULL
                      GROUP BY s.road_segment_id
                    ) x) -> g.id::text AS m
            FROM road_segment g
            WHERE g.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326)
              AND (:all_roads OR g.road_class = 'arterial')
              AND ST_Intersects((SELECT geom FROM admin_unit WHERE id = :unit_id), g.geom)
          ) g
          ORDER BY (g.m ->> 0) IS NULL, g.road_class = 'arterial' DESC, g.id
          LIMIT :cap
        ) g
    """
    found = conn.scalar(
        text(sql),
        {
            "unit_id": unit_id,
            "hour": _hour(at),
            "xmin": bbox[0],
            "ymin": bbox[1],
            "xmax": bbox[2],
            "ymax": bbox[3],
            "all_roads": zoom >= ALL_ROADS_ZOOM,
            "tol": tolerance,
            "cap": get_settings().max_features,
        },
    )
    return _collection(orjson.loads(found) if found else None)


def traffic_points_geojson(conn: Connection, unit_id: int, at: dt.datetime) -> dict[str, Any]:
    """Incidents open at ``at`` and the cameras, as points for one clustered layer."""
    return _collection(
        conn.scalar(
            text(
                f"""
                SELECT json_build_object('type', 'FeatureCollection', 'features',
                  coalesce(json_agg(f), '[]'::json))
                FROM (SELECT f FROM (
                  SELECT json_build_object('type', 'Feature',
                    'geometry', ST_AsGeoJSON(i.geom, 6)::json,
                    'properties', json_build_object('kind', 'incident', 'id', i.id,
                      'incident', i.kind, 'severity', i.severity, 'started_at', i.started_at))
                    AS f
                  FROM traffic_incident i
                  WHERE i.started_at <= :at AND (i.ended_at IS NULL OR i.ended_at > :at)
                    AND {_IN_UNIT.format(geom="i.geom")}
                  UNION ALL
                  SELECT json_build_object('type', 'Feature',
                    'geometry', ST_AsGeoJSON(c.geom, 6)::json,
                    'properties', json_build_object('kind', 'camera', 'id', c.id,
                      'name', c.name))
                  FROM camera c WHERE {_IN_UNIT.format(geom="c.geom")}
                ) AS points LIMIT :cap) AS capped
                """
            ),
            {"unit_id": unit_id, "at": at, "cap": get_settings().max_features},
        )
    )


def facilities_geojson(conn: Connection, unit_id: int, kind: str | None) -> dict[str, Any]:
    """Facilities in the unit (of one kind, or all), capped."""
    return _features(
        conn,
        "f",
        "ST_AsGeoJSON(f.geom, 6)::json",
        "'id', f.id, 'kind', f.kind, 'name', f.name, 'capacity', f.capacity",
        f"""
            FROM (SELECT * FROM facility f
                  WHERE (CAST(:kind AS text) IS NULL OR f.kind = :kind)
                    AND {_IN_UNIT.format(geom="f.geom")}
                  ORDER BY f.id LIMIT :cap) f
        """,
        {"unit_id": unit_id, "kind": kind, "cap": get_settings().max_features},
    )


@kept(
    "data",
    key=lambda ids, indicator, at, facility_kind=None: (tuple(ids), indicator, at, facility_kind),
)
def choropleth_values(
    conn: Connection,
    unit_ids: list[int],
    indicator: str,
    at: dt.datetime,
    facility_kind: str | None = None,
) -> dict[int, float | None]:
    """The indicator's value per unit for the hour of ``at`` (coverage: the latest computed)."""
    if indicator == "coverage":
        rows = conn.execute(
            text(
                """
                SELECT admin_unit_id, CASE WHEN population > 0 THEN covered / population END
                FROM coverage WHERE admin_unit_id = ANY(:ids) AND facility_kind = :kind
                """
            ),
            {"ids": unit_ids, "kind": facility_kind or "health_station"},
        ).all()
    elif indicator in CHOROPLETH_INDICATORS:
        rows = conn.execute(
            text(
                """
                SELECT admin_unit_id, value FROM unit_indicator
                WHERE admin_unit_id = ANY(:ids) AND indicator = :indicator
                  AND period = 'hour' AND period_start = :hour
                """
            ),
            {"ids": unit_ids, "indicator": indicator, "hour": _hour(at)},
        ).all()
    else:
        raise ValueError(f"unknown indicator {indicator!r}")
    values: dict[int, float | None] = dict.fromkeys(unit_ids)
    values.update({int(i): (None if v is None else float(v)) for i, v in rows})
    return values


@kept("data")
def unit_kpis(conn: Connection, unit_id: int, at: dt.datetime, hours_back: int = 24) -> list[Kpi]:
    """Gauges above alert, worst AQI (and where), congested share, and coverage per service
    kind for the unit, each with its value ``hours_back`` earlier for the change."""
    hour = _hour(at)
    before = hour - dt.timedelta(hours=hours_back)
    keys = ["gauges_above_alert", "aqi_max", "congested_share"]
    rows = conn.execute(
        text(
            # The indicators named: six lookups down the primary key. By unit alone, the
            # planner walked the unit's whole history (27,000 rows at city scale, 50 ms).
            """
            SELECT i.indicator, i.period_start, i.value, i.detail FROM unit_indicator i
            WHERE i.indicator = ANY(:keys) AND i.period = 'hour'
              AND i.period_start IN (:hour, :before) AND i.admin_unit_id = :unit_id
            """
        ),
        {"unit_id": unit_id, "hour": hour, "before": before, "keys": keys},
    ).all()
    now_values = {r.indicator: r for r in rows if r.period_start == hour}
    old_values = {r.indicator: r for r in rows if r.period_start == before}
    kpis = []
    for key in keys:
        current, old = now_values.get(key), old_values.get(key)
        kpis.append(
            Kpi(
                key=key,
                value=current.value if current else None,
                previous=old.value if old else None,
                detail=dict(current.detail) if current else {},
            )
        )
    kpis.append(forecast_kpi(conn, unit_id, hour))
    kpis += flood_kpis(conn, unit_id, at, at - dt.timedelta(hours=hours_back))
    for kind, population, covered in conn.execute(
        text(
            """
            SELECT k.code, c.population, c.covered FROM facility_kind k
            LEFT JOIN coverage c ON c.facility_kind = k.code AND c.admin_unit_id = :unit_id
            ORDER BY k.service_distance_m
            """
        ),
        {"unit_id": unit_id},
    ).all():
        share = covered / population if population else None
        kpis.append(Kpi(key=f"coverage:{kind}", value=share, previous=None, detail={}))
    return kpis


def forecast_48h(hour: str) -> str:
    """A join giving each gauge ``b`` its forecast issued for the hour ``hour`` (an SQL
    expression; the hour after it, as a forecast is issued once an hour is over), if not older
    than three hours, as ``fc``: its ``issued_at`` and the first hour ahead, within 48, at which it
    reaches Báo động II (``k2``) and III (``k3``)."""
    return f"""LEFT JOIN LATERAL (
        SELECT f.issued_at,
          (SELECT min(x.k) FROM unnest(f.value[1:48]) WITH ORDINALITY AS x(v, k)
           WHERE x.v >= b.alert_2) AS k2,
          (SELECT min(x.k) FROM unnest(f.value[1:48]) WITH ORDINALITY AS x(v, k)
           WHERE x.v >= b.alert_3) AS k3
        FROM water_forecast f
        WHERE f.sensor_id = b.id AND f.value IS NOT NULL
          AND f.issued_at <= {hour} + interval '1 hour'
          AND f.issued_at > {hour} - interval '2 hours'
        ORDER BY f.issued_at DESC LIMIT 1) fc ON true"""


def forecast_kpi(conn: Connection, unit_id: int, hour: dt.datetime) -> Kpi:
    """The unit's gauges forecast (by the forecast issued for ``hour``) to reach Báo động II or
    III within 48 hours: how many, the highest level and the first hour one reaches it."""
    row = conn.execute(
        text(
            f"""
            SELECT count(*) AS n, max(level) AS level, min(reached) AS reached FROM (
              SELECT CASE WHEN k3 IS NOT NULL THEN 3 ELSE 2 END AS level,
                     fc.issued_at + (coalesce(k3, k2) - 1) * interval '1 hour' AS reached
              FROM sensor b {forecast_48h(":hour")}
              WHERE b.kind IN ('river_gauge', 'canal_gauge') AND b.active
                AND ST_Covers((SELECT geom FROM admin_unit WHERE id = :unit_id), b.geom)
                AND (k2 IS NOT NULL OR k3 IS NOT NULL)
            ) x
            """
        ),
        {"unit_id": unit_id, "hour": hour},
    ).one()
    detail = {"level": row.level, "at": row.reached.isoformat()} if row.n else {}
    return Kpi("gauges_forecast_alert", float(row.n), None, detail)


def flood_kpis(conn: Connection, unit_id: int, at: dt.datetime, before: dt.datetime) -> list[Kpi]:
    """The area under water in the unit (km²) and the flood reports of the last 24 hours, at
    ``at`` and at ``before``. Computed in PostGIS from the (small, indexed) flood tables."""
    row = conn.execute(
        text(
            """
            SELECT
              (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, u.geom)::geography)), 0)
               FROM inundation_area a WHERE a.geom && u.geom AND a.started_at <= :at
                 AND (a.ended_at IS NULL OR a.ended_at > :at)) / 1e6 AS area_now,
              (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, u.geom)::geography)), 0)
               FROM inundation_area a WHERE a.geom && u.geom AND a.started_at <= :before
                 AND (a.ended_at IS NULL OR a.ended_at > :before)) / 1e6 AS area_before,
              -- A count through the function the public's reader role may call: the public
              -- never reads the reports themselves (migration 0005).
              count_flood_reports(u.geom, :at - interval '24 hours', :at) AS reports_now,
              count_flood_reports(u.geom, :before - interval '24 hours', :before)
                AS reports_before
            FROM admin_unit u WHERE u.id = :unit_id
            """
        ),
        {"unit_id": unit_id, "at": at, "before": before},
    ).one()
    return [
        Kpi("flooded_km2", float(row.area_now), float(row.area_before), {}),
        Kpi("flood_reports", float(row.reports_now), float(row.reports_before), {}),
    ]


def sensor_series(
    conn: Connection, sensor_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Hourly means of every quantity a sensor measures between ``start`` and ``end``."""
    rows = conn.execute(
        text(
            """
            SELECT q.code, h.hour, h.mean FROM reading_hourly h
            JOIN quantity q ON q.id = h.quantity_id
            WHERE h.sensor_id = :s AND h.hour >= :start AND h.hour <= :end
            ORDER BY q.code, h.hour
            """
        ),
        {"s": sensor_id, "start": start, "end": end},
    ).all()
    series: dict[str, list[tuple[dt.datetime, float]]] = {}
    for code, hour, mean in rows:
        series.setdefault(code, []).append((hour, mean))
    return series


@kept("data", copy=True)  # the chart turns a share into per cent in place
def unit_series(
    conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[dt.datetime, float | None]]]:
    """Hourly unit indicators (worst AQI, gauges above alert, congested share) over a window."""
    rows = conn.execute(
        text(
            """
            SELECT indicator, period_start, value FROM unit_indicator
            WHERE admin_unit_id = :u AND period = 'hour'
              AND period_start >= :start AND period_start <= :end
            ORDER BY indicator, period_start
            """
        ),
        {"u": unit_id, "start": start, "end": end},
    ).all()
    series: dict[str, list[tuple[dt.datetime, float | None]]] = {}
    for indicator, hour, value in rows:
        series.setdefault(indicator, []).append((hour, value))
    return series
