"""What lies inside a set of admin units: the SQL behind ward staff's scope.

Ward staff are bound to admin unit codes, each pinned to the unit it named when the binding was
made (``code@YYYY-MM-DD``, resolved by the database's ``app_pinned_unit_ids``; a bare code is
every unit that held it); they see those units, every unit whose point on the surface lies
inside them, and the sensors standing in them. ``web.access`` decides with these
(the application's wall); row-level security (migration 0005) is the database's own, second wall.
Each function takes the unit codes rather than a caller: geodata knows no web request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text


def _covered(conn: Connection, unit_codes: Sequence[str], geom_sql: str, params: dict) -> bool:
    """Whether the point ``geom_sql`` (a SQL expression) lies in one of the units."""
    return bool(
        conn.scalar(
            text(
                f"""
                SELECT EXISTS (
                    SELECT 1 FROM admin_unit s
                    WHERE s.id = ANY(app_pinned_unit_ids(CAST(:codes AS text[])))
                      AND ST_Covers(s.geom, {geom_sql}))
                """
            ),
            {"codes": list(unit_codes), **params},
        )
    )


def unit_within(conn: Connection, unit_codes: Sequence[str], unit_id: int) -> bool:
    """Whether the unit ``unit_id`` lies inside one of the units (by its point on the surface:
    a ward inside its district, not a neighbour that shares a border)."""
    return _covered(
        conn, unit_codes, "(SELECT ST_PointOnSurface(geom) FROM admin_unit WHERE id = :id)",
        {"id": unit_id},
    )  # fmt: skip


def sensor_within(conn: Connection, unit_codes: Sequence[str], sensor_id: int) -> bool:
    """Whether the sensor ``sensor_id`` stands inside one of the units."""
    return _covered(conn, unit_codes, "(SELECT geom FROM sensor WHERE id = :id)", {"id": sensor_id})


def unit_ids_within(conn: Connection, unit_codes: Sequence[str], unit_ids: list[int]) -> list[int]:
    """The ids among ``unit_ids`` of the units themselves or of units lying inside them."""
    params: dict[str, Any] = {"ids": unit_ids, "codes": list(unit_codes)}
    return list(
        conn.scalars(
            text(
                """
                WITH pinned AS (SELECT app_pinned_unit_ids(CAST(:codes AS text[])) AS ids)
                SELECT u.id FROM admin_unit u, pinned WHERE u.id = ANY(:ids) AND (
                    u.id = ANY(pinned.ids) OR EXISTS (
                        SELECT 1 FROM admin_unit s WHERE s.id = ANY(pinned.ids)
                          AND ST_Covers(s.geom, ST_PointOnSurface(u.geom))))
                """
            ),
            params,
        )
    )


def report_within(conn: Connection, unit_codes: Sequence[str], report_id: int) -> bool:
    """Whether the citizen's report ``report_id`` lies inside one of the units (by its point,
    as row-level security and the figures place it)."""
    return _covered(
        conn, unit_codes, "(SELECT geom FROM citizen_report WHERE id = :id)", {"id": report_id}
    )
