"""Monitoring data: sensors and readings (partitioned by month) with hourly/daily rollups,
indicator rollups per sensor and per admin unit, flooding, traffic and service coverage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (id, code, unit, physical min, physical max, Vietnamese name, English name). Ranges are what a
# working instrument can report; anything outside is a fault, not weather.
QUANTITIES = [
    (1, "water_level", "m", -5, 10, "Mực nước", "Water level"),
    (2, "rainfall", "mm", 0, 300, "Lượng mưa", "Rainfall"),
    (3, "pm25", "µg/m³", 0, 1000, "Bụi PM2.5", "PM2.5"),
    (4, "pm10", "µg/m³", 0, 2000, "Bụi PM10", "PM10"),
    (5, "no2", "µg/m³", 0, 5000, "NO₂", "NO₂"),
    (6, "o3", "µg/m³", 0, 2000, "O₃", "O₃"),
    (7, "co", "µg/m³", 0, 200000, "CO", "CO"),
    (8, "so2", "µg/m³", 0, 5000, "SO₂", "SO₂"),
    (9, "speed", "km/h", 0, 200, "Tốc độ", "Speed"),
]

# (code, Vietnamese, English, service distance in metres).
FACILITY_KINDS = [
    ("hospital", "Bệnh viện", "Hospital", 5000),
    ("health_station", "Trạm y tế", "Health station", 2000),
    ("primary_school", "Trường tiểu học", "Primary school", 1000),
    ("lower_secondary_school", "Trường THCS", "Lower secondary school", 2000),
    ("upper_secondary_school", "Trường THPT", "Upper secondary school", 4000),
    ("clean_water", "Điểm cấp nước sạch", "Clean-water point", 500),
]

_POINT_TABLE_COLUMNS = """
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    source text NOT NULL,
    geom geometry(Point, 4326) NOT NULL,
    admin_unit_id bigint REFERENCES admin_unit (id) ON DELETE SET NULL
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE quantity (
            id smallint PRIMARY KEY,
            code text NOT NULL UNIQUE,
            unit text NOT NULL,
            min_value double precision NOT NULL,
            max_value double precision NOT NULL,
            name_vi text NOT NULL,
            name_en text NOT NULL,
            CHECK (min_value < max_value)
        )
        """
    )
    op.execute(
        "INSERT INTO quantity VALUES "
        + ", ".join(
            f"({i}, '{c}', '{u}', {lo}, {hi}, '{vi}', '{en}')"
            for i, c, u, lo, hi, vi, en in QUANTITIES
        )
    )

    # Sensors: gauges, air stations, rain gauges, traffic detectors. Alert levels are station
    # data (each gauge has its own Báo động I/II/III), never constants in code.
    op.execute(
        f"""
        CREATE TABLE sensor (
            {_POINT_TABLE_COLUMNS},
            name text NOT NULL,
            kind text NOT NULL,
            alert_1 double precision,
            alert_2 double precision,
            alert_3 double precision,
            road_segment_id bigint,
            active boolean NOT NULL DEFAULT true,
            CHECK (alert_1 IS NULL OR alert_2 IS NULL OR alert_1 <= alert_2),
            CHECK (alert_2 IS NULL OR alert_3 IS NULL OR alert_2 <= alert_3)
        )
        """
    )
    op.execute("CREATE INDEX ix_sensor_geom ON sensor USING gist (geom)")
    op.execute("CREATE INDEX ix_sensor_kind ON sensor (kind)")
    op.execute(
        """
        CREATE TABLE sensor_quantity (
            sensor_id bigint NOT NULL REFERENCES sensor (id) ON DELETE CASCADE,
            quantity_id smallint NOT NULL REFERENCES quantity (id),
            PRIMARY KEY (sensor_id, quantity_id)
        )
        """
    )

    # Raw readings, one partition per month so a year of 5-minute data stays fast to write,
    # to roll up and to drop. Partitions are made on demand by ensure_reading_partitions().
    op.execute(
        """
        CREATE TABLE reading (
            sensor_id bigint NOT NULL,
            quantity_id smallint NOT NULL,
            observed_at timestamptz NOT NULL,
            value double precision NOT NULL,
            quality smallint NOT NULL DEFAULT 0,
            PRIMARY KEY (sensor_id, quantity_id, observed_at)
        ) PARTITION BY RANGE (observed_at)
        """
    )
    op.execute(
        """
        CREATE FUNCTION ensure_reading_partitions(first timestamptz, last timestamptz)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            month date := date_trunc('month', first AT TIME ZONE 'UTC')::date;
            name text;
        BEGIN
            WHILE month <= (last AT TIME ZONE 'UTC')::date LOOP
                name := format('reading_%s', to_char(month, 'YYYY_MM'));
                IF to_regclass(name) IS NULL THEN
                    EXECUTE format(
                        'CREATE TABLE %I PARTITION OF reading FOR VALUES FROM (%L) TO (%L)',
                        name, month::timestamp AT TIME ZONE 'UTC',
                        (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
                END IF;
                month := month + interval '1 month';
            END LOOP;
        END $$
        """
    )

    # Rollups per sensor and quantity: what every click reads instead of raw readings.
    for name, period in (("reading_hourly", "hour"), ("reading_daily", "day")):
        op.execute(
            f"""
            CREATE TABLE {name} (
                sensor_id bigint NOT NULL REFERENCES sensor (id) ON DELETE CASCADE,
                quantity_id smallint NOT NULL REFERENCES quantity (id),
                {period} timestamptz NOT NULL,
                n integer NOT NULL,
                mean double precision NOT NULL,
                min double precision NOT NULL,
                max double precision NOT NULL,
                PRIMARY KEY (sensor_id, quantity_id, {period})
            )
            """
        )
        op.execute(f"CREATE INDEX ix_{name}_{period} ON {name} ({period})")

    # Indicators (AQI, alert level, congestion, …) per sensor and per admin unit, per hour and
    # per day, so the map and the KPIs read one row per subject and period.
    op.execute(
        """
        CREATE TABLE sensor_indicator (
            sensor_id bigint NOT NULL REFERENCES sensor (id) ON DELETE CASCADE,
            indicator text NOT NULL,
            period text NOT NULL CHECK (period IN ('hour', 'day')),
            period_start timestamptz NOT NULL,
            value double precision,
            detail jsonb NOT NULL DEFAULT '{}',
            PRIMARY KEY (indicator, period, period_start, sensor_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE unit_indicator (
            admin_unit_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            indicator text NOT NULL,
            period text NOT NULL CHECK (period IN ('hour', 'day')),
            period_start timestamptz NOT NULL,
            value double precision,
            detail jsonb NOT NULL DEFAULT '{}',
            PRIMARY KEY (indicator, period, period_start, admin_unit_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_unit_indicator_unit ON unit_indicator (admin_unit_id, indicator)")

    # Flooding: citizens' reports (no personal data is stored) and inundated areas.
    op.execute(
        f"""
        CREATE TABLE flood_report (
            {_POINT_TABLE_COLUMNS},
            reported_at timestamptz NOT NULL,
            depth_cm real CHECK (depth_cm IS NULL OR depth_cm >= 0),
            description text
        )
        """
    )
    op.execute("CREATE INDEX ix_flood_report_geom ON flood_report USING gist (geom)")
    op.execute("CREATE INDEX ix_flood_report_time ON flood_report (reported_at)")
    op.execute(
        """
        CREATE TABLE inundation_area (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            code text NOT NULL UNIQUE,
            source text NOT NULL,
            geom geometry(MultiPolygon, 4326) NOT NULL,
            depth_m real NOT NULL CHECK (depth_m >= 0),
            started_at timestamptz NOT NULL,
            ended_at timestamptz,
            CHECK (ended_at IS NULL OR ended_at > started_at)
        )
        """
    )
    op.execute("CREATE INDEX ix_inundation_area_geom ON inundation_area USING gist (geom)")
    op.execute(
        "CREATE INDEX ix_inundation_area_period ON inundation_area "
        "USING gist (tstzrange(started_at, ended_at))"
    )

    # Traffic: road segments (speeds arrive as readings of detectors tied to a segment),
    # incidents and cameras.
    op.execute(
        """
        CREATE TABLE road_segment (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            code text NOT NULL UNIQUE,
            source text NOT NULL,
            name text,
            road_class text NOT NULL,
            free_flow_kmh real NOT NULL CHECK (free_flow_kmh > 0),
            length_m real NOT NULL,
            geom geometry(LineString, 4326) NOT NULL,
            admin_unit_id bigint REFERENCES admin_unit (id) ON DELETE SET NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_road_segment_geom ON road_segment USING gist (geom)")
    op.execute("CREATE INDEX ix_road_segment_class ON road_segment (road_class)")
    op.execute(
        "ALTER TABLE sensor ADD CONSTRAINT fk_sensor_road_segment FOREIGN KEY (road_segment_id) "
        "REFERENCES road_segment (id) ON DELETE SET NULL"
    )
    op.execute(
        f"""
        CREATE TABLE traffic_incident (
            {_POINT_TABLE_COLUMNS},
            kind text NOT NULL,
            severity smallint NOT NULL DEFAULT 1 CHECK (severity BETWEEN 1 AND 3),
            started_at timestamptz NOT NULL,
            ended_at timestamptz,
            description text,
            CHECK (ended_at IS NULL OR ended_at > started_at)
        )
        """
    )
    op.execute("CREATE INDEX ix_traffic_incident_geom ON traffic_incident USING gist (geom)")
    op.execute(
        f"""
        CREATE TABLE camera (
            {_POINT_TABLE_COLUMNS},
            name text NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_camera_geom ON camera USING gist (geom)")

    # Service coverage: facilities by kind, a population grid, and the coverage rollup.
    op.execute(
        """
        CREATE TABLE facility_kind (
            code text PRIMARY KEY,
            name_vi text NOT NULL,
            name_en text NOT NULL,
            service_distance_m real NOT NULL CHECK (service_distance_m > 0)
        )
        """
    )
    op.execute(
        "INSERT INTO facility_kind VALUES "
        + ", ".join(f"('{c}', '{vi}', '{en}', {d})" for c, vi, en, d in FACILITY_KINDS)
    )
    op.execute(
        f"""
        CREATE TABLE facility (
            {_POINT_TABLE_COLUMNS},
            kind text NOT NULL REFERENCES facility_kind (code),
            name text NOT NULL,
            capacity integer CHECK (capacity IS NULL OR capacity >= 0)
        )
        """
    )
    op.execute("CREATE INDEX ix_facility_geom ON facility USING gist (geom)")
    op.execute("CREATE INDEX ix_facility_kind ON facility (kind)")
    op.execute(
        """
        CREATE TABLE population_cell (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source text NOT NULL,
            geom geometry(Polygon, 4326) NOT NULL,
            population real NOT NULL CHECK (population >= 0)
        )
        """
    )
    op.execute("CREATE INDEX ix_population_cell_geom ON population_cell USING gist (geom)")
    op.execute(
        """
        CREATE TABLE coverage (
            admin_unit_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            facility_kind text NOT NULL REFERENCES facility_kind (code),
            population real NOT NULL,
            covered real NOT NULL,
            computed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (facility_kind, admin_unit_id)
        )
        """
    )


def downgrade() -> None:
    for table in (
        "coverage", "population_cell", "facility", "facility_kind", "camera", "traffic_incident",
        "sensor_indicator", "unit_indicator", "reading_daily", "reading_hourly", "reading",
        "sensor_quantity", "sensor", "road_segment", "inundation_area", "flood_report", "quantity",
    ):  # fmt: skip
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute("DROP FUNCTION IF EXISTS ensure_reading_partitions(timestamptz, timestamptz)")
