"""Helpers the test modules share: emptying the throw-away database between data sets."""

from __future__ import annotations

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
