"""The forecast model, on series whose truth is known: a synthetic mixed tide with a slow
residual (river and wind) on top; and, where the shared reference data is here, on 19 years of
real observations."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pytest

from geodata.forecast.model import NoForecast, backtest, forecast, spread_issue_times

UTC = dt.UTC
START = np.datetime64("2026-01-01T00", "h")
REAL = (
    Path(__file__).resolve().parents[4]
    / "shared/data/water_level/hoek_van_holland_1976-1994.csv.gz"
)


def synthetic(days: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Hourly levels: M2, S2, K1, O1 tides plus a residual that persists for days (AR(1),
    phi 0.98 an hour) and reading noise."""
    rng = np.random.default_rng(seed)
    n = days * 24
    t = np.arange(n, dtype=float)
    tide = (
        0.9 * np.cos(2 * np.pi * t / 12.4206 + 0.3)
        + 0.3 * np.cos(2 * np.pi * t / 12.0 + 1.1)
        + 0.35 * np.cos(2 * np.pi * t / 23.9345 + 0.5)
        + 0.25 * np.cos(2 * np.pi * t / 25.8193 + 2.0)
    )
    residual = np.zeros(n)
    for k in range(1, n):
        residual[k] = 0.98 * residual[k - 1] + rng.normal(0, 0.04)
    return START + np.arange(n) * np.timedelta64(1, "h"), 1.0 + tide + residual + rng.normal(
        0, 0.02, n
    )


def at_hour(k: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(hours=k)


def test_a_forecast_is_72_hourly_values_from_the_issue_hour_inside_nested_intervals() -> None:
    times, values = synthetic(60)
    fc = forecast(times, values, at_hour(50 * 24) + dt.timedelta(minutes=20))
    assert fc.issued_at == at_hour(50 * 24)
    assert fc.valid_at[0] == at_hour(50 * 24) and fc.valid_at[-1] == at_hour(50 * 24 + 71)
    assert len(fc.value) == len(fc.harmonic) == 72
    assert (fc.lower95 <= fc.lower80).all() and (fc.lower80 <= fc.upper80).all()
    assert (fc.upper80 <= fc.upper95).all()
    assert (fc.lower80 < fc.value).mean() > 0.9 and (fc.value < fc.upper80).mean() > 0.9
    assert fc.history_hours == 50 * 24


def test_values_at_or_after_the_issue_time_change_nothing() -> None:
    times, values = synthetic(60)
    at = at_hour(40 * 24)
    before = times < np.datetime64("2026-02-10T00", "h")
    assert before.sum() == 40 * 24
    seen = forecast(times[before], values[before], at)
    later = values.copy()
    later[~before] += 5.0  # a flood after the issue time, loaded since
    replayed = forecast(times, later, at)
    np.testing.assert_array_equal(seen.value, replayed.value)
    np.testing.assert_array_equal(seen.upper95, replayed.upper95)
    # The hour still running at the issue time is the future too.
    running = forecast(times, later, at + dt.timedelta(minutes=59))
    np.testing.assert_array_equal(seen.value, running.value)


def test_it_beats_the_pure_tide_while_the_residual_persists_and_its_intervals_hold() -> None:
    times, values = synthetic(120)
    issue = spread_issue_times(at_hour(60 * 24), at_hour(117 * 24), 12)
    scores, n = backtest(times, values, issue)
    assert n == 12
    by_band = {(b.first, b.last): b for b in scores}
    assert by_band[(1, 6)].ratio < 0.5
    assert by_band[(1, 24)].ratio < 0.8
    assert by_band[(49, 72)].ratio <= 1.0
    assert all(0.6 <= b.coverage80 <= 0.97 for b in scores)
    assert all(b.coverage95 >= b.coverage80 for b in scores)


def test_under_15_days_of_history_gets_no_forecast_and_says_how_much_there_is() -> None:
    times, values = synthetic(14)
    with pytest.raises(NoForecast) as refused:
        forecast(times, values, at_hour(14 * 24))
    assert refused.value.reason == "short_history"
    assert refused.value.detail == {"days": 14.0, "needed": 15}


def test_a_gauge_silent_for_hours_before_the_issue_time_gets_no_forecast() -> None:
    times, values = synthetic(40)
    with pytest.raises(NoForecast) as refused:
        forecast(times, values, at_hour(40 * 24 + 7))
    assert refused.value.reason == "stale"
    assert refused.value.detail == {"last": at_hour(40 * 24)}


def test_a_long_gap_in_the_last_week_stops_the_forecast_and_a_short_one_does_not() -> None:
    times, values = synthetic(40)
    short = values.copy()
    short[-30:-25] = np.nan  # five hours lost: filled in
    assert forecast(times, short, at_hour(40 * 24)).history_hours == 40 * 24 - 5
    long = values.copy()
    long[-60:-48] = np.nan
    with pytest.raises(NoForecast) as refused:
        forecast(times, long, at_hour(40 * 24))
    assert refused.value.reason == "gap"
    assert refused.value.detail["hours"] == 12


def test_hours_ahead_outside_1_to_240_are_refused() -> None:
    times, values = synthetic(20)
    with pytest.raises(ValueError, match="between 1 and 240"):
        forecast(times, values, at_hour(20 * 24), hours=0)


@pytest.mark.skipif(not REAL.exists(), reason=f"needs the shared reference data {REAL}")
def test_on_real_observations_it_meets_the_issue_targets() -> None:
    """Hoek van Holland, 1976–1994 (../shared/data/water_level): 1–24 h RMSE at most 0.8 of
    the pure harmonic prediction's, 25–72 h no worse, 80 % intervals holding 75–85 %."""
    stamps, values = [], []
    with gzip.open(REAL, "rt") as f:
        next(f)
        for line in f:
            at, value = line.split(",")
            stamps.append(
                np.datetime64(
                    dt.datetime.fromisoformat(at).astimezone(UTC).replace(tzinfo=None), "h"
                )
            )
            values.append(float(value))
    issue = spread_issue_times(
        dt.datetime(1978, 1, 1, tzinfo=UTC), dt.datetime(1994, 12, 25, tzinfo=UTC), 100
    )
    scores, n = backtest(np.array(stamps), np.array(values), issue, latitude=51.98)
    assert n == 100
    by_band = {(b.first, b.last): b for b in scores}
    assert by_band[(1, 24)].ratio <= 0.8
    assert by_band[(25, 48)].ratio <= 1.0 and by_band[(49, 72)].ratio <= 1.0
    assert all(0.75 <= b.coverage80 <= 0.85 for b in scores)
