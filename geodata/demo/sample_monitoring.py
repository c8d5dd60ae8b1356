"""Synthetic monitoring data for the demo city: roads, sensors, readings, floods, incidents.

Plausible for Cần Thơ and deterministic for a given seed and end time:

- water levels on the Hậu river and the canals follow semi-diurnal tides (M2 + S2, so spring and
  neap tides every ~15 days, plus a diurnal inequality) on top of a flood-season swell that peaks
  in October, so spring high tides cross Báo động II/III in autumn; canal gauges lag the river
  and rise with rain;
- rain comes in showers, heavier in the wet season, and floods low streets near the river when
  it meets a high tide (flood reports and inundated areas follow);
- PM2.5/PM10/NO₂/CO peak in the morning and evening rush hours, O₃ in the afternoon, with a few
  bad days; traffic on the arterials slows at rush hour.

Everything carries ``source = 'demo'`` (codes start with ``demo-``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring
from sqlalchemy import Connection, text

from geodata.demo.common import DEMO_SOURCE, METRIC_CRS
from geodata.importing.importers import assign_admin_units
from geodata.monitoring.readings import Reading, refresh_unit_indicators, write_readings

STEP = dt.timedelta(minutes=5)
LOCAL = dt.timezone(dt.timedelta(hours=7))
SEGMENT_M = 500.0

# Main roads (lon, lat), roughly where Cần Thơ's are: QL91 along the river, QL1A through Cái Răng,
# QL80 to Vĩnh Thạnh, provincial roads to Phong Điền, Cờ Đỏ and Thới Lai, and city avenues.
ARTERIALS = {
    "Quốc lộ 91": [
        (105.775, 10.040),
        (105.740, 10.068),
        (105.700, 10.098),
        (105.640, 10.150),
        (105.580, 10.215),
        (105.530, 10.265),
        (105.470, 10.318),
    ],
    "Quốc lộ 1A": [(105.745, 9.940), (105.770, 9.975), (105.795, 10.003), (105.812, 10.018)],
    "Quốc lộ 80": [(105.530, 10.265), (105.450, 10.250), (105.370, 10.222), (105.300, 10.180)],
    "Đường tỉnh 923": [
        (105.760, 10.030),
        (105.720, 10.012),
        (105.680, 10.000),
        (105.640, 9.990),
        (105.600, 9.985),
    ],
    "Đường tỉnh 922": [
        (105.630, 10.120),
        (105.570, 10.100),
        (105.500, 10.112),
        (105.440, 10.130),
        (105.380, 10.150),
    ],
    "Đường tỉnh 919": [(105.540, 10.030), (105.590, 10.060), (105.630, 10.118)],
    "Đường Nguyễn Văn Cừ": [(105.766, 10.038), (105.740, 10.033), (105.710, 10.030)],
    "Đường Võ Văn Kiệt": [(105.772, 10.050), (105.745, 10.047), (105.722, 10.060)],
    "Đường 30 Tháng 4": [(105.780, 10.035), (105.772, 10.020), (105.766, 10.005)],
}
URBAN_DISTRICTS = {"916", "917", "918", "919", "923"}
# Gauges: (code, name, lon, lat, kind, (Báo động I, II, III) in metres, tide gain, lag hours).
GAUGES = [
    ("demo-gauge-cantho", "Trạm Cần Thơ (sông Hậu)", 105.782, 10.043, "river_gauge",
     (1.70, 1.90, 2.00), 1.0, 0.0),
    ("demo-gauge-thotnot", "Trạm Thốt Nốt (sông Hậu)", 105.545, 10.262, "river_gauge",
     (1.80, 2.00, 2.20), 0.85, -0.8),
    ("demo-gauge-omon", "Trạm Ô Môn (sông Hậu)", 105.636, 10.160, "river_gauge",
     (1.75, 1.95, 2.10), 0.92, -0.4),
    ("demo-gauge-cairang", "Trạm Cái Răng (sông Cần Thơ)", 105.778, 10.000, "canal_gauge",
     (1.60, 1.80, 1.95), 0.95, 0.5),
    ("demo-gauge-phongdien", "Trạm Phong Điền (sông Cần Thơ)", 105.670, 10.002, "canal_gauge",
     (1.40, 1.60, 1.80), 0.8, 1.2),
    ("demo-gauge-binhthuy", "Trạm Bình Thủy (rạch Bình Thủy)", 105.735, 10.070, "canal_gauge",
     (1.60, 1.80, 1.95), 0.9, 0.6),
    ("demo-gauge-xangxa", "Trạm Xẻo Đá (kênh Cờ Đỏ)", 105.470, 10.120, "canal_gauge",
     (1.20, 1.40, 1.60), 0.55, 3.0),
    ("demo-gauge-thoilai", "Trạm Thới Lai (kênh Thị Đội)", 105.555, 10.045, "canal_gauge",
     (1.20, 1.40, 1.60), 0.6, 2.5),
]  # fmt: skip
AIR_STATIONS = [
    ("demo-air-ninhkieu", "Quan trắc không khí Ninh Kiều", 105.772, 10.032, 1.35),
    ("demo-air-cairang", "Quan trắc không khí Cái Răng", 105.785, 9.992, 1.2),
    ("demo-air-binhthuy", "Quan trắc không khí Bình Thủy (KCN Trà Nóc)", 105.728, 10.085, 1.5),
    ("demo-air-omon", "Quan trắc không khí Ô Môn (Nhiệt điện)", 105.640, 10.140, 1.3),
    ("demo-air-thotnot", "Quan trắc không khí Thốt Nốt", 105.540, 10.255, 1.0),
    ("demo-air-phongdien", "Quan trắc không khí Phong Điền", 105.665, 10.000, 0.8),
    ("demo-air-thoilai", "Quan trắc không khí Thới Lai", 105.560, 10.060, 0.75),
    ("demo-air-codo", "Quan trắc không khí Cờ Đỏ", 105.430, 10.100, 0.7),
    ("demo-air-vinhthanh", "Quan trắc không khí Vĩnh Thạnh", 105.340, 10.200, 0.65),
]
RAIN_GAUGES = [
    ("demo-rain-ninhkieu", "Đo mưa Ninh Kiều", 105.760, 10.028),
    ("demo-rain-omon", "Đo mưa Ô Môn", 105.625, 10.118),
    ("demo-rain-thoilai", "Đo mưa Thới Lai", 105.530, 10.035),
    ("demo-rain-vinhthanh", "Đo mưa Vĩnh Thạnh", 105.370, 10.210),
]
QUANTITY_IDS = {"water_level": 1, "rainfall": 2, "pm25": 3, "pm10": 4, "no2": 5, "o3": 6,
                "co": 7, "so2": 8, "speed": 9}  # fmt: skip


@dataclass(frozen=True)
class MonitoringCounts:
    """What was written, for the command's summary."""

    road_segments: int
    sensors: int
    readings: int
    flood_reports: int
    inundation_areas: int
    incidents: int
    cameras: int

    def describe(self) -> str:
        return (
            f"{self.road_segments} road segments, {self.sensors} sensors, "
            f"{self.readings:,} readings, {self.flood_reports} flood reports, "
            f"{self.inundation_areas} inundated areas, {self.incidents} incidents, "
            f"{self.cameras} cameras"
        )


def _hours(times: np.ndarray) -> np.ndarray:
    """Hours since the epoch, as floats, for time-of-day and tide maths."""
    return times.astype("datetime64[s]").astype(np.int64) / 3600.0


def _local_hour(times: np.ndarray) -> np.ndarray:
    return (_hours(times) + 7.0) % 24.0


def _rush(local_hour: np.ndarray) -> np.ndarray:
    """0..1: how much of a rush hour it is (peaks 7:30 and 17:30 local time)."""
    return np.exp(-(((local_hour - 7.5) / 1.1) ** 2)) + np.exp(-(((local_hour - 17.5) / 1.3) ** 2))


def _season(hours: np.ndarray) -> np.ndarray:
    """Flood-season swell of the Mekong, highest in mid-October, in metres."""
    day_of_year = (hours / 24.0) % 365.25
    return 0.38 * np.cos(2 * np.pi * (day_of_year - 290) / 365.25)


# A spring tide: two days after the new moon of 10 October 2026 (the Mekong's tide lags the
# moon by a day or two). The constituents are phased to peak together then, so spring and neap
# tides keep step with the moon: springs after each new and full moon, about every 14.77 days.
SPRING_TIDE_HOURS = dt.datetime(2026, 10, 12, tzinfo=dt.UTC).timestamp() / 3600.0
# (amplitude m, period h): M2 and S2 (semi-diurnal; their beat is the spring-neap cycle), and
# K1 and O1 (the diurnal inequality between the two daily highs).
TIDE_CONSTITUENTS = ((0.78, 12.4206), (0.30, 12.0), (0.18, 23.9345), (0.10, 25.8193))


def tide_level(hours: np.ndarray, gain: float = 1.0, lag_h: float = 0.0) -> np.ndarray:
    """Water level (m above the Hòn Dấu datum) at the Cần Thơ station, shaped by gain and lag."""
    t = hours - lag_h
    since_spring = t - SPRING_TIDE_HOURS
    tide = sum(a * np.cos(2 * np.pi * since_spring / period) for a, period in TIDE_CONSTITUENTS)
    return 0.48 + _season(t) + gain * tide


def _rain_series(rng: np.random.Generator, hours: np.ndarray, per_hour: int = 12) -> np.ndarray:
    """Rainfall per step (mm; ``per_hour`` steps an hour, 12: per 5 minutes): showers of 30 min
    to 3 h, more of them in the wet season."""
    rain = np.zeros_like(hours)
    day_of_year = (hours / 24.0) % 365.25
    wet = (day_of_year > 120) & (day_of_year < 335)
    n = len(hours)
    i = 0
    while i < n:
        # A shower every ~30 h (wet season) or 5 days.
        rate = 1 / (per_hour * 30) if wet[i] else 1 / (per_hour * 120)
        i += int(rng.exponential(1 / rate)) + 1
        if i >= n:
            break
        length = max(1, int(rng.integers(6, 36)) * per_hour // 12)
        peak = rng.gamma(2.0, 2.5 if wet[i] else 1.0) * 12 / per_hour
        shape = np.sin(np.linspace(0, np.pi, length)) ** 2
        rain[i : i + length] += (peak * shape)[: n - i]
    return np.round(rain, 1)


def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _segments(line_lonlat: list[tuple[float, float]], inside: BaseGeometry) -> Iterator[LineString]:
    """The part of a road inside ``inside`` (lon/lat), cut into pieces of about SEGMENT_M metres."""
    fwd, back = _to_metric(), Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    clipped = LineString(line_lonlat).intersection(inside)
    for part in getattr(clipped, "geoms", [clipped]):
        if not isinstance(part, LineString) or part.is_empty:
            continue
        line = LineString([fwd.transform(x, y) for x, y in part.coords])
        pieces = max(1, round(line.length / SEGMENT_M))
        for k in range(pieces):
            piece = substring(line, k * line.length / pieces, (k + 1) * line.length / pieces)
            yield LineString([back.transform(x, y) for x, y in piece.coords])


def _local_roads(
    conn: Connection, rng: np.random.Generator
) -> Iterator[tuple[str, str, float, LineString]]:
    """Short streets in every ward: a jittered grid in town, a few lanes in the countryside."""
    wards = conn.execute(
        text(
            """
            SELECT w.code, d.code AS district, ST_AsBinary(w.geom) AS wkb
            FROM admin_unit w JOIN admin_unit d ON d.id = w.parent_id
            WHERE w.level = 'ward' AND w.source = :s ORDER BY w.code
            """
        ),
        {"s": DEMO_SOURCE},
    ).all()
    fwd, back = _to_metric(), Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    for ward_code, district, wkb in wards:
        ward = shapely.transform(
            shapely.from_wkb(wkb), lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))
        )
        urban = district in URBAN_DISTRICTS
        count = 24 if urban else 6
        road_class, speed = ("local", 30.0) if urban else ("collector", 40.0)
        minx, miny, maxx, maxy = ward.bounds
        made = 0
        for _ in range(count * 6):
            if made >= count:
                break
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not ward.contains(Point(x, y)):
                continue
            length = rng.uniform(250, 450)
            if rng.random() < 0.5:
                line = LineString([(x, y), (x + length, y + rng.uniform(-40, 40))])
            else:
                line = LineString([(x, y), (x + rng.uniform(-40, 40), y + length)])
            if not ward.contains(line):
                continue
            made += 1
            coords = [back.transform(px, py) for px, py in line.coords]
            yield f"demo-road-{ward_code}-{made:02d}", road_class, speed, LineString(coords)


def _insert_points(conn: Connection, table: str, rows: list[dict[str, object]]) -> None:
    """Insert demo point rows; ``table`` and the columns come from this module, never users."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in {"lon", "lat"}]
    conn.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}, source, geom) VALUES "
            f"({', '.join(':' + c for c in columns)}, :source, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
        ),
        [{**row, "source": DEMO_SOURCE} for row in rows],
    )


def delete_monitoring_demo(conn: Connection) -> None:
    """Remove the demo monitoring data; per-sensor rollups go with their sensors, and the
    per-unit indicators of the periods they covered are recomputed from the sensors left."""
    demo_sensors = "SELECT id FROM sensor WHERE source = :s"
    params = {"s": DEMO_SOURCE}
    conn.execute(text("DROP TABLE IF EXISTS touched_hour, touched_day"))
    for bucket in ("hour", "day"):
        conn.execute(
            text(
                f"""
                CREATE TEMP TABLE touched_{bucket} ON COMMIT DROP AS
                SELECT DISTINCT period_start AS {bucket} FROM sensor_indicator
                WHERE period = '{bucket}' AND sensor_id IN ({demo_sensors})
                """
            ),
            params,
        )
        conn.execute(
            text(
                f"DELETE FROM unit_indicator WHERE period = '{bucket}' "
                f"AND period_start IN (SELECT {bucket} FROM touched_{bucket})"
            )
        )
    conn.execute(text(f"DELETE FROM reading WHERE sensor_id IN ({demo_sensors})"), params)
    for table in ("sensor", "traffic_incident", "camera", "flood_report", "inundation_area",
                  "road_segment"):  # fmt: skip
        conn.execute(text(f"DELETE FROM {table} WHERE source = :s"), params)
    refresh_unit_indicators(conn)


def write_monitoring_sample(
    conn: Connection,
    seed: int = 2004,
    days: int = 30,
    end: dt.datetime | None = None,
    history_from: dt.date | None = None,
) -> MonitoringCounts:
    """Write the demo roads, sensors and ``days`` of 5-minute readings up to ``end`` (now), and
    with ``history_from`` hourly readings from that day until then (a long history, light)."""
    rng = np.random.default_rng(seed)
    if end is None:
        end = dt.datetime.now(dt.UTC)
    end = end.replace(minute=end.minute - end.minute % 5, second=0, microsecond=0)
    today = end.astimezone(LOCAL).date()
    delete_monitoring_demo(conn)

    # The city a little inside its edge: roads and sensors stay on land, not in the river.
    inner_city = shapely.from_wkb(
        conn.scalar(
            text(
                "SELECT ST_AsBinary(ST_Buffer(geom::geography, -150)::geometry) "
                "FROM admin_unit WHERE level = 'city' AND source = :s"
            ),
            {"s": DEMO_SOURCE},
        )
    )

    # Roads: arterials cut into ~500 m segments, then local streets.
    segments: list[dict[str, object]] = []
    for name, coords in ARTERIALS.items():
        for k, part in enumerate(_segments(coords, inner_city)):
            slug = "".join(ch for ch in name if ch.isalnum())[:12]
            segments.append(
                {
                    "code": f"demo-art-{slug}-{k:03d}",
                    "name": name,
                    "road_class": "arterial",
                    "free_flow_kmh": 50.0,
                    "wkb": part.wkb,
                }
            )
    for code, road_class, speed, line in _local_roads(conn, rng):
        segments.append(
            {
                "code": code,
                "name": None,
                "road_class": road_class,
                "free_flow_kmh": speed,
                "wkb": line.wkb,
            }
        )
    conn.execute(
        text(
            """
            INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh, length_m,
                                      geom)
            SELECT :code, 'demo', :name, :road_class, :free_flow_kmh,
                   ST_Length(g::geography), g
            FROM (SELECT ST_GeomFromWKB(:wkb, 4326) AS g) AS src
            """
        ),
        segments,
    )
    assign_admin_units(conn, "road_segment", today, source=DEMO_SOURCE)

    # Sensors.
    _insert_points(
        conn,
        "sensor",
        [
            {"code": c, "name": n, "kind": k, "lon": x, "lat": y, "alert_1": a[0],
             "alert_2": a[1], "alert_3": a[2]}
            for c, n, x, y, k, a, _, _ in GAUGES
        ]
        + [
            {"code": c, "name": n, "kind": "air_station", "lon": x, "lat": y, "alert_1": None,
             "alert_2": None, "alert_3": None}
            for c, n, x, y, _ in AIR_STATIONS
        ]
        + [
            {"code": c, "name": n, "kind": "rain_gauge", "lon": x, "lat": y, "alert_1": None,
             "alert_2": None, "alert_3": None}
            for c, n, x, y in RAIN_GAUGES
        ],
    )  # fmt: skip
    # Gauges stand on the bank: a point given in the river moves to the nearest land.
    conn.execute(
        text(
            "UPDATE sensor SET geom = ST_ClosestPoint(ST_GeomFromWKB(:inner, 4326), geom) "
            "WHERE source = :s AND NOT ST_Covers(ST_GeomFromWKB(:inner, 4326), geom)"
        ),
        {"inner": inner_city.wkb, "s": DEMO_SOURCE},
    )
    # Traffic detectors on every third arterial segment, at its middle.
    conn.execute(
        text(
            """
            INSERT INTO sensor (code, source, geom, name, kind, road_segment_id)
            SELECT 'demo-det-' || g.code, 'demo', ST_LineInterpolatePoint(g.geom, 0.5),
                   'Cảm biến giao thông ' || g.name, 'traffic_detector', g.id
            FROM (SELECT g.*, row_number() OVER (ORDER BY g.code) AS k
                  FROM road_segment g WHERE g.road_class = 'arterial' AND g.source = 'demo') g
            WHERE g.k % 3 = 1
            """
        )
    )
    assign_admin_units(conn, "sensor", today, source=DEMO_SOURCE)
    conn.execute(
        text(
            """
            INSERT INTO sensor_quantity (sensor_id, quantity_id)
            SELECT s.id, q.id FROM sensor s JOIN quantity q ON
                (s.kind IN ('river_gauge', 'canal_gauge') AND q.code = 'water_level')
             OR (s.kind = 'rain_gauge' AND q.code = 'rainfall')
             OR (s.kind = 'air_station' AND q.code IN ('pm25', 'pm10', 'no2', 'o3', 'co', 'so2'))
             OR (s.kind = 'traffic_detector' AND q.code = 'speed')
            WHERE s.source = 'demo'
            """
        )
    )
    sensor_ids: dict[str, int] = dict(
        conn.execute(text("SELECT code, id FROM sensor WHERE source = 'demo'")).tuples().all()
    )

    # Readings: 5-minute ones for the last ``days``, hourly ones before them from history_from.
    earlier = 0
    steps = days * 24 * 12
    last = np.datetime64(end.astimezone(dt.UTC).replace(tzinfo=None), "s")
    times = last - np.arange(steps - 1, -1, -1) * np.timedelta64(int(STEP.total_seconds()), "s")
    if history_from is not None:
        first = np.datetime64(
            dt.datetime.combine(history_from, dt.time(0), tzinfo=LOCAL)
            .astimezone(dt.UTC).replace(tzinfo=None), "s"
        )  # fmt: skip
        hourly = np.arange(first, times[0], np.timedelta64(1, "h"))
        if len(hourly):
            earlier = write_readings(conn, _series(hourly, 1, sensor_ids, rng)[0]).inserted
    series, hours, city_rain = _series(times, 12, sensor_ids, rng)
    result = write_readings(conn, series)

    reports, areas = _floods(conn, rng, times, tide_level(hours), city_rain)
    incidents = _incidents(conn, rng, times)
    cameras = conn.execute(
        text(
            """
            INSERT INTO camera (code, source, geom, name)
            SELECT 'demo-cam-' || g.code, 'demo', ST_StartPoint(g.geom),
                   'Camera ' || g.name || ' #' || row_number() OVER (ORDER BY g.code)
            FROM (SELECT g.*, row_number() OVER (ORDER BY g.code) AS k
                  FROM road_segment g WHERE g.road_class = 'arterial' AND g.source = 'demo') g
            WHERE g.k % 4 = 2
            """
        )
    ).rowcount
    for table in ("flood_report", "traffic_incident", "camera"):
        assign_admin_units(conn, table, today, source=DEMO_SOURCE)
    return MonitoringCounts(
        road_segments=len(segments),
        sensors=len(sensor_ids),
        readings=earlier + result.inserted,
        flood_reports=reports,
        inundation_areas=areas,
        incidents=incidents,
        cameras=cameras,
    )


def _series(
    times: np.ndarray,
    per_hour: int,
    sensor_ids: dict[str, int],
    rng: np.random.Generator,
) -> tuple[Iterator[Reading], np.ndarray, np.ndarray]:
    """Every demo sensor's readings at ``times`` (``per_hour`` of them an hour), with the
    times' hours and the city's rainfall per step (the floods follow them)."""
    steps = len(times)
    hours = _hours(times)
    local_hour = _local_hour(times)
    rush = _rush(local_hour)
    rain = {code: _rain_series(rng, hours, per_hour) for code, *_ in RAIN_GAUGES}
    city_rain = np.mean(list(rain.values()), axis=0)
    # Rain drains slowly: a canal rises with the last few hours of rain.
    kernel = np.exp(-np.arange(4 * per_hour) / (1.5 * per_hour))
    wet_canal = np.convolve(city_rain, kernel, mode="full")[:steps] * 0.02 * 12 / per_hour

    def series() -> Iterator[Reading]:
        stamp = [t.astype(dt.datetime).replace(tzinfo=dt.UTC) for t in times]
        for code, _, _, _, kind, _, gain, lag in GAUGES:
            level = tide_level(hours, gain, lag) + rng.normal(0, 0.015, steps)
            if kind == "canal_gauge":
                level = level + wet_canal
            yield from _readings(sensor_ids[code], "water_level", stamp, level, rng)
        for code, *_ in RAIN_GAUGES:
            yield from _readings(sensor_ids[code], "rainfall", stamp, rain[code], rng)
        span = max(1, int((hours[-1] - hours[0]) // 24) + 1)
        bad_days = set(rng.choice(span, size=min(3, span), replace=False).tolist())
        day_index = ((hours - hours[0]) // 24).astype(int)
        smog = np.where(np.isin(day_index, list(bad_days)), 2.6, 1.0)
        for code, _, _, _, load in AIR_STATIONS:
            noise = rng.lognormal(0, 0.18, steps)
            pm25 = (14 + 22 * rush) * load * smog * noise
            afternoon = np.exp(-(((local_hour - 14.0) / 2.5) ** 2))
            values = {
                "pm25": pm25,
                "pm10": pm25 * 1.65 * rng.lognormal(0, 0.1, steps),
                "no2": (18 + 40 * rush) * load * rng.lognormal(0, 0.2, steps),
                "o3": (35 + 95 * afternoon) * rng.lognormal(0, 0.15, steps),
                "co": (600 + 1500 * rush) * load * smog * rng.lognormal(0, 0.2, steps),
                "so2": (8 + 10 * load) * rng.lognormal(0, 0.25, steps),
            }
            for pollutant, value in values.items():
                yield from _readings(sensor_ids[code], pollutant, stamp, value, rng)
        for code, sensor_id in sorted(sensor_ids.items()):
            if not code.startswith("demo-det-"):
                continue
            severity = rng.uniform(0.3, 0.8)  # how badly this segment jams at rush hour
            ratio = np.clip(
                0.95 - severity * rush - 0.1 * (city_rain > 0.5) + rng.normal(0, 0.05, steps),
                0.08,
                1.1,
            )
            yield from _readings(sensor_id, "speed", stamp, 50.0 * ratio, rng)

    return series(), hours, city_rain


def _readings(
    sensor_id: int,
    quantity: str,
    stamps: list[dt.datetime],
    values: np.ndarray,
    rng: np.random.Generator,
) -> Iterator[Reading]:
    """One sensor's series; about 0.5 % of readings are missing, as with real telemetry."""
    quantity_id = QUANTITY_IDS[quantity]
    keep = rng.random(len(stamps)) > 0.005
    # Water levels are heights above a datum and may be negative; the others may not.
    floor = -math.inf if quantity == "water_level" else 0.0
    for stamp, value, ok in zip(stamps, values.tolist(), keep.tolist(), strict=True):
        if ok:
            yield Reading(sensor_id, quantity_id, stamp, round(max(value, floor), 3))


def _floods(
    conn: Connection,
    rng: np.random.Generator,
    times: np.ndarray,
    river: np.ndarray,
    rain: np.ndarray,
) -> tuple[int, int]:
    """Flood reports and inundated areas in low riverside wards when high tide meets rain."""
    hourly = len(times) // 12
    wet = [
        h
        for h in range(hourly)
        if river[h * 12 : h * 12 + 12].max() > 1.85 or rain[h * 12 : h * 12 + 12].sum() > 25
    ]
    if not wet and hourly:
        # A dry, neap-tide window still shows one (small) event at its highest water, so a short
        # demo always has something on the flood layer, whatever the date it is made.
        wet = [int(np.argmax([river[h * 12 : h * 12 + 12].max() for h in range(hourly)]))]
    if not wet:
        return 0, 0
    # One event per wet spell: the first wet hour after a dry one.
    starts = [h for k, h in enumerate(wet) if k == 0 or h - wet[k - 1] > 3]
    reports, areas = [], []
    low_wards = conn.execute(
        text(
            """
            SELECT w.code, ST_AsBinary(w.geom) FROM admin_unit w
            JOIN admin_unit d ON d.id = w.parent_id
            WHERE w.level = 'ward' AND w.source = 'demo' AND d.code IN ('916', '918', '919')
            ORDER BY w.code
            """
        )
    ).all()
    for n, h in enumerate(starts):
        when = times[h * 12].astype(dt.datetime).replace(tzinfo=dt.UTC)
        depth = float(np.clip(river[h * 12 : h * 12 + 24].max() - 1.6, 0.05, 0.6))
        for k in range(int(rng.integers(1, 4))):
            code, wkb = low_wards[int(rng.integers(len(low_wards)))]
            centre = shapely.from_wkb(wkb).representative_point()
            x = centre.x + rng.normal(0, 0.003)
            y = centre.y + rng.normal(0, 0.003)
            radius_m = float(rng.uniform(120, 350))
            areas.append(
                {
                    "code": f"demo-inund-{n:03d}-{k}",
                    "lon": x,
                    "lat": y,
                    "r": radius_m,
                    "depth": round(depth * rng.uniform(0.6, 1.0), 2),
                    "start": when,
                    "end": when + dt.timedelta(hours=float(rng.uniform(2, 6))),
                }
            )
            for j in range(int(rng.integers(1, 4))):
                reports.append(
                    {
                        "code": f"demo-report-{n:03d}-{k}-{j}",
                        "lon": x + rng.normal(0, 0.0015),
                        "lat": y + rng.normal(0, 0.0015),
                        "reported_at": when + dt.timedelta(minutes=float(rng.uniform(10, 120))),
                        "depth_cm": round(depth * 100 * rng.uniform(0.5, 1.2)),
                        "description": f"Nước ngập đường (phường {code})",
                    }
                )
    conn.execute(
        text(
            """
            INSERT INTO inundation_area (code, source, geom, depth_m, started_at, ended_at)
            VALUES (:code, 'demo', ST_Multi(ST_Buffer(
                        ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r, 8)::geometry),
                    :depth, :start, :end)
            """
        ),
        areas,
    )
    _insert_points(conn, "flood_report", reports)
    return len(reports), len(areas)


def _incidents(conn: Connection, rng: np.random.Generator, times: np.ndarray) -> int:
    """A traffic incident every day or two on an arterial, lasting one to three hours."""
    arterials = conn.execute(
        text(
            "SELECT code, ST_X(ST_LineInterpolatePoint(geom, 0.5)), "
            "ST_Y(ST_LineInterpolatePoint(geom, 0.5)) FROM road_segment "
            "WHERE road_class = 'arterial' AND source = 'demo' ORDER BY code"
        )
    ).all()
    kinds = ["collision", "breakdown", "roadworks", "flooded_road"]
    rows = []
    for n in range(max(1, math.ceil(len(times) / (12 * 36)))):
        _, lon, lat = arterials[int(rng.integers(len(arterials)))]
        start = times[int(rng.integers(len(times)))].astype(dt.datetime).replace(tzinfo=dt.UTC)
        rows.append(
            {
                "code": f"demo-incident-{n:03d}",
                "lon": lon,
                "lat": lat,
                "kind": kinds[int(rng.integers(len(kinds)))],
                "severity": int(rng.integers(1, 4)),
                "started_at": start,
                "ended_at": start + dt.timedelta(hours=float(rng.uniform(1, 3))),
                "description": None,
            }
        )
    _insert_points(conn, "traffic_incident", rows)
    return len(rows)
