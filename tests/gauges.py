"""A water-level gauge with a known history, for the forecast and worker tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from geodata.monitoring.readings import Reading, write_readings

NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def add_gauge(
    engine: Engine,
    code: str,
    days: int,
    seed: int = 3,
    alerts: tuple[float, float, float] = (1.8, 2.0, 2.2),
) -> int:
    """A river gauge in Ninh Kiều with ``days`` of hourly levels (a mixed tide peaking near
    2.3 m and a slow residual) up to now, and the given Báo động I/II/III levels."""
    rng = np.random.default_rng(seed)
    n = days * 24
    t = np.arange(n, dtype=float)
    residual = np.cumsum(rng.normal(0, 0.01, n)) * 0.5
    level = (
        1.2 + 0.8 * np.cos(2 * np.pi * t / 12.42) + 0.3 * np.cos(2 * np.pi * t / 23.93) + residual
    )
    with engine.begin() as conn:
        sensor = conn.scalar(
            text(
                "INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3) "
                "VALUES (:code, 'test', ST_SetSRID(ST_MakePoint(105.78, 10.03), 4326), :code, "
                "'river_gauge', :a1, :a2, :a3) RETURNING id"
            ),
            {"code": code, "a1": alerts[0], "a2": alerts[1], "a3": alerts[2]},
        )
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
        conn.execute(
            text("INSERT INTO sensor_quantity (sensor_id, quantity_id) VALUES (:s, :q)"),
            {"s": sensor, "q": quantity},
        )
        start = NOW - dt.timedelta(hours=n)
        write_readings(
            conn,
            [
                Reading(sensor, quantity, start + dt.timedelta(hours=k, minutes=10), float(v))
                for k, v in enumerate(level)
            ],
        )
    return int(sensor)


def add_river_gauge(
    conn: Any,
    code: str,
    lon: float = 105.775,
    lat: float = 10.03,
    alerts: tuple[float, float, float] = (1.7, 1.9, 2.0),
    name: str | None = None,
) -> int:
    """A river gauge measuring water level (by default in Ninh Kiều, with the Cần Thơ station's
    Báo động I/II/III), in the caller's transaction; its id."""
    sensor = conn.scalar(
        text(
            "INSERT INTO sensor (code, source, geom, name, kind, alert_1, alert_2, alert_3) "
            "VALUES (:c, 'test', ST_SetSRID(ST_MakePoint(:x, :y), 4326), :n, 'river_gauge', "
            ":a1, :a2, :a3) RETURNING id"
        ),
        {"c": code, "n": name or code, "x": lon, "y": lat,
         "a1": alerts[0], "a2": alerts[1], "a3": alerts[2]},
    )  # fmt: skip
    conn.execute(
        text("INSERT INTO sensor_quantity SELECT :s, id FROM quantity WHERE code = 'water_level'"),
        {"s": sensor},
    )
    return int(sensor)
