"""Helpers the test modules share: emptying the throw-away database between data sets, making a
sensor to push readings for, and placing a citizen's flood report in a district."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.errors import DeadlockDetected
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

# Reference tables filled by the migrations; every other table of ours holds data.
REFERENCE_TABLES = {
    "alembic_version", "quantity", "facility_kind", "spatial_ref_sys", "agency", "report_category",
}  # fmt: skip


def truncate_all(engine: Engine) -> None:
    """Empty every data table (partitions through their parent), keeping the reference tables.

    A live test server's rollup refresher and mailer write to some of these tables every half
    second; TRUNCATE takes its locks table by table, so it can deadlock with them. PostgreSQL
    then aborts one side whole, and emptying again is safe."""
    for attempt in range(5):
        try:
            _truncate(engine)
            return
        except OperationalError as error:
            if not isinstance(error.orig, DeadlockDetected) or attempt == 4:
                raise


def _truncate(engine: Engine) -> None:
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


def add_flood_report(
    engine: Engine, district_code: str, reported_at: dt.datetime, description: str = ""
) -> str:
    """A citizen's report inside the district (on its first ward, which it is assigned to);
    its code."""
    code = f"r-{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        inserted = conn.execute(
            text(
                """
                INSERT INTO flood_report (code, source, geom, admin_unit_id, reported_at,
                                          depth_cm, description)
                SELECT :c, 'test', ST_PointOnSurface(w.geom), w.id, :at, 20, :d
                FROM admin_unit w JOIN admin_unit d ON d.id = w.parent_id
                WHERE d.code = :district ORDER BY w.code LIMIT 1
                """
            ),
            {"c": code, "at": reported_at, "d": description, "district": district_code},
        ).rowcount
    assert inserted == 1, f"district {district_code} has no ward to place a report in"
    return code


@contextmanager
def locked_out_address(engine: Engine, action: str, address: str = "127.0.0.1") -> Iterator[int]:
    """As if ``address`` had just sent as many bad tokens (audit action ``action``) as the
    lockout allows; yields the audit log's row count then, and removes the entries after."""
    from geodata.settings import get_settings

    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit_log (address, action, outcome, detail) "
                 "SELECT :address, :action, 'denied', '{\"test\": true}' "
                 "FROM generate_series(1, :n)"),
            {"address": address, "action": action, "n": get_settings().ingest_token_failures},
        )  # fmt: skip
        logged = int(conn.scalar(text("SELECT count(*) FROM audit_log")) or 0)
    try:
        yield logged
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE detail ->> 'test' = 'true'"))
