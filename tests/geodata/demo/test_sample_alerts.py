"""The demo's early warning: its rules, and the latest flood and bad-air hours in the data
replayed through them, the flood alerts handled by the duty officer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from geodata.demo.sample_alerts import DUTY_OFFICER, MAIN_GAUGE, write_alerts_sample

NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _level(engine: Engine, hour: dt.datetime, level: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sensor_indicator (sensor_id, indicator, period, period_start, value) "
                "SELECT id, 'alert_level', 'hour', :h, :v FROM sensor WHERE code = :code "
                "ON CONFLICT (indicator, period, period_start, sensor_id) "
                "DO UPDATE SET value = EXCLUDED.value"
            ),
            {"h": hour, "v": level, "code": MAIN_GAUGE},
        )


def test_the_latest_flood_is_replayed_fired_handled_and_resolved(monitored_db) -> None:
    flood = NOW - dt.timedelta(hours=10)
    for k in range(10):  # Báo động II for two hours, then back under Báo động I
        _level(monitored_db, flood + dt.timedelta(hours=k), 2 if k < 2 else 0)
    with monitored_db.begin() as conn:
        summary = write_alerts_sample(conn, NOW)
    assert summary.rules == 5 and summary.flood_at == flood
    with monitored_db.connect() as conn:
        alert = conn.execute(
            text(
                "SELECT a.id, a.state, a.fired_at, a.resolved_at, a.acknowledged_by, a.assignee "
                "FROM alert a JOIN alert_rule r ON r.id = a.rule_id JOIN sensor s "
                "ON s.id = a.subject_id WHERE r.kind = 'gauge_level' AND s.code = :code"
            ),
            {"code": MAIN_GAUGE},
        ).one()
        steps = list(
            conn.scalars(
                text("SELECT action FROM alert_event WHERE alert_id = :a ORDER BY at, id"),
                {"a": alert.id},
            )
        )
    assert alert.fired_at == flood + dt.timedelta(minutes=30)
    assert alert.state == "resolved" and alert.resolved_at == flood + dt.timedelta(
        hours=2, minutes=30
    )
    assert (alert.acknowledged_by, alert.assignee) == (DUTY_OFFICER, DUTY_OFFICER)
    assert steps == ["firing", "acknowledge", "assign", "note", "resolved"]


def test_written_again_it_replaces_its_rules_and_leaves_others_alone(monitored_db) -> None:
    from geodata.alerts.rules import add_rule

    with monitored_db.begin() as conn:
        add_rule(conn, "Của phòng điều hành", "unit_aqi", 200, 150, created_by="official")
        write_alerts_sample(conn, NOW)
        write_alerts_sample(conn, NOW)
        names = list(conn.scalars(text("SELECT created_by FROM alert_rule ORDER BY id")))
    assert names == ["official"] + ["demo"] * 5
