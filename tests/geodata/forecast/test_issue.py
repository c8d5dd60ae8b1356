"""Forecasts issued for the gauges in the database, stored, replayed and scored, and the
command line that does it (``python -m geodata forecast``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.forecast.issue import issue
from geodata.monitoring.readings import Reading, write_readings
from tests.gauges import NOW, add_gauge

UTC = dt.UTC
DAYS = 40


@pytest.fixture
def gauges(demo_db: Engine) -> Engine:
    add_gauge(demo_db, "FC1", DAYS)
    add_gauge(demo_db, "FC2", 5)
    return demo_db


def _stored(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.code, f.issued_at, cardinality(f.value) AS n, f.no_forecast, "
                "f.no_forecast_detail FROM water_forecast f JOIN sensor s ON s.id = f.sensor_id "
                "WHERE s.code LIKE 'FC%' ORDER BY s.code"
            )
        ).all()


def test_issuing_stores_one_row_per_gauge_and_hour_and_issuing_again_replaces_it(gauges) -> None:
    for _ in range(2):
        with gauges.begin() as conn:
            issue(conn, NOW + dt.timedelta(minutes=5), "FC1")
    (row,) = _stored(gauges)
    assert (row.code, row.issued_at, row.n, row.no_forecast) == ("FC1", NOW, 72, None)


def test_a_gauge_with_five_days_of_readings_is_stored_with_the_reason_it_has_none(gauges) -> None:
    with gauges.begin() as conn:
        (item,) = issue(conn, NOW, "FC2")
    assert item.forecast is None and item.no_forecast is not None
    (row,) = _stored(gauges)
    assert (row.code, row.n, row.no_forecast) == ("FC2", None, "short_history")
    assert row.no_forecast_detail == {"days": 5.0, "needed": 15}


def test_a_replay_at_a_past_time_is_the_same_whatever_was_loaded_since(gauges) -> None:
    at = NOW - dt.timedelta(days=3)
    with gauges.connect() as conn:
        (before,) = issue(conn, at, "FC1", store=False)
    with gauges.begin() as conn:
        sensor, quantity = conn.execute(
            text(
                "SELECT s.id, q.id FROM sensor s, quantity q "
                "WHERE s.code = 'FC1' AND q.code = 'water_level'"
            )
        ).one()
        # A flood in the three days after the issue time, and a correction of the hour it
        # was issued in: neither was known then.
        write_readings(
            conn,
            [Reading(sensor, quantity, at + dt.timedelta(minutes=5 * k), 3.5) for k in range(800)],
        )
    with gauges.connect() as conn:
        (after,) = issue(conn, at, "FC1", store=False)
    assert before.forecast is not None and after.forecast is not None
    np.testing.assert_array_equal(before.forecast.value, after.forecast.value)
    np.testing.assert_array_equal(before.forecast.lower95, after.forecast.lower95)
    assert _stored(gauges) == []  # a replay stores nothing


def test_the_command_prints_every_hour_ahead_as_csv_and_a_replay_stores_nothing(
    gauges, capsys
) -> None:
    at = (NOW - dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert main(["forecast", "--sensor", "FC1", "--at", at.isoformat(), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "sensor_code,issued_at,valid_at,value_m,lower80_m,upper80_m,lower95_m,upper95_m"
    )
    assert len(lines) == 1 + 72
    first = lines[1].split(",")
    issued = (NOW - dt.timedelta(hours=2)).isoformat()
    assert first[:3] == ["FC1", issued, issued]
    assert lines[-1].split(",")[2] == (NOW + dt.timedelta(hours=69)).isoformat()
    value, lo80, hi80, lo95, hi95 = map(float, first[3:])
    assert lo95 <= lo80 <= value <= hi80 <= hi95
    assert _stored(gauges) == []


def test_the_command_says_why_a_gauge_has_no_forecast_and_stores_it(gauges, capsys) -> None:
    assert main(["forecast"]) == 0
    out = capsys.readouterr().out
    assert "FC2        no forecast: short_history (days=5.0, needed=15)" in out
    assert "FC1        issued" in out and "peak" in out
    assert [(r.code, r.no_forecast) for r in _stored(gauges)] == [
        ("FC1", None),
        ("FC2", "short_history"),
    ]


def test_a_backtest_prints_the_error_by_lead_time_beside_the_pure_tide(gauges, capsys) -> None:
    assert main(["forecast", "backtest", "--sensor", "FC1", "--windows", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FC1: 4 forecasts scored")
    assert out[1].split() == [
        "lead",
        "RMSE",
        "m",
        "harmonic",
        "ratio",
        "in",
        "80",
        "%",
        "in",
        "95",
        "%",
    ]
    assert [line.split()[0] for line in out[2:]] == ["1–6", "1–24", "25–48", "49–72"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "--sensor", "NOPE"], "no active water-level gauge has the code 'NOPE'"),
        (["forecast", "backtest", "--sensor", "FC2"], "FC2: no forecast to score"),
    ],
)
def test_unknown_gauges_and_gauges_too_short_to_score_are_refused(
    gauges, capsys, argv, message
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert _stored(gauges) == []


@pytest.mark.parametrize("bad", [["--at", "yesterday"], ["--hours", "0"], ["--hours", "500"]])
def test_a_bad_time_or_number_of_hours_is_refused_before_anything_runs(gauges, bad) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["forecast", *bad])
    assert refused.value.code == 2
    assert _stored(gauges) == []
