"""``python -m geodata bench``: build a city-scale data set in its own database and measure.

The data set: the demo city, ≥ 300 sensors with a year of 5-minute readings (generated inside
PostgreSQL with generate_series, then rolled up month by month through the same
``refresh_rollups`` the ingestion uses), ≥ 25,000 road segments and ≥ 2,000 facilities. It goes
into a separate database (``<name>_bench``) so the dashboard's own data is left alone; ``--reuse``
skips the build when it is already there.

The timings are taken by ``scripts/bench_dashboard.py``, run as a separate process against that
database: it calls the dashboard's callbacks (the real code paths) and reports p50/p95 server
time and payload sizes. This module only builds data, so it stays free of Dash.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from geodata.ops.dbadmin import create_database, database_exists
from geodata.ops.migrate import upgrade
from geodata.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BenchSize:
    """How big the synthetic city is."""

    gauges: int = 40
    air_stations: int = 30
    rain_gauges: int = 10
    detectors: int = 240
    days: int = 365
    segments: int = 25_000
    facilities: int = 2_000

    @property
    def sensors(self) -> int:
        return self.gauges + self.air_stations + self.rain_gauges + self.detectors


def bench_database_url() -> str:
    """The bench database next to the configured one."""
    url = make_url(get_settings().database_url)
    return url.set(database=f"{url.database}_bench").render_as_string(hide_password=False)


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def build(url: str, size: BenchSize, end: dt.datetime) -> None:
    """Write the city-scale data set into the (empty) database at ``url``."""
    from geodata import db
    from geodata.demo.sample import write_sample
    from geodata.monitoring.readings import refresh_rollups

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    upgrade(database_url=url)
    _say("demo city")
    write_sample(days=0, services=True)  # the population grid and the demo facilities
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.2004)"))
        _say(f"{size.segments:,} road segments, {size.facilities:,} more facilities")
        _roads(conn, size)
        _facilities(conn, size)
        _say(f"{size.sensors} sensors, flood reports, inundated areas, incidents, cameras")
        _sensors(conn, size)
        _events(conn, size, end)
    start = end - dt.timedelta(days=size.days)
    month = start
    while month < end:
        nxt = min(month + dt.timedelta(days=31), end)
        with engine.begin() as conn:
            rows = _readings(conn, month, nxt)
            refresh_rollups(conn, "bench_touched")
        _say(f"readings {month:%Y-%m-%d} … {nxt:%Y-%m-%d}: {rows:,} rows, rolled up")
        month = nxt
    with engine.begin() as conn:
        from geodata.monitoring.coverage import compute_coverage

        conn.execute(text("ANALYZE"))
        compute_coverage(conn, end.date())
        total = conn.scalar(text("SELECT count(*) FROM reading"))
        _say(f"done: {total:,} readings")


def _roads(conn: Connection, size: BenchSize) -> None:
    # Short streets scattered over the city, denser in town; one in twelve is an arterial.
    conn.execute(
        text(
            """
            INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh, length_m,
                                      geom)
            SELECT 'bench-road-' || n, 'bench', NULL, cls, speed, ST_Length(line::geography),
                   line
            FROM (
              SELECT row_number() OVER () AS n, p.geom AS pt,
                     CASE WHEN random() < 0.083 THEN 'arterial' ELSE 'local' END AS cls,
                     random() * 2 * pi() AS bearing
              FROM admin_unit w
              CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
                  w.geom, greatest(5, (:n * w.population / 1250000.0)::int), 7)) AS p
              WHERE w.level = 'ward'
            ) s
            CROSS JOIN LATERAL (SELECT CASE WHEN cls = 'arterial' THEN 50 ELSE 30 END AS speed,
                ST_MakeLine(pt, ST_Translate(pt, 0.003 * cos(bearing), 0.003 * sin(bearing)))
                  AS line) l
            """
        ),
        {"n": size.segments},
    )


def _facilities(conn: Connection, size: BenchSize) -> None:
    conn.execute(
        text(
            """
            INSERT INTO facility (code, source, geom, kind, name, capacity)
            SELECT 'bench-fac-' || row_number() OVER (), 'bench', p.geom, k.code,
                   k.name_vi || ' ' || row_number() OVER (PARTITION BY k.code), 100
            FROM admin_unit c
            CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.geom, :n, 11)) AS p
            CROSS JOIN LATERAL (SELECT code, name_vi FROM facility_kind
                                ORDER BY md5(ST_AsText(p.geom) || code) LIMIT 1) k
            WHERE c.level = 'city'
            """
        ),
        {"n": size.facilities},
    )


def _events(conn: Connection, size: BenchSize, end: dt.datetime) -> None:
    """A year's worth of flood reports, inundated areas and incidents, and the cameras."""
    params = {"end": end, "days": size.days}
    conn.execute(
        text(
            """
            INSERT INTO flood_report (code, source, geom, reported_at, depth_cm, description)
            SELECT 'bench-report-' || row_number() OVER (), 'bench', p.geom,
                   :end - random() * make_interval(days => :days), 10 + random() * 40, NULL
            FROM admin_unit d CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(d.geom, 1500, 5)) p
            WHERE d.level = 'district' AND d.code IN ('916', '918', '919')
            """
        ),
        params,
    )
    conn.execute(
        text(
            """
            INSERT INTO inundation_area (code, source, geom, depth_m, started_at, ended_at)
            SELECT 'bench-inund-' || n, 'bench',
                   ST_Multi(ST_Buffer(pt::geography, 150 + random() * 250, 8)::geometry),
                   0.1 + random() * 0.4, t, t + interval '4 hours'
            FROM (SELECT row_number() OVER () AS n, p.geom AS pt,
                         :end - random() * make_interval(days => :days) AS t
                  FROM admin_unit c
                  CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.geom, 600, 9)) p
                  WHERE c.level = 'city') s
            """
        ),
        params,
    )
    conn.execute(
        text(
            """
            INSERT INTO traffic_incident (code, source, geom, kind, severity, started_at,
                                          ended_at)
            SELECT 'bench-incident-' || g.id, 'bench', ST_StartPoint(g.geom), 'collision', 2, t,
                   t + interval '2 hours'
            FROM (SELECT g.*, :end - random() * make_interval(days => :days) AS t
                  FROM road_segment g WHERE g.road_class = 'arterial' LIMIT 700) g
            """
        ),
        params,
    )
    conn.execute(
        text(
            """
            INSERT INTO camera (code, source, geom, name)
            SELECT 'bench-cam-' || g.id, 'bench', ST_EndPoint(g.geom), 'Camera ' || g.id
            FROM road_segment g WHERE g.road_class = 'arterial' ORDER BY g.id DESC LIMIT 300
            """
        )
    )


def _sensors(conn: Connection, size: BenchSize) -> None:
    for kind, count in (
        ("river_gauge", size.gauges),
        ("air_station", size.air_stations),
        ("rain_gauge", size.rain_gauges),
    ):
        conn.execute(
            text(
                """
                INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3)
                SELECT 'bench-' || :kind || '-' || row_number() OVER (), 'bench', p.geom,
                       :kind || ' ' || row_number() OVER (), :kind,
                       CASE WHEN :kind = 'river_gauge' THEN 1.7 END,
                       CASE WHEN :kind = 'river_gauge' THEN 1.9 END,
                       CASE WHEN :kind = 'river_gauge' THEN 2.0 END
                FROM admin_unit c CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.geom, :n, 3)) p
                WHERE c.level = 'city'
                """
            ),
            {"kind": kind, "n": count},
        )
    conn.execute(
        text(
            """
            INSERT INTO sensor (code, source, geom, name, kind, road_segment_id)
            SELECT 'bench-det-' || g.id, 'bench', ST_LineInterpolatePoint(g.geom, 0.5),
                   'detector ' || g.id, 'traffic_detector', g.id
            FROM road_segment g WHERE g.road_class = 'arterial' ORDER BY g.id LIMIT :n
            """
        ),
        {"n": size.detectors},
    )
    conn.execute(
        text(
            """
            INSERT INTO sensor_quantity (sensor_id, quantity_id)
            SELECT s.id, q.id FROM sensor s JOIN quantity q ON
                (s.kind = 'river_gauge' AND q.code = 'water_level')
             OR (s.kind = 'rain_gauge' AND q.code = 'rainfall')
             OR (s.kind = 'air_station' AND q.code IN ('pm25', 'pm10', 'no2', 'o3', 'co', 'so2'))
             OR (s.kind = 'traffic_detector' AND q.code = 'speed')
            """
        )
    )


def _readings(conn: Connection, start: dt.datetime, end: dt.datetime) -> int:
    """Five-minute readings of every sensor and quantity in [start, end), made in PostgreSQL:
    tides, rush hours and noise, cheaply. Records the touched hours for the rollups."""
    conn.execute(text("SELECT ensure_reading_partitions(:a, :b)"), {"a": start, "b": end})
    rows = conn.execute(
        text(
            """
            INSERT INTO reading (sensor_id, quantity_id, observed_at, value)
            SELECT sq.sensor_id, sq.quantity_id, ts,
              CASE q.code
                WHEN 'water_level' THEN 0.6 + 0.8 * cos(2 * pi() * h / 12.4206)
                                     + 0.3 * cos(2 * pi() * h / 12.0) + 0.05 * random()
                WHEN 'rainfall' THEN greatest(0, 3 * random() - 2.7)
                WHEN 'speed' THEN 50 * greatest(0.1, 0.95 - 0.6 * rush - 0.1 * random())
                WHEN 'o3' THEN 40 + 60 * random()
                WHEN 'co' THEN 700 + 1500 * rush + 200 * random()
                ELSE (15 + 25 * rush) * (0.8 + 0.4 * random())
              END
            FROM sensor_quantity sq JOIN quantity q ON q.id = sq.quantity_id
            CROSS JOIN generate_series(:start, :end - interval '5 minutes',
                                       interval '5 minutes') AS ts
            CROSS JOIN LATERAL (SELECT extract(epoch FROM ts) / 3600.0 AS h,
                exp(-power(((extract(hour FROM ts) + 7)::int % 24 - 7.5) / 1.2, 2))
                + exp(-power(((extract(hour FROM ts) + 7)::int % 24 - 17.5) / 1.3, 2))
                  AS rush) x
            """
        ),
        {"start": start, "end": end},
    ).rowcount
    conn.execute(text("DROP TABLE IF EXISTS bench_touched"))
    conn.execute(
        text(
            """
            CREATE TEMP TABLE bench_touched ON COMMIT DROP AS
            SELECT sq.sensor_id, sq.quantity_id, hour AS observed_at
            FROM sensor_quantity sq
            CROSS JOIN generate_series(date_trunc('hour', CAST(:start AS timestamptz)),
                                       :end - interval '5 minutes', interval '1 hour') AS hour
            """
        ),
        {"start": start, "end": end},
    )
    return rows


def split_into_communes(conn: Connection, communes: int, day: dt.date) -> list[int]:
    """Today's structure at bench scale: the districts and wards valid before ``day`` end then,
    and the city is split into ``communes`` units directly under it (Voronoi cells of points
    spread over it, cut to its outline, all in PostGIS); their rollups are computed as a
    boundary load computes them. Their ids."""
    from geodata.monitoring.readings import refresh_units

    conn.execute(
        text(
            "UPDATE admin_unit SET valid_to = :day WHERE level IN ('district', 'ward') "
            "AND valid_from < :day AND valid_to IS NULL"
        ),
        {"day": day},
    )
    ids = list(
        conn.scalars(
            text(
                """
                WITH city AS (
                  SELECT id, geom FROM admin_unit WHERE level = 'city' AND valid_to IS NULL
                ),
                cells AS (
                  SELECT (ST_Dump(ST_VoronoiPolygons(ST_GeneratePoints(city.geom, :n, 2025))))
                         .geom AS cell FROM city
                ),
                cut AS (
                  SELECT row_number() OVER (ORDER BY ST_Y(ST_Centroid(c.cell)) DESC,
                                                     ST_X(ST_Centroid(c.cell))) AS k,
                         ST_Multi(ST_CollectionExtract(
                           ST_MakeValid(ST_Intersection(c.cell, city.geom)), 3)) AS geom,
                         city.id AS city_id
                  FROM cells c, city
                )
                INSERT INTO admin_unit (code, name, name_norm, unit_type, level, parent_id,
                                        valid_from, area_km2, source, geom)
                SELECT 'B' || lpad(k::text, 4, '0'), 'Xã Bench ' || k, 'xa bench ' || k, 'Xã',
                       'ward', city_id, :day, ST_Area(ST_Transform(geom, :srid)) / 1e6, 'bench',
                       geom
                FROM cut WHERE NOT ST_IsEmpty(geom)
                RETURNING id
                """
            ),
            {"n": communes, "day": day, "srid": get_settings().metric_srid},
        )
    )
    refresh_units(conn, ids)
    return ids


def run_communes(reuse: bool, rounds: int, size: BenchSize, communes: int) -> int:
    """The same measurement after a reform at bench scale: a copy of the bench database (built
    first if missing) whose city holds ``communes`` units directly, from 180 days ago."""
    url = bench_database_url()
    base_url, name = get_settings().database_url, str(make_url(url).database)
    if not database_exists(base_url, name):
        create_database(base_url, name, replace=False)
        end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        build(url, size, end)
    else:
        upgrade(database_url=url)
    copy = f"{name}_communes{communes}"
    copy_url = url.replace(f"/{name}", f"/{copy}")
    if not (reuse and database_exists(base_url, copy)):
        from geodata import db

        _say(f"copying {name} into {copy}")
        db.get_engine.cache_clear()
        create_database(base_url, copy, replace=True, copy_of=name)
        started = time.monotonic()
        engine = db.get_engine(copy_url)
        with engine.begin() as conn:
            day = dt.date.today() - dt.timedelta(days=180)
            ids = split_into_communes(conn, communes, day)
        engine.dispose()
        _say(f"{len(ids)} communes under the city from {day}, rolled up in "
             f"{time.monotonic() - started:,.0f} s")  # fmt: skip
    else:
        upgrade(database_url=copy_url)
    return _measure(copy_url, rounds)


def run(reuse: bool, rounds: int, size: BenchSize) -> int:
    """Build (unless reusing) and measure; prints the report."""
    url = bench_database_url()
    base_url, name = get_settings().database_url, str(make_url(url).database)
    created = not database_exists(base_url, name)
    if created:
        create_database(base_url, name, replace=False)
    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    if created or not reuse:
        if not created:
            sys.exit(f"{name} exists: pass --reuse or drop it first")
        started = time.monotonic()
        build(url, size, end)
        _say(f"built in {time.monotonic() - started:,.0f} s")
    else:
        upgrade(database_url=url)  # a reused data set gets the migrations made since
    return _measure(url, rounds)


def _measure(url: str, rounds: int) -> int:
    """Time the dashboard's callbacks on the database at ``url``, in a process of its own."""
    env = {**os.environ, "DATABASE_URL": url, "CANTHO_TILE_URL": ""}
    return subprocess.call(
        [sys.executable, str(ROOT / "scripts" / "bench_dashboard.py"), str(rounds)], env=env
    )
