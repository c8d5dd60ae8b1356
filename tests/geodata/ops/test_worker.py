"""The background worker: what is due runs once, on one node, and again only when new hours
arrive."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from geodata.monitoring.readings import Reading, write_readings
from geodata.ops.worker import run_once
from tests.gauges import NOW, add_gauge


@pytest.fixture
def gauge(demo_db: Engine) -> int:
    return add_gauge(demo_db, "FCW", 30)


def _forecasts(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT f.issued_at, f.history_hours, f.made_at FROM water_forecast f "
                "JOIN sensor s ON s.id = f.sensor_id WHERE s.code = 'FCW'"
            )
        ).all()


def test_a_turn_forecasts_each_gauge_for_the_hour_once(gauge, demo_db) -> None:
    first = run_once(NOW + dt.timedelta(minutes=1))
    assert first["forecast"] is not None and first["forecast"] >= 1
    (row,) = _forecasts(demo_db)
    assert (row.issued_at, row.history_hours) == (NOW, 30 * 24)
    # Nothing new: the next turn finds nothing due, in this hour.
    assert run_once(NOW + dt.timedelta(minutes=2))["forecast"] == 0
    assert _forecasts(demo_db) == [row]
    # The next hour is due again.
    assert run_once(NOW + dt.timedelta(hours=1, minutes=1))["forecast"] >= 1
    assert [r.issued_at for r in _forecasts(demo_db)] == [NOW, NOW + dt.timedelta(hours=1)]


def test_readings_of_past_hours_arriving_late_make_the_hour_forecast_again(gauge, demo_db) -> None:
    with demo_db.begin() as conn:
        # Two hours go missing first, then come back (a logger's backlog).
        conn.execute(
            text("DELETE FROM reading_hourly WHERE sensor_id = :s AND hour >= :h"),
            {"s": gauge, "h": NOW - dt.timedelta(hours=2)},
        )
    run_once(NOW + dt.timedelta(minutes=1))
    (before,) = _forecasts(demo_db)
    assert before.history_hours == 30 * 24 - 2
    with demo_db.begin() as conn:
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
        write_readings(
            conn,
            [
                Reading(
                    gauge, quantity, NOW - dt.timedelta(hours=h) + dt.timedelta(minutes=30), 1.4
                )
                for h in (1, 2)
            ],
        )
    assert run_once(NOW + dt.timedelta(minutes=3))["forecast"] == 1
    (after,) = _forecasts(demo_db)
    assert after.history_hours == 30 * 24 and after.made_at > before.made_at


def test_a_job_another_node_is_running_is_skipped_not_run_twice(gauge, demo_db) -> None:
    with demo_db.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(hashtext('cantho.worker.forecast'))"))
        try:
            done = run_once(NOW + dt.timedelta(minutes=1))
        finally:
            other.execute(text("SELECT pg_advisory_unlock(hashtext('cantho.worker.forecast'))"))
            other.commit()
    assert done["forecast"] is None
    assert _forecasts(demo_db) == []
