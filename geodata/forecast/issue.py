"""Forecasts issued for the gauges in the database, stored, and read back.

A gauge is an active sensor measuring ``water_level``. Its history is its hourly means
(``reading_hourly``) of hours that ended by the issue time, so a forecast issued "as at" a past
moment sees exactly what was known then, whatever was loaded since. Each issue is stored in
``water_forecast`` (one row per gauge, issue time and method; issuing again replaces it), the
gauges that got none with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from geodata.errors import GeodataError
from geodata.forecast.model import (
    METHOD,
    Forecast,
    NoForecast,
    backtest,
    forecast,
    hour_to_datetime,
    spread_issue_times,
)
from geodata.forecast.model import (
    BandScore as BandScore,
)


class UnknownGauge(GeodataError):
    """No active water-level gauge has that code."""


@dataclass(frozen=True)
class Gauge:
    id: int
    code: str
    name: str
    latitude: float
    alerts: tuple[float | None, float | None, float | None]


@dataclass(frozen=True)
class Issued:
    """One gauge's outcome at an issue time: a forecast, or the reason it has none."""

    gauge: Gauge
    forecast: Forecast | None
    no_forecast: NoForecast | None
    hours_seen: int = 0  # hours with a value in the year before the issue hour


def gauges(conn: Connection, code: str | None = None) -> list[Gauge]:
    """The active water-level gauges (one, by code), by code."""
    rows = conn.execute(
        text(
            """
            SELECT s.id, s.code, s.name, ST_Y(s.geom) AS lat, s.alert_1, s.alert_2, s.alert_3
            FROM sensor s
            WHERE s.active AND (CAST(:code AS text) IS NULL OR s.code = :code)
              AND EXISTS (SELECT 1 FROM sensor_quantity sq JOIN quantity q ON q.id = sq.quantity_id
                          WHERE sq.sensor_id = s.id AND q.code = 'water_level')
            ORDER BY s.code
            """
        ),
        {"code": code},
    ).all()
    if code is not None and not rows:
        raise UnknownGauge(f"no active water-level gauge has the code {code!r}")
    return [Gauge(r.id, r.code, r.name, r.lat, (r.alert_1, r.alert_2, r.alert_3)) for r in rows]


def history(
    conn: Connection, gauge: Gauge, at: dt.datetime, since: dt.datetime | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The gauge's hourly means of the hours that ended by ``at`` (from ``since``, default a
    year before): hour starts (datetime64[h], UTC) and values in metres."""
    start = since if since is not None else at - dt.timedelta(days=366)
    rows = conn.execute(
        text(
            """
            SELECT extract(epoch FROM h.hour)::bigint AS epoch, h.mean
            FROM reading_hourly h JOIN quantity q ON q.id = h.quantity_id
            WHERE h.sensor_id = :sensor AND q.code = 'water_level' AND h.n > 0
              AND h.hour >= :start AND h.hour + interval '1 hour' <= :at
            ORDER BY h.hour
            """
        ),
        {"sensor": gauge.id, "start": start, "at": at},
    ).all()
    seconds = np.array([r.epoch for r in rows], dtype=np.int64)
    return seconds.astype("datetime64[s]").astype("datetime64[h]"), np.array(
        [r.mean for r in rows], dtype=float
    )


def issue(
    conn: Connection,
    at: dt.datetime,
    code: str | None = None,
    hours: int = 72,
    store: bool = True,
) -> list[Issued]:
    """Forecast every gauge (or one) as issued at ``at``; stored unless ``store`` is False."""
    return issue_for(conn, gauges(conn, code), at, hours, store)


def issue_for(
    conn: Connection, chosen: list[Gauge], at: dt.datetime, hours: int = 72, store: bool = True
) -> list[Issued]:
    """Forecast the given gauges as issued at ``at``."""
    out = []
    for gauge in chosen:
        times, values = history(conn, gauge, at)
        seen = int(np.count_nonzero(times >= _hours_back(at)))
        try:
            fc = forecast(times, values, at, hours, gauge.latitude)
            out.append(Issued(gauge, fc, None, seen))
        except NoForecast as why:
            out.append(Issued(gauge, None, why, seen))
    if store:
        save(conn, at, out)
    return out


def _hours_back(at: dt.datetime) -> np.datetime64:
    """The first hour a forecast issued at ``at`` reads (a year before its issue hour)."""
    return np.datetime64(_hour(at).replace(tzinfo=None), "h") - np.timedelta64(365 * 24, "h")


def due(conn: Connection, now: dt.datetime) -> list[Gauge]:
    """The gauges whose forecast for the current hour is missing, or was made from fewer hours
    than there now are (readings of past hours arrived since: a gauge back from an outage)."""
    hour = _hour(now)
    rows = conn.execute(
        text(
            """
            SELECT s.id FROM sensor s
            LEFT JOIN water_forecast f ON f.sensor_id = s.id AND f.issued_at = :hour
              AND f.method = :method
            WHERE s.active
              AND EXISTS (SELECT 1 FROM sensor_quantity sq JOIN quantity q ON q.id = sq.quantity_id
                          WHERE sq.sensor_id = s.id AND q.code = 'water_level')
              AND (f.id IS NULL OR f.history_hours IS DISTINCT FROM (
                    SELECT count(*) FROM reading_hourly h JOIN quantity q ON q.id = h.quantity_id
                    WHERE h.sensor_id = s.id AND q.code = 'water_level' AND h.n > 0
                      AND h.hour >= :hour - interval '365 days' AND h.hour < :hour))
            """
        ),
        {"hour": hour, "method": METHOD},
    ).all()
    wanted = {r.id for r in rows}
    return [g for g in gauges(conn) if g.id in wanted]


def issue_due(conn: Connection, now: dt.datetime) -> list[Issued]:
    """Issue and store the forecasts :func:`due` names, as at ``now``."""
    return issue_for(conn, due(conn, now), now)


def _hour(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def save(conn: Connection, at: dt.datetime, issued: list[Issued]) -> None:
    """Store each outcome under its gauge, issue hour and method, replacing an earlier one."""
    rows = []
    for item in issued:
        fc, why = item.forecast, item.no_forecast
        arrays = (
            {
                name: [round(float(x), 4) for x in getattr(fc, name)]
                for name in ("value", "lower80", "upper80", "lower95", "upper95", "harmonic")
            }
            if fc
            else dict.fromkeys(("value", "lower80", "upper80", "lower95", "upper95", "harmonic"))
        )
        rows.append(
            {
                "sensor": item.gauge.id,
                "issued": fc.issued_at if fc else _hour(at),
                "method": METHOD,
                "history_from": fc.history_from if fc else None,
                "history_hours": item.hours_seen,
                **arrays,
                "why": why.reason if why else None,
                "detail": json.dumps(why.detail, default=str) if why else None,
            }
        )
    if not rows:
        return
    conn.execute(
        text(
            """
            INSERT INTO water_forecast (sensor_id, issued_at, method, history_from,
                history_hours, value, lower80, upper80, lower95, upper95, harmonic,
                no_forecast, no_forecast_detail)
            VALUES (:sensor, :issued, :method, :history_from, :history_hours, :value, :lower80,
                    :upper80, :lower95, :upper95, :harmonic, :why, CAST(:detail AS jsonb))
            ON CONFLICT (sensor_id, issued_at, method) DO UPDATE SET
                made_at = now(), history_from = EXCLUDED.history_from,
                history_hours = EXCLUDED.history_hours, value = EXCLUDED.value,
                lower80 = EXCLUDED.lower80, upper80 = EXCLUDED.upper80,
                lower95 = EXCLUDED.lower95, upper95 = EXCLUDED.upper95,
                harmonic = EXCLUDED.harmonic, no_forecast = EXCLUDED.no_forecast,
                no_forecast_detail = EXCLUDED.no_forecast_detail
            """
        ),
        rows,
    )


def csv_rows(issued: list[Issued]) -> Iterator[str]:
    """``sensor_code,issued_at,valid_at,value_m,lower80_m,upper80_m,lower95_m,upper95_m``,
    a line per gauge and hour ahead (times in UTC, ISO 8601; values in metres)."""
    yield "sensor_code,issued_at,valid_at,value_m,lower80_m,upper80_m,lower95_m,upper95_m"
    for item in issued:
        fc = item.forecast
        if fc is None:
            continue
        issued_at = fc.issued_at.isoformat()
        for k, valid in enumerate(fc.valid_at):
            values = (fc.value[k], fc.lower80[k], fc.upper80[k], fc.lower95[k], fc.upper95[k])
            yield ",".join(
                [item.gauge.code, issued_at, valid.isoformat(), *(f"{v:.3f}" for v in values)]
            )


def alert_level(gauge: Gauge, value: float) -> int:
    """0 below Báo động I, else the highest level reached (1–3)."""
    return sum(1 for line in gauge.alerts if line is not None and value >= line)


def describe(item: Issued, within_h: int = 48) -> str:
    """One line for the command line: the peak ahead and the alert level it would reach."""
    gauge, fc = item.gauge, item.forecast
    if fc is None:
        assert item.no_forecast is not None
        detail = ", ".join(f"{k}={v}" for k, v in item.no_forecast.detail.items())
        return f"{gauge.code:10} no forecast: {item.no_forecast.reason} ({detail})"
    peak = int(np.argmax(fc.value[:within_h]))
    level = alert_level(gauge, float(fc.value[peak]))
    warn = f", Báo động {'I' * level}" if level else ""
    return (
        f"{gauge.code:10} issued {fc.issued_at:%Y-%m-%d %H:%M}Z: peak {fc.value[peak]:.2f} m "
        f"(80 % {fc.lower80[peak]:.2f}–{fc.upper80[peak]:.2f}) at "
        f"{fc.valid_at[peak]:%Y-%m-%d %H:%M}Z within {within_h} h{warn}"
    )


def run_backtest(
    conn: Connection, code: str, windows: int, hours: int = 72
) -> tuple[list[BandScore], int, float]:
    """The gauge's forecasts at ``windows`` issue times spread over its whole record (each
    with at least 15 days behind it and ``hours`` ahead), scored; and seconds per forecast."""
    gauge = gauges(conn, code)[0]
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    times, values = history(conn, gauge, end, since=dt.datetime(1900, 1, 1, tzinfo=dt.UTC))
    if times.size == 0:
        raise NoForecast("short_history", days=0, needed=15)
    first = hour_to_datetime(times[0]) + dt.timedelta(days=30)
    last = hour_to_datetime(times[-1]) - dt.timedelta(hours=hours)
    if last <= first:
        raise NoForecast("short_history", days=round(times.size / 24, 1), needed=30)
    started = time.perf_counter()
    scores, n = backtest(
        times, values, spread_issue_times(first, last, windows), hours, gauge.latitude
    )
    return scores, n, (time.perf_counter() - started) / max(n, 1)


@dataclass(frozen=True)
class Stored:
    """A forecast as stored: what the chart draws past the issue time, or why there is none."""

    issued_at: dt.datetime
    valid_at: list[dt.datetime]
    value: list[float]
    lower80: list[float]
    upper80: list[float]
    lower95: list[float]
    upper95: list[float]
    no_forecast: str | None
    detail: dict[str, object]


# A forecast older than this at the moment shown is not shown: the gauge's readings stopped, or
# the worker did, and an old forecast would pass for a current one.
FRESH = dt.timedelta(hours=3)


def latest(conn: Connection, sensor_id: int, at: dt.datetime) -> Stored | None:
    """The newest forecast for the gauge issued by ``at`` (at most FRESH before it): a past
    moment shows the forecast of that time, as it was issued."""
    row = conn.execute(
        text(
            """
            SELECT issued_at, value, lower80, upper80, lower95, upper95, no_forecast,
                   no_forecast_detail
            FROM water_forecast
            WHERE sensor_id = :sensor AND method = :method
              AND issued_at <= :at AND issued_at > :oldest
            ORDER BY issued_at DESC LIMIT 1
            """
        ),
        {"sensor": sensor_id, "method": METHOD, "at": at, "oldest": at - FRESH},
    ).one_or_none()
    if row is None:
        return None
    hours = len(row.value or [])
    return Stored(
        issued_at=row.issued_at,
        valid_at=[row.issued_at + dt.timedelta(hours=k) for k in range(hours)],
        value=list(row.value or []),
        lower80=list(row.lower80 or []),
        upper80=list(row.upper80 or []),
        lower95=list(row.lower95 or []),
        upper95=list(row.upper95 or []),
        no_forecast=row.no_forecast,
        detail=dict(row.no_forecast_detail or {}),
    )
