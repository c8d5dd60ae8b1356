"""Helpers the test modules share: emptying the throw-away database between data sets, and
making a sensor to push readings for."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

# Reference tables filled by the migrations; every other table of ours holds data.
REFERENCE_TABLES = {"alembic_version", "quantity", "facility_kind", "spatial_ref_sys"}


def truncate_all(engine: Engine) -> None:
    """Empty every data table (partitions through their parent), keeping the reference tables."""
    with engine.begin() as conn:
        tables = [
            name
            for name in conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT LIKE 'reading\\_2%'"
                )
            )
            if name not in REFERENCE_TABLES
        ]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def make_sensor(engine: Engine, quantities: tuple[str, ...] = ("pm25", "pm10")) -> str:
    """A new air station in Ninh Kiều measuring ``quantities``; its code."""
    code = f"t-{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        sensor_id = conn.scalar(
            text(
                "INSERT INTO sensor (code, source, geom, name, kind) VALUES "
                "(:c, 'test', ST_SetSRID(ST_MakePoint(105.77, 10.03), 4326), :c, 'air_station') "
                "RETURNING id"
            ),
            {"c": code},
        )
        conn.execute(
            text("INSERT INTO sensor_quantity SELECT :s, id FROM quantity WHERE code = ANY(:q)"),
            {"s": sensor_id, "q": list(quantities)},
        )
    return code
