"""Evaluating the rules: each rule's value for every subject in its scope, then each alert's step.

One alert per rule and subject at a time:

- no open alert, and the value crosses the fire line: a **pending** alert (straight to
  **firing** when the rule has no pending time);
- pending, the value still over the line ``pending_s`` after it started: **firing**; back under
  the line before then: resolved without having fired (nobody was told);
- firing, the value back past the clear line: **resolved**. A subject with no value now (a gauge
  gone silent) keeps its alert as it is: missing data is not good news.

Every step is an ``alert_event`` by the worker (actor NULL). Values are computed in PostGIS from
the rollups the dashboard reads, for the moment given. The backup kinds read the system's health
(``geodata.health.backups``) instead: the backups finished by that moment, and WAL archiving as
the server reports it now (so only for a moment within minutes of now: a replay of the past
has no value for it, and its alert stays as it is).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geodata.alerts.rules import KINDS, SYSTEM_KINDS, Rule, rules
from geodata.health.backups import backup_health, wal_archiving
from geodata.settings import get_settings


@dataclass(frozen=True)
class Value:
    subject_kind: str  # 'sensor', 'unit' or 'road'
    subject_id: int
    value: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Steps:
    """What one evaluation did, by step."""

    pending: int = 0
    firing: int = 0
    resolved: int = 0
    cancelled: int = 0
    rules: int = 0
    subjects: int = 0

    def total(self) -> int:
        return self.pending + self.firing + self.resolved + self.cancelled


# The rule's area: its units valid on the day (every unit when it names none).
_SCOPE = """
    (SELECT ST_Union(geom) FROM admin_unit
     WHERE code = ANY(:codes) AND valid_from <= :day AND (valid_to IS NULL OR valid_to > :day))
"""
_IN_SCOPE = "(cardinality(CAST(:codes AS text[])) = 0 OR ST_Covers({scope}, {geom}))"
_FRESH = "interval '3 hours'"
_LEVEL = """CASE WHEN {v} >= s.alert_3 THEN 3 WHEN {v} >= s.alert_2 THEN 2
                 WHEN {v} >= s.alert_1 THEN 1 ELSE 0 END"""

_GAUGES = f"""
    FROM sensor s
    WHERE s.active AND s.kind IN ('river_gauge', 'canal_gauge')
      AND {_IN_SCOPE.format(scope=_SCOPE, geom="s.geom")}
"""

# The units watched: one level below the city, or the rule's level, valid on the day.
_UNITS = f"""
    FROM admin_unit u
    WHERE u.valid_from <= :day AND (u.valid_to IS NULL OR u.valid_to > :day)
      AND CASE WHEN CAST(:level AS text) IS NULL
               THEN u.parent_id IN (SELECT id FROM admin_unit WHERE code = :root)
               ELSE u.level = :level END
      AND {_IN_SCOPE.format(scope=_SCOPE, geom="ST_PointOnSurface(u.geom)")}
"""


def _latest(table: str, owner: str, subject: str, indicator: str) -> str:
    """A join giving each subject its latest hourly value of ``indicator`` in ``table`` (a
    ``sensor_indicator`` or ``unit_indicator``) within three hours before ``:at``, as ``i``."""
    return f"""CROSS JOIN LATERAL (
            SELECT * FROM {table} i
            WHERE i.{owner} = {subject} AND i.indicator = '{indicator}' AND i.period = 'hour'
              AND i.period_start <= :at AND i.period_start > :at - {_FRESH}
              AND i.value IS NOT NULL
            ORDER BY i.period_start DESC LIMIT 1) i
        WHERE"""


_QUERIES: dict[str, str] = {
    "gauge_level": f"""
        SELECT 'sensor' AS subject_kind, s.id AS subject_id, i.value,
               jsonb_build_object('hour', i.period_start,
                                  'level_m', i.detail -> 'max_level_m') AS detail
        {
        _GAUGES.replace("WHERE", _latest("sensor_indicator", "sensor_id", "s.id", "alert_level"), 1)
    }
    """,
    "gauge_forecast": f"""
        SELECT 'sensor' AS subject_kind, s.id AS subject_id, lv.level AS value,
               jsonb_build_object('issued_at', f.issued_at,
                                  'reached_at', f.issued_at + (lv.k - 1) * interval '1 hour',
                                  'level_m', lv.v) AS detail
        {
        _GAUGES.replace(
            "WHERE",
            '''CROSS JOIN LATERAL (
            SELECT * FROM water_forecast f
            WHERE f.sensor_id = s.id AND f.value IS NOT NULL
              AND f.issued_at <= :at AND f.issued_at > :at - {fresh}
            ORDER BY f.issued_at DESC LIMIT 1) f
        CROSS JOIN LATERAL (
            SELECT {level} AS level, x.k, x.v
            FROM unnest(f.value[1:CAST(:hours AS int)]) WITH ORDINALITY AS x(v, k)
            ORDER BY 1 DESC, x.k LIMIT 1) lv
        WHERE''',
            1,
        )
        .replace("{fresh}", _FRESH)
        .replace("{level}", _LEVEL.format(v="x.v"))
    }
    """,
    "unit_aqi": f"""
        SELECT 'unit' AS subject_kind, u.id AS subject_id, i.value,
               i.detail || jsonb_build_object('hour', i.period_start) AS detail
        {_UNITS.replace("WHERE", _latest("unit_indicator", "admin_unit_id", "u.id", "aqi_max"), 1)}
    """,
    "unit_congestion": f"""
        SELECT 'unit' AS subject_kind, u.id AS subject_id, i.value,
               jsonb_build_object('hour', i.period_start) AS detail
        {
        _UNITS.replace(
            "WHERE", _latest("unit_indicator", "admin_unit_id", "u.id", "congested_share"), 1
        )
    }
    """,
    # A segment may have a detector each way: their mean, at the latest hour of either.
    "road_congestion": f"""
        SELECT 'road' AS subject_kind, r.id AS subject_id, avg(i.value) AS value,
               jsonb_build_object('hour', max(i.period_start),
                                  'speed_kmh', round(avg((i.detail ->> 'speed_kmh')::numeric), 1))
                 AS detail
        FROM road_segment r JOIN sensor s ON s.road_segment_id = r.id AND s.active
        {_latest("sensor_indicator", "sensor_id", "s.id", "speed_ratio")}
          {_IN_SCOPE.format(scope=_SCOPE, geom="ST_PointOnSurface(r.geom)")}
        GROUP BY r.id
    """,
    "unit_coverage": f"""
        SELECT 'unit' AS subject_kind, u.id AS subject_id,
               c.covered::double precision / c.population AS value,
               jsonb_build_object('facility', c.facility_kind, 'people', c.population,
                                  'covered', c.covered) AS detail
        {
        _UNITS.replace(
            "WHERE",
            '''JOIN coverage c ON c.admin_unit_id = u.id
            AND c.facility_kind = :facility AND c.population > 0
        WHERE''',
            1,
        )
    }
    """,
    # Flood reports of the window, clustered (DBSCAN, one report is a cluster of one) in metres
    # (UTM 48N); each cluster counted in the unit holding its centre, 0 in a unit with none.
    "report_cluster": f"""
        WITH recent AS (
            SELECT r.id, ST_Transform(r.geom, 32648) AS g FROM citizen_report r
            WHERE r.category = 'flooding' AND NOT r.hidden AND r.duplicate_of IS NULL
              AND r.reported_at <= :at
              AND r.reported_at > :at - make_interval(mins => CAST(:window_min AS int))
        ), clustered AS (
            SELECT ST_ClusterDBSCAN(g, eps => CAST(:radius_m AS float8), minpoints => 1)
                   OVER () AS cluster, g FROM recent
        ), clusters AS (
            SELECT count(*) AS n, ST_Transform(ST_Centroid(ST_Collect(g)), 4326) AS centre
            FROM clustered GROUP BY cluster
        )
        SELECT 'unit' AS subject_kind, u.id AS subject_id,
               coalesce(max(c.n), 0)::double precision AS value,
               jsonb_build_object('reports', coalesce(max(c.n), 0)) AS detail
        {_UNITS.replace("WHERE", "LEFT JOIN clusters c ON ST_Covers(u.geom, c.centre) WHERE", 1)}
        GROUP BY u.id
    """,
}


# The system's one subject: the database cluster the app writes to.
SYSTEM_ID = 1
# How far from now the WAL archiver's state still says something of a moment.
_LIVE = dt.timedelta(minutes=10)


def _system_values(conn: Connection, rule: Rule, at: dt.datetime) -> list[Value]:
    """A backup kind's value for the system (see the module's text)."""
    if rule.kind == "backup_age":
        health = backup_health(conn, at)
        good = health.newest_good
        age = health.age_h
        detail: dict[str, Any] = (
            {"none": True} if good is None
            else {"finished_at": good.finished_at, "label": good.label, "backup_kind": good.kind}
        )  # fmt: skip
        value = KINDS["backup_age"].high if age is None else min(age, KINDS["backup_age"].high)
        return [Value("system", SYSTEM_ID, max(0.0, value), detail)]
    if abs(dt.datetime.now(dt.UTC) - at) > _LIVE:
        return []
    wal = wal_archiving(conn)
    live: dict[str, Any] = {"state": wal.state, "last_archived_at": wal.last_archived_at,
              "last_failed_at": wal.last_failed_at, "waiting": wal.waiting}  # fmt: skip
    return [Value("system", SYSTEM_ID, 0.0 if wal.keeps_up else 1.0, live)]


def values(conn: Connection, rule: Rule, at: dt.datetime) -> list[Value]:
    """The rule's value for every subject in its scope that has one at ``at``."""
    if rule.kind in SYSTEM_KINDS:
        return _system_values(conn, rule, at)
    params = {
        "codes": list(rule.unit_codes),
        "day": at.date(),
        "at": at,
        "root": get_settings().root_unit_code,
        "level": rule.params.get("level"),
        "hours": rule.params.get("hours", 48),
        "facility": rule.params.get("facility"),
        "radius_m": rule.params.get("radius_m", 300),
        "window_min": rule.params.get("window_min", 60),
    }
    rows = conn.execute(text(_QUERIES[rule.kind]), params).all()
    return [
        Value(r.subject_kind, r.subject_id, float(r.value), dict(r.detail or {}))
        for r in rows
        if r.value is not None
    ]


def _event(
    conn: Connection, alert_id: int, at: dt.datetime, action: str, detail: dict[str, Any]
) -> None:
    """A step by the worker, at the moment evaluated."""
    conn.execute(
        text(
            "INSERT INTO alert_event (alert_id, at, action, detail) "
            "VALUES (:a, :at, :action, CAST(:d AS jsonb))"
        ),
        {"a": alert_id, "at": at, "action": action, "d": json.dumps(detail, default=str)},
    )


# The system has no place: no geometry, so no ward's policy admits its alerts (migration 0027).
_SUBJECT_GEOM = """CASE :kind WHEN 'sensor' THEN (SELECT geom FROM sensor WHERE id = :sid)
                             WHEN 'road' THEN (SELECT geom FROM road_segment WHERE id = :sid)
                             WHEN 'system' THEN NULL
                             ELSE (SELECT geom FROM admin_unit WHERE id = :sid) END"""


def evaluate(conn: Connection, at: dt.datetime | None = None) -> Steps:
    """Every enabled rule at ``at`` (default now); the steps taken."""
    at = at or dt.datetime.now(dt.UTC)
    steps = Steps()
    for rule in rules(conn, enabled_only=True):
        steps.rules += 1
        now_values = {(v.subject_kind, v.subject_id): v for v in values(conn, rule, at)}
        steps.subjects += len(now_values)
        open_alerts = {
            (r.subject_kind, r.subject_id): r
            for r in conn.execute(
                text(
                    "SELECT id, subject_kind, subject_id, state, started_at, peak FROM alert "
                    "WHERE rule_id = :rule AND state <> 'resolved' FOR UPDATE"
                ),
                {"rule": rule.id},
            ).all()
        }
        for key, v in now_values.items():
            alert = open_alerts.get(key)
            detail = json.dumps(v.detail, default=str)
            if alert is None:
                if not rule.fires(v.value):
                    continue
                state = "firing" if rule.pending_s == 0 else "pending"
                alert_id = conn.scalar(
                    text(
                        f"""
                        INSERT INTO alert (rule_id, subject_kind, subject_id, state, value, peak,
                                           detail, started_at, fired_at, evaluated_at, geom)
                        VALUES (:rule, :kind, :sid, :state, :value, :value,
                                CAST(:detail AS jsonb), :at,
                                CASE WHEN :state = 'firing' THEN CAST(:at AS timestamptz) END,
                                :at, {_SUBJECT_GEOM})
                        RETURNING id
                        """
                    ),
                    {"rule": rule.id, "kind": key[0], "sid": key[1], "state": state,
                     "value": v.value, "detail": detail, "at": at},
                )  # fmt: skip
                _event(conn, alert_id, at, state, {"value": v.value, **v.detail})
                setattr(steps, state, getattr(steps, state) + 1)
                continue
            peak = v.value if alert.peak is None else (
                min(alert.peak, v.value) if rule.below else max(alert.peak, v.value)
            )  # fmt: skip
            new_state = alert.state
            if alert.state == "pending":
                if not rule.fires(v.value):
                    new_state = "cancelled"
                elif at - alert.started_at >= dt.timedelta(seconds=rule.pending_s):
                    new_state = "firing"
            elif rule.clears(v.value):
                new_state = "resolved"
            conn.execute(
                text(
                    """
                    UPDATE alert SET value = :value, peak = :peak, detail = CAST(:detail AS jsonb),
                      evaluated_at = :at,
                      state = CASE WHEN :new IN ('resolved', 'cancelled') THEN 'resolved'
                                   ELSE :new END,
                      fired_at = CASE WHEN :new = 'firing' AND fired_at IS NULL
                                      THEN CAST(:at AS timestamptz) ELSE fired_at END,
                      resolved_at = CASE WHEN :new IN ('resolved', 'cancelled')
                                         THEN CAST(:at AS timestamptz) END
                    WHERE id = :id
                    """
                ),
                {"value": v.value, "peak": peak, "detail": detail, "at": at,
                 "new": new_state, "id": alert.id},
            )  # fmt: skip
            if new_state != alert.state:
                _event(conn, alert.id, at, new_state, {"value": v.value, **v.detail})
                setattr(steps, new_state, getattr(steps, new_state) + 1)
    return steps
