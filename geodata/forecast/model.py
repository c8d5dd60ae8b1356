"""Water-level forecasts from a gauge's own history: the tide, plus what the tide does not explain.

The method, ``harmonic+residual/1``:

1. **Tide.** A harmonic analysis of up to a year of hourly values before the issue time (UTide,
   ordinary least squares, nodal corrections, constituents chosen by the Rayleigh criterion for
   the record's length) predicts the astronomical tide at every hour ahead.
2. **Residual.** What the tide leaves (river flow, wind set-up, surges) is forecast by a direct
   multi-horizon linear regression: for each lead time 1…H hours, one ridge regression of the
   residual that many hours ahead on the last 48 hourly residuals and their means over the last
   25, 72 and 168 hours, fitted on every hour of the same history. Direct (one model per lead)
   rather than iterating a one-step model: errors do not compound over three days.
3. **Intervals.** The regression's errors on hours it was not fitted on (three-fold cross-
   validation over the same history, so every season is in them), lead by lead, give the 80 %
   and 95 % intervals as empirical quantiles.

Values are hourly: hour k of a series is the value of that hour (an hourly mean from the
database, or the hour's observation in a file). A forecast issued at T sees only hours that
ended by T; its hours ahead start at T. Nothing here reads a clock or a database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from dataclasses import dataclass

import numpy as np

METHOD = "harmonic+residual/1"
HARMONIC = "harmonic"
MIN_HISTORY = dt.timedelta(days=15)
MAX_HISTORY = dt.timedelta(days=365)
# Hours the residual model reads back from the issue time; a gap there of more than MAX_FILL
# hours (or no reading for STALE_AFTER) stops the forecast: it would stand on guesses.
_LAGS = 48
_MEANS = (25, 72, 168)
_LOOKBACK = max(_LAGS, *_MEANS)
MAX_FILL = 6
STALE_AFTER = dt.timedelta(hours=6)
_RIDGE = 1e-3
_HOUR = np.timedelta64(1, "h")


class NoForecast(Exception):
    """A gauge gets no forecast, and why: ``reason`` is a catalogue key's last part
    (``short_history``, ``stale``, ``gap``), ``detail`` its parameters."""

    def __init__(self, reason: str, **detail: object) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Forecast:
    """Hourly values ahead of ``issued_at`` with their intervals, and the pure tide beside them
    (``harmonic``: what a harmonic prediction alone would say, for comparison)."""

    issued_at: dt.datetime
    method: str
    valid_at: list[dt.datetime]
    value: np.ndarray
    lower80: np.ndarray
    upper80: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray
    harmonic: np.ndarray
    history_from: dt.datetime
    history_hours: int


def _hours(moment: dt.datetime) -> np.datetime64:
    if moment.tzinfo is None:
        raise ValueError("times must carry their zone")
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(utc, "h")


def hour_to_datetime(hour: np.datetime64) -> dt.datetime:
    """An hour of a grid (datetime64, UTC) as an aware datetime."""
    seconds = int(hour.astype("datetime64[s]").astype(np.int64))
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _days(hours: np.ndarray) -> np.ndarray:
    """Hours (datetime64[h]) as days since 1970, the time axis UTide is given."""
    return hours.astype(np.int64) / 24.0


def hourly_grid(
    times: np.ndarray, values: np.ndarray, at: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    """The hours before ``at`` (at most a year) as a regular grid, NaN where a value is missing.

    ``times`` are the hours' starts (datetime64, UTC); only hours that ended by ``at`` are
    kept, so nothing after the issue time can reach the forecast.
    """
    end = _hours(at)
    hours = np.asarray(times, dtype="datetime64[h]")
    vals = np.asarray(values, dtype=float)
    keep = (
        (hours + _HOUR <= end) & (hours >= end - np.timedelta64(365 * 24, "h")) & np.isfinite(vals)
    )
    hours, vals = hours[keep], vals[keep]
    if hours.size == 0:
        return np.array([], dtype="datetime64[h]"), np.array([])
    grid = np.arange(hours.min(), end, _HOUR)
    out = np.full(grid.size, np.nan)
    out[(hours - grid[0]).astype(np.int64)] = vals
    return grid, out


def _check(grid: np.ndarray, vals: np.ndarray, at: dt.datetime) -> None:
    seen = np.isfinite(vals)
    span_h = int(seen.sum())
    if span_h < MIN_HISTORY.total_seconds() / 3600:
        raise NoForecast("short_history", days=round(span_h / 24, 1), needed=MIN_HISTORY.days)
    last = grid[np.flatnonzero(seen)[-1]] + _HOUR
    if _hours(at) - last > np.timedelta64(int(STALE_AFTER.total_seconds() // 3600), "h"):
        raise NoForecast("stale", last=hour_to_datetime(last))
    recent = seen[-_LOOKBACK:]
    run = longest = 0
    for ok in recent:
        run = 0 if ok else run + 1
        longest = max(longest, run)
    if longest > MAX_FILL:
        raise NoForecast("gap", hours=longest, within=_LOOKBACK)


def _tide(grid: np.ndarray, vals: np.ndarray, ahead: np.ndarray, latitude: float) -> np.ndarray:
    """The harmonic tide at the grid's hours and the hours ahead, fitted on the grid's values."""
    import utide

    seen = np.isfinite(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UTide warns about constituents it leaves out
        coef = utide.solve(
            _days(grid[seen]), vals[seen], lat=latitude, epoch="1970-01-01", method="ols",
            conf_int="none", trend=False, nodal=True, verbose=False,
        )  # fmt: skip
        every = np.concatenate([grid, ahead])
        return np.asarray(
            utide.reconstruct(_days(every), coef, epoch="1970-01-01", verbose=False).h
        )


def _features(r: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """For each origin o (a forecast made with r[:o]): 1, the last 48 values, and the means over
    the last 25, 72 and 168 hours."""
    cols = [np.ones(origins.size)]
    cols += [r[origins - lag] for lag in range(1, _LAGS + 1)]
    sums = np.concatenate([[0.0], np.cumsum(r)])
    cols += [(sums[origins] - sums[origins - w]) / w for w in _MEANS]
    return np.stack(cols, axis=1)


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge least squares for every column of ``y`` at once (a short record has fewer rows
    than the model has inputs; the small penalty keeps it determined)."""
    k = x.shape[1]
    xa = np.vstack([x, np.sqrt(_RIDGE * len(x)) * np.eye(k)])
    ya = np.vstack([y, np.zeros((k, y.shape[1]))])
    beta, *_ = np.linalg.lstsq(xa, ya, rcond=None)
    return beta


def _cross_validated_errors(x: np.ndarray, y: np.ndarray, hours: int, folds: int = 3) -> np.ndarray:
    """Errors of the regression on data it was not fitted on: the origins in ``folds``
    consecutive blocks, each predicted by a fit on the others (less ``hours`` either side of the
    block, whose targets overlap it). Every season of the record is in them."""
    edges = np.linspace(0, len(x), folds + 1).astype(int)
    out = []
    for a, b in itertools.pairwise(edges):
        train = np.r_[0 : max(a - hours, 0), min(b + hours, len(x)) : len(x)]
        if train.size < x.shape[1]:
            continue
        beta = _fit(x[train], y[train])
        out.append(y[a:b] - x[a:b] @ beta)
    return np.concatenate(out) if out else y - x @ _fit(x, y)


def _fill_short_gaps(r: np.ndarray) -> np.ndarray:
    """Missing hours linearly interpolated (the checks allow only short gaps near the end)."""
    seen = np.isfinite(r)
    if seen.all():
        return r
    idx = np.arange(r.size)
    return np.interp(idx, idx[seen], r[seen])


def forecast(
    times: np.ndarray,
    values: np.ndarray,
    at: dt.datetime,
    hours: int = 72,
    latitude: float = 10.03,
) -> Forecast:
    """The forecast issued at ``at`` from the hourly ``values`` before it; NoForecast if the
    record is too short, too old or broken just before ``at``."""
    if not 1 <= hours <= 240:
        raise ValueError("hours ahead must be between 1 and 240")
    grid, vals = hourly_grid(times, values, at)
    if grid.size == 0:
        raise NoForecast("short_history", days=0, needed=MIN_HISTORY.days)
    _check(grid, vals, at)
    ahead = _hours(at) + np.arange(hours) * _HOUR
    tide = _tide(grid, vals, ahead, latitude)
    tide_hist, tide_ahead = tide[: grid.size], tide[grid.size :]
    r = _fill_short_gaps(vals - tide_hist)
    seen = np.isfinite(vals)
    n = r.size
    origins = np.arange(_LOOKBACK, n - hours + 1)
    if origins.size:
        # An origin counts only if the hours it would be scored on were really observed.
        targets = np.stack([seen[origins + h] for h in range(hours)], axis=1).all(axis=1)
        origins = origins[targets]
    if origins.size < 24:
        # Too short to learn the residual: the tide and the recent mean residual, with the
        # residual's spread for intervals.
        level = float(np.mean(r[-25:]))
        spread = r[seen] - level
        value = tide_ahead + level
        q = np.quantile(spread, [0.025, 0.1, 0.9, 0.975])[:, None] * np.ones((1, hours))
    else:
        x = _features(r, origins)
        y = np.stack([r[origins + h] for h in range(hours)], axis=1)
        errors = _cross_validated_errors(x, y, hours)
        q = np.quantile(errors, [0.025, 0.1, 0.9, 0.975], axis=0)
        beta = _fit(x, y)
        value = tide_ahead + (_features(r, np.array([n])) @ beta)[0]
    return Forecast(
        issued_at=hour_to_datetime(_hours(at)),
        method=METHOD,
        valid_at=[hour_to_datetime(h) for h in ahead],
        value=value,
        lower80=value + q[1],
        upper80=value + q[2],
        lower95=value + q[0],
        upper95=value + q[3],
        harmonic=tide_ahead,
        history_from=hour_to_datetime(grid[0]),
        history_hours=int(seen.sum()),
    )


# Lead-time bands of the backtest, in hours (inclusive).
BANDS = ((1, 6), (1, 24), (25, 48), (49, 72))


@dataclass(frozen=True)
class BandScore:
    first: int
    last: int
    rmse: float
    harmonic_rmse: float
    coverage80: float
    coverage95: float
    n: int

    @property
    def ratio(self) -> float:
        return self.rmse / self.harmonic_rmse if self.harmonic_rmse else float("nan")


def backtest(
    times: np.ndarray,
    values: np.ndarray,
    issue_times: list[dt.datetime],
    hours: int = 72,
    latitude: float = 10.03,
) -> tuple[list[BandScore], int]:
    """Forecasts issued at each of ``issue_times`` scored against what then happened, by
    lead-time band, beside the pure harmonic prediction fitted on the same history. Returns the
    scores and the number of forecasts scored (issue times with no forecast, or without
    observations ahead, are left out)."""
    hours_all = np.asarray(times, dtype="datetime64[h]")
    vals_all = np.asarray(values, dtype=float)
    order = np.argsort(hours_all)
    hours_all, vals_all = hours_all[order], vals_all[order]
    errors, tide_errors, in80, in95 = [], [], [], []
    for at in issue_times:
        try:
            fc = forecast(hours_all, vals_all, at, hours, latitude)
        except NoForecast:
            continue
        ahead = _hours(at) + np.arange(hours) * _HOUR
        pos = np.searchsorted(hours_all, ahead)
        pos = np.minimum(pos, hours_all.size - 1)
        found = hours_all[pos] == ahead
        observed = np.where(found, vals_all[pos], np.nan)
        if not np.isfinite(observed).all():
            continue
        errors.append(fc.value - observed)
        tide_errors.append(fc.harmonic - observed)
        in80.append((observed >= fc.lower80) & (observed <= fc.upper80))
        in95.append((observed >= fc.lower95) & (observed <= fc.upper95))
    if not errors:
        return [], 0
    e, t, c80, c95 = map(np.array, (errors, tide_errors, in80, in95))
    scores = []
    for first, last in BANDS:
        if last > hours:
            continue
        band = slice(first - 1, last)
        scores.append(
            BandScore(
                first, last,
                rmse=float(np.sqrt(np.mean(e[:, band] ** 2))),
                harmonic_rmse=float(np.sqrt(np.mean(t[:, band] ** 2))),
                coverage80=float(c80[:, band].mean()),
                coverage95=float(c95[:, band].mean()),
                n=int(e[:, band].size),
            )
        )  # fmt: skip
    return scores, len(errors)


def spread_issue_times(
    first: dt.datetime, last: dt.datetime, windows: int, seed: int = 2026
) -> list[dt.datetime]:
    """``windows`` issue times on the hour, spread evenly between ``first`` and ``last`` with a
    random offset each (so they do not all fall at one phase of the tide), reproducibly."""
    rng = np.random.default_rng(seed)
    span = (last - first).total_seconds()
    step = span / max(windows, 1)
    out = []
    for k in range(windows):
        offset = k * step + rng.uniform(0, step)
        moment = first + dt.timedelta(seconds=offset)
        out.append(moment.replace(minute=0, second=0, microsecond=0))
    return out
