"""Writing sensor readings and keeping every rollup current as they arrive.

A batch goes in with COPY into a temporary table, then into ``reading`` (duplicates of the same
sensor, quantity and time are ignored: re-sending a batch is harmless). Only the hours and days the
batch touched are then recomputed: per-sensor hourly and daily means, the per-sensor indicators
(alert level, VN_AQI, congestion) and the per-unit indicators at every level. No click ever scans
raw readings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from domain import indicators
from domain.clock import CITY_TZ_NAME
from geodata.errors import GeodataError
from geodata.monitoring.coverage import compute_coverage, today_in_city

BAD_QUALITY = 2  # readings flagged bad are stored but left out of every rollup
AQI_POLLUTANTS = ("pm25", "pm10", "no2", "o3", "co", "so2")


@dataclass(frozen=True)
class Reading:
    """One observation of one quantity by one sensor."""

    sensor_id: int
    quantity_id: int
    observed_at: dt.datetime  # timezone-aware
    value: float
    quality: int = 0


@dataclass(frozen=True)
class WriteResult:
    """How many readings were new, and which periods were recomputed."""

    inserted: int
    hours: int
    days: int


def write_readings(
    conn: Connection, readings: Iterable[Reading], queue_rollups: bool = False
) -> WriteResult:
    """Store a batch (COPY speed) and bring every rollup it touches up to date; one transaction.

    With ``queue_rollups`` the touched hours go to ``rollup_queue`` instead, for
    :func:`drain_rollup_queue` to roll up together with other batches (sensor pushes)."""
    conn.execute(
        text(
            """
            CREATE TEMP TABLE IF NOT EXISTS incoming (
                sensor_id bigint, quantity_id smallint, observed_at timestamptz,
                value double precision, quality smallint
            ) ON COMMIT DELETE ROWS
            """
        )
    )
    conn.execute(text("TRUNCATE incoming"))
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY incoming (sensor_id, quantity_id, observed_at, value, quality) FROM STDIN"
        ) as copy,
    ):
        for r in readings:
            copy.write_row((r.sensor_id, r.quantity_id, r.observed_at, r.value, r.quality))
    return _merge_incoming(conn, queue_rollups)


class DroppedMonthWrite(GeodataError):
    """Readings for a month whose readings the retention job dropped (its rollups kept)."""

    def __init__(self, message: str, months: list[dt.date]) -> None:
        super().__init__(message)
        self.months = months  # their first days (UTC)


def dropped_months(conn: Connection, first: dt.datetime, last: dt.datetime) -> list[dt.date]:
    """The months (UTC, their first day) from ``first`` to ``last`` whose readings were dropped
    by retention: no reading left (no partition, or an empty one that a load spanning the month
    made again), hourly rollups still there."""
    found = []
    month = dt.date(first.astimezone(dt.UTC).year, first.astimezone(dt.UTC).month, 1)
    while month <= last.astimezone(dt.UTC).date():
        after = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        bounds = {
            "a": dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC),
            "b": dt.datetime(after.year, after.month, 1, tzinfo=dt.UTC),
        }
        # One month at a time, with its bounds as values: the planner keeps to that month's
        # partition and the plan stays cheap (a generate_series over the months was costed
        # high enough to be JIT-compiled, 200 ms per sensor push at the bench's scale).
        if conn.scalar(
            text(
                "SELECT NOT EXISTS (SELECT 1 FROM reading WHERE observed_at >= :a "
                "AND observed_at < :b) AND EXISTS (SELECT 1 FROM reading_hourly "
                "WHERE hour >= :a AND hour < :b)"
            ),
            bounds,
        ):
            found.append(month)
        month = after
    return found


def _merge_incoming(conn: Connection, queue_rollups: bool = False) -> WriteResult:
    conn.execute(text("ANALYZE incoming"))
    span = conn.execute(text("SELECT min(observed_at), max(observed_at) FROM incoming")).one()
    if span[0] is None:
        return WriteResult(0, 0, 0)
    # An hour is rolled up again from the readings stored for it: in a dropped month, a few
    # readings would replace the rollup of everything the hour had. Settings keep pushes out
    # of such months (geodata.retention); a month comes back whole through `load readings`.
    if dropped := dropped_months(conn, span[0], span[1]):
        raise DroppedMonthWrite(
            f"readings of {', '.join(f'{m:%Y-%m}' for m in dropped)}: that month's readings "
            "were dropped by retention; load its archive with `python -m geodata load "
            "readings` before adding to it",
            dropped,
        )
    conn.execute(text("SELECT ensure_reading_partitions(:a, :b)"), {"a": span[0], "b": span[1]})
    inserted = conn.execute(
        text(
            """
            INSERT INTO reading (sensor_id, quantity_id, observed_at, value, quality)
            SELECT DISTINCT ON (sensor_id, quantity_id, observed_at)
                   sensor_id, quantity_id, observed_at, value, quality
            FROM incoming ORDER BY sensor_id, quantity_id, observed_at
            ON CONFLICT DO NOTHING
            """
        )
    ).rowcount
    if queue_rollups:
        conn.execute(
            text(
                "INSERT INTO rollup_queue (sensor_id, quantity_id, hour) "
                "SELECT DISTINCT sensor_id, quantity_id, date_trunc('hour', observed_at) "
                "FROM incoming ON CONFLICT DO NOTHING"
            )
        )
        return WriteResult(inserted=inserted, hours=0, days=0)
    hours, days = refresh_rollups(conn, "incoming")
    return WriteResult(inserted=inserted, hours=hours, days=days)


# One drain at a time across every server process: the others skip their turn.
_DRAIN_LOCK = 0x43414E54484F  # "CANTHO"


def drain_rollup_queue(conn: Connection) -> int:
    """Roll up every hour queued by sensor pushes, in the caller's transaction; the hours done.

    The queue rows are deleted in the same transaction as the rollups are written: if the
    rollups fail, the hours stay queued. Returns 0 at once when another drain is running.
    """
    if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _DRAIN_LOCK}):
        return 0
    conn.execute(text("DROP TABLE IF EXISTS queued"))
    conn.execute(
        text(
            """
            CREATE TEMP TABLE queued ON COMMIT DROP AS
            WITH taken AS (
                DELETE FROM rollup_queue RETURNING sensor_id, quantity_id, hour
            )
            SELECT sensor_id, quantity_id, hour AS observed_at FROM taken
            """
        )
    )
    count = int(conn.scalar(text("SELECT count(*) FROM queued")) or 0)
    if count:
        conn.execute(text("ANALYZE queued"))
        refresh_rollups(conn, "queued")
    return count


def refresh_rollups(
    conn: Connection, touched_table: str = "incoming", hourly_table: str | None = None
) -> tuple[int, int]:
    """Recompute the hourly/daily rollups and indicators for the periods in ``touched_table``.

    ``touched_table`` is a trusted table name (never user input) with sensor_id, quantity_id and
    observed_at columns. The hourly rollups are read back from ``reading``; or, for a bulk load
    into hours that had no reading before, taken from ``hourly_table`` (trusted too): the load's
    own hourly aggregates (sensor_id, quantity_id, hour, n, mean, min, max; n = 0 for an hour
    of bad readings only), made in memory from the file.
    """
    conn.execute(text("DROP TABLE IF EXISTS touched_hour, touched_day"))
    conn.execute(
        text(
            f"""
            CREATE TEMP TABLE touched_hour ON COMMIT DROP AS
            SELECT DISTINCT sensor_id, quantity_id, date_trunc('hour', observed_at) AS hour
            FROM {touched_table}
            """
        )
    )
    # Temporary tables are never analysed automatically; without statistics the planner guesses
    # their size and can pick a plan that scans the readings once per touched hour.
    conn.execute(text("ANALYZE touched_hour"))
    if hourly_table is None:
        # One index range scan per (sensor, quantity): the same cheap plan for a 5-minute
        # batch and for a month of back-fill; only the touched hours are kept.
        aggregate = f"""
            WITH pair AS MATERIALIZED (
                SELECT sensor_id, quantity_id, min(hour) AS first, max(hour) AS last
                FROM touched_hour GROUP BY sensor_id, quantity_id
            ), agg AS MATERIALIZED (
                SELECT r.sensor_id, r.quantity_id, date_trunc('hour', r.observed_at) AS hour,
                       count(*) AS n, avg(r.value) AS mean, min(r.value) AS min,
                       max(r.value) AS max
                FROM pair p
                JOIN reading r ON r.sensor_id = p.sensor_id AND r.quantity_id = p.quantity_id
                 AND r.observed_at >= p.first AND r.observed_at < p.last + interval '1 hour'
                WHERE r.quality < {BAD_QUALITY}
                GROUP BY 1, 2, 3
            )
            SELECT a.sensor_id, a.quantity_id, a.hour, a.n, a.mean, a.min, a.max
            FROM agg a JOIN touched_hour t USING (sensor_id, quantity_id, hour)
        """
    else:
        aggregate = f"""
            SELECT sensor_id, quantity_id, hour, n, mean, min, max FROM {hourly_table}
            WHERE n > 0
        """
    hours = conn.execute(
        text(
            f"""
            INSERT INTO reading_hourly AS h (sensor_id, quantity_id, hour, n, mean, min, max)
            {aggregate}
            ON CONFLICT (sensor_id, quantity_id, hour) DO UPDATE
              SET n = excluded.n, mean = excluded.mean, min = excluded.min, max = excluded.max
            """
        )
    ).rowcount
    # Days are local (UTC+7) days: what an official means by "yesterday".
    conn.execute(
        text(
            f"""
            CREATE TEMP TABLE touched_day ON COMMIT DROP AS
            SELECT DISTINCT sensor_id, quantity_id,
                   date_trunc('day', hour AT TIME ZONE '{CITY_TZ_NAME}')
                     AT TIME ZONE '{CITY_TZ_NAME}' AS day
            FROM touched_hour
            """
        )
    )
    conn.execute(text("ANALYZE touched_day"))
    days = conn.execute(
        text(
            """
            INSERT INTO reading_daily AS d (sensor_id, quantity_id, day, n, mean, min, max)
            SELECT h.sensor_id, h.quantity_id, t.day, sum(h.n), sum(h.mean * h.n) / sum(h.n),
                   min(h.min), max(h.max)
            FROM touched_day t
            JOIN reading_hourly h ON h.sensor_id = t.sensor_id AND h.quantity_id = t.quantity_id
             AND h.hour >= t.day AND h.hour < t.day + interval '1 day'
            GROUP BY h.sensor_id, h.quantity_id, t.day
            ON CONFLICT (sensor_id, quantity_id, day) DO UPDATE
              SET n = excluded.n, mean = excluded.mean, min = excluded.min, max = excluded.max
            """
        )
    ).rowcount
    _refresh_alert_levels(conn, hourly_table)
    _refresh_congestion(conn, hourly_table)
    _refresh_aqi(conn)
    refresh_unit_indicators(conn, sensors_touched=True)
    return hours, days


def refresh_units(conn: Connection, unit_ids: list[int]) -> None:
    """The rollups of units whose boundaries are new or changed, and of no other unit (what a
    boundary change touches): their indicators for every period the sensors inside them have
    figures for, and their service coverage today. Citizens' report figures follow by trigger
    (migration 0014)."""
    if not unit_ids:
        return
    conn.execute(text("DROP TABLE IF EXISTS touched_hour, touched_day"))
    for bucket, period in (("hour", "hour"), ("day", "day")):
        conn.execute(
            text(
                f"""
                CREATE TEMP TABLE touched_{bucket} ON COMMIT DROP AS
                SELECT DISTINCT si.period_start AS {bucket} FROM sensor_indicator si
                WHERE si.period = '{period}' AND si.sensor_id IN (
                  SELECT s.id FROM sensor s JOIN admin_unit u ON ST_Covers(u.geom, s.geom)
                  WHERE u.id = ANY (CAST(:ids AS bigint[])))
                """
            ),
            {"ids": unit_ids},
        )
        conn.execute(text(f"ANALYZE touched_{bucket}"))
    conn.execute(
        text("DELETE FROM unit_indicator WHERE admin_unit_id = ANY (CAST(:ids AS bigint[]))"),
        {"ids": unit_ids},
    )
    refresh_unit_indicators(conn, unit_ids=unit_ids)
    compute_coverage(conn, today_in_city(), unit_ids)


def _rollup_rows(period: str, hourly_table: str | None) -> str:
    """The touched periods' rollups, as rows ``x`` (sensor_id, quantity_id, hour or day, mean,
    max). A load's own hourly table holds exactly its touched hours: read whole, by hash joins,
    rather than an index probe into reading_hourly per touched hour (150,000 for two months of
    traffic data)."""
    if period == "hour" and hourly_table is not None:
        return f"(SELECT * FROM {hourly_table} WHERE n > 0) x"
    source, bucket = ("reading_hourly", "hour") if period == "hour" else ("reading_daily", "day")
    return f"""(SELECT DISTINCT sensor_id, quantity_id, {bucket} FROM touched_{bucket}) t
                JOIN {source} x USING (sensor_id, quantity_id, {bucket})"""


def _refresh_alert_levels(conn: Connection, hourly_table: str | None = None) -> None:
    """Alert level per gauge and period: from the highest water level, against its own levels."""
    for period, bucket in (("hour", "hour"), ("day", "day")):
        conn.execute(
            text(
                f"""
                INSERT INTO sensor_indicator AS si
                    (sensor_id, indicator, period, period_start, value, detail)
                SELECT s.id, 'alert_level', :period, x.{bucket},
                       CASE WHEN s.alert_3 IS NOT NULL AND x.max >= s.alert_3 THEN 3
                            WHEN s.alert_2 IS NOT NULL AND x.max >= s.alert_2 THEN 2
                            WHEN s.alert_1 IS NOT NULL AND x.max >= s.alert_1 THEN 1
                            ELSE 0 END,
                       jsonb_build_object('max_level_m', round(x.max::numeric, 3))
                FROM {_rollup_rows(period, hourly_table)}
                JOIN sensor s ON s.id = x.sensor_id
                JOIN quantity q ON q.id = x.quantity_id AND q.code = 'water_level'
                ON CONFLICT (indicator, period, period_start, sensor_id) DO UPDATE
                  SET value = excluded.value, detail = excluded.detail
                """
            ),
            {"period": period},
        )


def _refresh_congestion(conn: Connection, hourly_table: str | None = None) -> None:
    """Speed ratio (observed / free-flow) per traffic detector and period."""
    for period, bucket in (("hour", "hour"), ("day", "day")):
        conn.execute(
            text(
                f"""
                INSERT INTO sensor_indicator AS si
                    (sensor_id, indicator, period, period_start, value, detail)
                SELECT s.id, 'speed_ratio', :period, x.{bucket}, x.mean / g.free_flow_kmh,
                       jsonb_build_object('speed_kmh', round(x.mean::numeric, 1),
                                          'segment_id', g.id)
                FROM {_rollup_rows(period, hourly_table)}
                JOIN sensor s ON s.id = x.sensor_id
                JOIN road_segment g ON g.id = s.road_segment_id
                JOIN quantity q ON q.id = x.quantity_id AND q.code = 'speed'
                ON CONFLICT (indicator, period, period_start, sensor_id) DO UPDATE
                  SET value = excluded.value, detail = excluded.detail
                """
            ),
            {"period": period},
        )


def _refresh_aqi(conn: Connection) -> None:
    """VN_AQI per air station: hourly (NowCast for PM) and daily, computed by domain.indicators.

    An hour's AQI depends on the 11 hours before it (NowCast), so a new hour also refreshes the
    next 11 hours already stored (late data).
    """
    stations = conn.execute(
        text(
            """
            SELECT DISTINCT t.sensor_id, t.hour FROM touched_hour t
            JOIN quantity q ON q.id = t.quantity_id AND q.code = ANY(:pollutants)
            """
        ),
        {"pollutants": list(AQI_POLLUTANTS)},
    ).all()
    if not stations:
        return
    touched: dict[int, set[dt.datetime]] = defaultdict(set)
    for sensor_id, hour in stations:
        for k in range(12):
            touched[sensor_id].add(hour + dt.timedelta(hours=k))
    rows: list[dict[str, object]] = []
    for sensor_id, hours in touched.items():
        first, last = min(hours), max(hours)
        series = conn.execute(
            text(
                """
                SELECT q.code, h.hour, h.mean FROM reading_hourly h
                JOIN quantity q ON q.id = h.quantity_id
                WHERE h.sensor_id = :s AND q.code = ANY(:pollutants)
                  AND h.hour > :first - interval '12 hours' AND h.hour <= :last
                """
            ),
            {"s": sensor_id, "pollutants": list(AQI_POLLUTANTS), "first": first, "last": last},
        ).all()
        means: dict[str, dict[dt.datetime, float]] = defaultdict(dict)
        for code, hour, mean in series:
            means[code][hour] = mean
        latest = max((h for by_hour in means.values() for h in by_hour), default=None)
        for hour in sorted(hours):
            if latest is None or hour > latest:
                continue
            window = [hour - dt.timedelta(hours=k) for k in range(12)]  # most recent first
            result = indicators.hourly_aqi(
                {code: [by_hour.get(h) for h in window] for code, by_hour in means.items()}
            )
            rows.append(_aqi_row(sensor_id, "hour", hour, result))
    days = conn.execute(
        text(
            """
            SELECT d.sensor_id, d.day, jsonb_object_agg(q.code, d.mean) FROM reading_daily d
            JOIN quantity q ON q.id = d.quantity_id AND q.code = ANY(:pollutants)
            JOIN (SELECT DISTINCT sensor_id, day FROM touched_day) t USING (sensor_id, day)
            GROUP BY d.sensor_id, d.day
            """
        ),
        {"pollutants": list(AQI_POLLUTANTS)},
    ).all()
    for sensor_id, day, daily_means in days:
        rows.append(_aqi_row(sensor_id, "day", day, indicators.daily_aqi(daily_means)))
    if rows:
        conn.execute(
            text(
                """
                INSERT INTO sensor_indicator (sensor_id, indicator, period, period_start, value,
                                              detail)
                VALUES (:sensor_id, 'aqi', :period, :period_start, :value,
                        CAST(:detail AS jsonb))
                ON CONFLICT (indicator, period, period_start, sensor_id) DO UPDATE
                  SET value = excluded.value, detail = excluded.detail
                """
            ),
            rows,
        )


def _aqi_row(
    sensor_id: int, period: str, start: dt.datetime, result: indicators.AqiResult | None
) -> dict[str, object]:
    detail = (
        {"dominant": result.dominant_pollutant, "category": result.category.code}
        if result is not None
        else {"missing": "needs PM2.5 or PM10"}
    )
    return {
        "sensor_id": sensor_id,
        "period": period,
        "period_start": start,
        "value": result.value if result is not None else None,
        "detail": json.dumps(detail),
    }


def _upsert_unit_indicators(conn: Connection, select: str, params: dict[str, object]) -> None:
    """Write the unit indicators ``select`` gives (unit, indicator, period, start, value,
    detail), replacing those already there."""
    conn.execute(
        text(
            f"""
            INSERT INTO unit_indicator (admin_unit_id, indicator, period, period_start, value,
                                        detail)
            {select}
            ON CONFLICT (indicator, period, period_start, admin_unit_id) DO UPDATE
              SET value = excluded.value, detail = excluded.detail
            """
        ),
        params,
    )


def refresh_unit_indicators(
    conn: Connection, sensors_touched: bool = False, unit_ids: list[int] | None = None
) -> None:
    """Per admin unit and period: worst AQI, gauges above alert, congested length share.
    Sensors belong to the units whose geometry covers them. A unit has them for every period
    before it ended, also before it began: a ward created by the 2025 reform has its history
    from the sensors inside its own boundary, so its charts do not break at the reform.

    Recomputes the periods listed in the temporary tables ``touched_hour(hour)`` and
    ``touched_day(day)`` of the current transaction. With ``sensors_touched`` (those tables
    then have a ``sensor_id``), only the units covering a touched sensor: no other unit's
    inputs changed. A sensor's push then recomputes its ward, district and city, not all ~90
    units; that halves the cost of a small batch (measured by scripts/bench_ingest.py).
    With ``unit_ids``, only those units (new or reshaped boundaries: :func:`refresh_units`).
    """
    # Which sensor lies in which unit (every version of a unit), worked out once: a few
    # thousand pairs joined by hash below, instead of a spatial index probe per indicator row
    # (150,000 probes for a month of traffic data).
    only_touched = (
        """WHERE u.id IN (
            SELECT u2.id FROM admin_unit u2 JOIN sensor s2 ON ST_Covers(u2.geom, s2.geom)
            WHERE s2.id IN (SELECT sensor_id FROM touched_hour))"""
        if sensors_touched
        else ""
    )
    if unit_ids is not None:
        only_touched = "WHERE u.id = ANY (CAST(:unit_ids AS bigint[]))"
    conn.execute(text("DROP TABLE IF EXISTS unit_sensor"))
    conn.execute(
        text(
            f"""
            CREATE TEMP TABLE unit_sensor ON COMMIT DROP AS
            SELECT u.id AS unit_id, u.valid_from, u.valid_to, s.id AS sensor_id, s.name,
                   s.active, s.road_segment_id
            FROM admin_unit u JOIN sensor s ON ST_Covers(u.geom, s.geom)
            {only_touched}
            """
        ),
        {"unit_ids": unit_ids},
    )
    conn.execute(text("ANALYZE unit_sensor"))
    for period, bucket in (("hour", "hour"), ("day", "day")):
        params: dict[str, object] = {"period": period}
        periods = f"(SELECT DISTINCT {bucket} AS start FROM touched_{bucket})"
        # Every period before the unit ended (not only since it began: see above).
        units_at = f"""
            unit_sensor s ON (s.valid_to IS NULL
              OR s.valid_to > (p.start AT TIME ZONE '{CITY_TZ_NAME}')::date)
        """
        _upsert_unit_indicators(
            conn,
            f"""
                SELECT DISTINCT ON (s.unit_id, p.start) s.unit_id, 'aqi_max', :period, p.start,
                       si.value,
                       si.detail || jsonb_build_object('sensor_id', s.sensor_id, 'sensor', s.name)
                FROM {periods} p
                JOIN {units_at}
                JOIN sensor_indicator si ON si.sensor_id = s.sensor_id AND si.indicator = 'aqi'
                 AND si.period = :period AND si.period_start = p.start AND si.value IS NOT NULL
                ORDER BY s.unit_id, p.start, si.value DESC
            """,
            params,
        )
        _upsert_unit_indicators(
            conn,
            f"""
                SELECT s.unit_id, 'gauges_above_alert', :period, p.start,
                       count(*) FILTER (WHERE si.value >= 1),
                       jsonb_build_object('gauges', count(*), 'max_level', max(si.value))
                FROM {periods} p
                JOIN {units_at}
                JOIN sensor_indicator si ON si.sensor_id = s.sensor_id
                 AND si.indicator = 'alert_level'
                 AND si.period = :period AND si.period_start = p.start
                GROUP BY s.unit_id, p.start
            """,
            params,
        )
        _upsert_unit_indicators(
            conn,
            f"""
                SELECT seg.unit_id, 'congested_share', :period, seg.start,
                       coalesce(sum(seg.length_m) FILTER (WHERE seg.ratio < 0.5), 0)
                         / sum(seg.length_m),
                       jsonb_build_object('measured_m', round(sum(seg.length_m)))
                FROM (
                    -- One ratio per segment, however many detectors measure it.
                    SELECT s.unit_id, p.start, g.id, g.length_m, avg(si.value) AS ratio
                    FROM {periods} p
                    JOIN {units_at} AND s.active
                    JOIN road_segment g ON g.id = s.road_segment_id
                    JOIN sensor_indicator si ON si.sensor_id = s.sensor_id
                     AND si.indicator = 'speed_ratio'
                     AND si.period = :period AND si.period_start = p.start
                    GROUP BY s.unit_id, p.start, g.id, g.length_m
                ) seg
                GROUP BY seg.unit_id, seg.start
            """,
            params,
        )
