"""Demo early warning: the city's alert rules, and the last flood and bad-air day replayed.

Written after the monitoring data (and the reform), from what that data holds:

- the rules an operations centre starts with (``created_by = 'demo'``): flood at Báo động II
  observed, and forecast within 48 hours (both public warnings), air "Xấu" for an hour (public),
  flood reports clustering, and health-station coverage below a fifth (staff only);
- the latest flood at the Cần Thơ station in the last 30 days: its forecasts issued every six
  hours from 30 hours before the water reached Báo động II to 36 hours after (so the forecast
  alert fires ahead of the observed one), and the rules evaluated hour by hour through it; the
  alerts that fired are acknowledged, assigned and noted by the duty officer, and resolve as
  the water goes down;
- the latest hour of VN_AQI 151 or more in a unit in the last 30 days: that day replayed too.

Nothing is written when the data holds no such flood or day (a demo made in the dry season).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.forecast.issue import gauges, issue_for

DEMO = "demo"
MAIN_GAUGE = "demo-gauge-cantho"
DUTY_OFFICER = "demo.truc-ban"
HOUR = dt.timedelta(hours=1)


@dataclass
class AlertsSummary:
    rules: int
    forecasts: int
    alerts: int
    flood_at: dt.datetime | None
    forecast_lead_h: float | None
    bad_air_at: dt.datetime | None

    def describe(self) -> str:
        flood = (
            f"flood at Báo động II from {self.flood_at:%Y-%m-%d %H:%M}Z"
            + (f", forecast {self.forecast_lead_h:.0f} h ahead" if self.forecast_lead_h else "")
            if self.flood_at
            else "no flood in the last 30 days"
        )
        air = (
            f"bad air from {self.bad_air_at:%Y-%m-%d %H:%M}Z" if self.bad_air_at
            else "no bad-air hour in the last 30 days"
        )  # fmt: skip
        return (
            f"{self.rules} rules, {self.forecasts} forecasts, {self.alerts} alerts; {flood}; {air}"
        )


def delete_alerts_demo(conn: Connection) -> None:
    """The demo's rules (their alerts and steps go with them)."""
    conn.execute(text("DELETE FROM alert_rule WHERE created_by = :demo"), {"demo": DEMO})
    conn.execute(
        text(
            "DELETE FROM water_forecast WHERE sensor_id IN "
            "(SELECT id FROM sensor WHERE source = 'demo')"
        )
    )


def _rules(conn: Connection) -> int:
    rules: tuple[tuple[str, str, float, float, int, dict[str, object], bool], ...] = (
        ("Lũ: mực nước từ báo động II", "gauge_level", 2, 1, 0, {}, True),
        ("Lũ: dự báo đạt báo động II trong 48 giờ", "gauge_forecast", 2, 1, 0,
         {"hours": 48}, True),
        ("Không khí xấu (VN_AQI từ 151) trong một giờ", "unit_aqi", 151, 140, 3600, {}, True),
        ("Phản ánh ngập dồn dập (3 trong 300 m, 1 giờ)", "report_cluster", 3, 1, 0,
         {"radius_m": 300, "window_min": 60}, False),
        ("Độ phủ trạm y tế dưới 20 %", "unit_coverage", 0.2, 0.25, 0,
         {"facility": "health_station"}, False),
    )  # fmt: skip
    for name, kind, fire, clear, pending, params, public in rules:
        add_rule(conn, name, kind, fire, clear, pending_s=pending, params=params, public=public,
                 created_by=DEMO)  # fmt: skip
    return len(rules)


def _flood_episode(conn: Connection, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last hour of the latest run of hours at Báo động II or more at the main
    gauge in the last 30 days."""
    hours = list(
        conn.scalars(
            text(
                """
                SELECT si.period_start FROM sensor_indicator si JOIN sensor s ON s.id = si.sensor_id
                WHERE s.code = :code AND si.indicator = 'alert_level' AND si.period = 'hour'
                  AND si.value >= 2 AND si.period_start > :since AND si.period_start <= :now
                ORDER BY si.period_start DESC
                """
            ),
            {"code": MAIN_GAUGE, "since": now - dt.timedelta(days=30), "now": now},
        )
    )
    if not hours:
        return None
    last = first = hours[0]
    # Back through the same spring tide: one high a day may stay under the line (the diurnal
    # inequality), so a day and a half without one ends the run.
    for hour in hours[1:]:
        if first - hour > dt.timedelta(hours=36):
            break
        first = hour
    return first, last


def _bad_air(conn: Connection, now: dt.datetime) -> dt.datetime | None:
    return conn.scalar(
        text(
            "SELECT max(period_start) FROM unit_indicator WHERE indicator = 'aqi_max' "
            "AND period = 'hour' AND value >= 151 AND period_start > :since "
            "AND period_start <= :now"
        ),
        {"since": now - dt.timedelta(days=30), "now": now},
    )


def _handle(conn: Connection, flood: tuple[dt.datetime, dt.datetime]) -> None:
    """The duty officer acknowledges, takes and notes each flood alert a quarter of an hour
    after it fired."""
    rows = conn.execute(
        text(
            "SELECT a.id, a.fired_at FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
            "WHERE r.created_by = :demo AND r.kind IN ('gauge_level', 'gauge_forecast') "
            "AND a.fired_at BETWEEN :start AND :end"
        ),
        {"demo": DEMO, "start": flood[0] - dt.timedelta(hours=48), "end": flood[1]},
    ).all()
    for alert_id, fired_at in rows:
        at = fired_at + dt.timedelta(minutes=15)
        conn.execute(
            text(
                "UPDATE alert SET acknowledged_at = :at, acknowledged_by = :who, assignee = :who "
                "WHERE id = :id"
            ),
            {"at": at, "who": DUTY_OFFICER, "id": alert_id},
        )
        for action, note in (
            ("acknowledge", None),
            ("assign", None),
            ("note", "Đã báo UBND phường ven sông, tổ phản ứng nhanh trực tại bờ kè."),
        ):
            conn.execute(
                text(
                    "INSERT INTO alert_event (alert_id, at, actor, action, note) "
                    "VALUES (:id, :at, :who, :action, :note)"
                ),
                {"id": alert_id, "at": at, "who": DUTY_OFFICER, "action": action, "note": note},
            )


def write_alerts_sample(conn: Connection, now: dt.datetime | None = None) -> AlertsSummary:
    """The demo rules, and the latest flood and bad-air day replayed through them."""
    now = now or dt.datetime.now(dt.UTC)
    delete_alerts_demo(conn)
    count = _rules(conn)
    flood, bad_air = _flood_episode(conn, now), _bad_air(conn, now)
    moments: set[dt.datetime] = set()
    forecasts = 0
    if flood:
        # From 30 h before the water first reached Báo động II to 36 h after: the forecast
        # seeing it coming, the alert firing, being handled and resolving with the tide.
        start, end = flood[0] - dt.timedelta(hours=30), min(flood[0] + dt.timedelta(hours=36), now)
        main = [g for g in gauges(conn) if g.code == MAIN_GAUGE]
        at = start
        while at <= end:
            # Every 6 h: between two, the forecast alert keeps its state (no fresh forecast is
            # no news), as it would if the worker were slow.
            forecasts += len(issue_for(conn, main, at))
            at += dt.timedelta(hours=6)
        moments |= {start + k * HOUR for k in range(int((end - start) / HOUR) + 1)}
    if bad_air:
        day = bad_air.replace(hour=0)
        moments |= {day + k * HOUR for k in range(36) if day + k * HOUR <= now}
    for moment in sorted(moments):
        evaluate(conn, moment + dt.timedelta(minutes=30))
    if flood:
        _handle(conn, flood)
    fired = conn.execute(
        text(
            "SELECT r.kind, min(a.fired_at) FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
            "WHERE r.created_by = :demo AND r.kind IN ('gauge_level', 'gauge_forecast') "
            "AND a.subject_id = (SELECT id FROM sensor WHERE code = :code) "
            "AND a.fired_at >= :since GROUP BY r.kind"
        ),
        {"demo": DEMO, "code": MAIN_GAUGE,
         "since": flood[0] - dt.timedelta(hours=48) if flood else now},
    ).all()  # fmt: skip
    first: dict[str, dt.datetime] = {kind: at for kind, at in fired}
    lead = None
    if first.get("gauge_forecast") and first.get("gauge_level"):
        lead = (first["gauge_level"] - first["gauge_forecast"]).total_seconds() / 3600
    alerts = conn.scalar(
        text(
            "SELECT count(*) FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
            "WHERE r.created_by = :demo"
        ),
        {"demo": DEMO},
    )
    return AlertsSummary(count, forecasts, int(alerts or 0), flood[0] if flood else None, lead,
                         bad_air)  # fmt: skip
