"""Ward staff's sensors are found with their area computed once, not once per sensor.

``app_scope_sensor_ids()`` (0005) called ``app_scope_geom()`` inside ``ST_Intersects`` for every
row of ``sensor``: a SECURITY DEFINER function is never inlined, so the union of the caller's
units was rebuilt 320 times, about 38 ms on the city-scale bench, paid by every query of
readings, indicators and layers a ward staff member made (a time change: four callbacks, p95
336 ms against 90 ms for the public). As a scalar subquery it is an init plan: computed once, and
its bounding box can use the sensors' spatial index. Same answer, same grants.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"


def _define(where: str) -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION app_scope_sensor_ids() RETURNS bigint[] {_DEFINER} AS $$
            SELECT coalesce(array_agg(s.id), '{{}}') FROM sensor s WHERE {where}
        $$
        """
    )


def upgrade() -> None:
    _define(
        "s.geom && (SELECT app_scope_geom()) AND ST_Intersects(s.geom, (SELECT app_scope_geom()))"
    )


def downgrade() -> None:
    _define("ST_Intersects(s.geom, app_scope_geom())")
