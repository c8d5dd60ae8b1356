"""The database's own wall behind the application's checks: reader roles and row-level security.

The app connects as the role that owns the tables (migrations, imports, officials). For a request
from the public or from ward staff it switches, for that transaction only, to a reader role that
has no ``BYPASSRLS`` and only the privileges that caller needs:

- ``<owner>_public``: reads the public tables. It has no privilege on citizens' flood reports,
  accounts or the audit log (it may append to the log); it counts reports through
  ``count_flood_reports``, which returns a number and nothing else.
- ``<owner>_ward``: reads what lies in the units named by the transaction's setting
  ``app.allowed_units`` (comma-separated codes), enforced by the policies below.

Policies apply to the reader roles only (the owner is not forced), because a policy makes
PostgreSQL refuse PostGIS's non-leakproof ``&&`` as an index condition for the caller's own
filters: officials' bounding-box queries would scan whole tables. A ward's own policies carry an
index-friendly ``&&`` on the scope's box instead. The scope (unit ids, shape, sensor ids) is
computed once per statement by ``SECURITY DEFINER`` functions called through scalar subqueries
(init plans), not once per row.

The roles are cluster-wide and need a superuser to make; ``scripts/setup.sh`` does it. This
migration stops with the statements to run when they are missing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Read by both reader roles (ward staff through the policies below).
PUBLIC_TABLES = (
    "admin_unit", "map_feature", "quantity", "sensor", "sensor_quantity", "reading",
    "reading_hourly", "reading_daily", "sensor_indicator", "unit_indicator", "inundation_area",
    "road_segment", "traffic_incident", "camera", "facility_kind", "facility",
    "population_cell", "coverage",
)  # fmt: skip
# Rows located by their own geometry: visible to a ward when they touch its units.
GEOMETRY_TABLES = (
    "sensor", "flood_report", "inundation_area", "road_segment", "traffic_incident", "camera",
    "facility", "population_cell",
)  # fmt: skip
# Rows of a sensor or of a unit: visible to a ward when that sensor or unit is.
SENSOR_TABLES = (
    "sensor_quantity", "reading", "reading_hourly", "reading_daily", "sensor_indicator",
)  # fmt: skip
UNIT_TABLES = ("unit_indicator", "coverage")
SCOPED_TABLES = ("admin_unit", *GEOMETRY_TABLES, *SENSOR_TABLES, *UNIT_TABLES)

SCOPE_FUNCTIONS = {
    # The caller's units and every unit below them (any version), by the parent links.
    "app_scope_unit_ids() RETURNS bigint[]": """
        WITH RECURSIVE scoped AS (
            SELECT id FROM admin_unit
            WHERE code = ANY(string_to_array(current_setting('app.allowed_units', true), ','))
            UNION
            SELECT c.id FROM admin_unit c JOIN scoped s ON c.parent_id = s.id
        )
        SELECT coalesce(array_agg(id), '{}') FROM scoped
    """,
    # The caller's units as one shape (empty when none).
    "app_scope_geom() RETURNS geometry": """
        SELECT coalesce(ST_Union(geom), 'SRID=4326;GEOMETRYCOLLECTION EMPTY'::geometry)
        FROM admin_unit
        WHERE code = ANY(string_to_array(current_setting('app.allowed_units', true), ','))
    """,
    # The sensors standing in the caller's units.
    "app_scope_sensor_ids() RETURNS bigint[]": """
        SELECT coalesce(array_agg(s.id), '{}') FROM sensor s
        WHERE ST_Intersects(s.geom, app_scope_geom())
    """,
    # Citizens' reports inside ``area`` in (since, until]: a count, never the reports.
    "count_flood_reports(area geometry, since timestamptz, until timestamptz) RETURNS bigint": """
        SELECT count(*) FROM flood_report r
        WHERE ST_Covers(area, r.geom) AND r.reported_at > since AND r.reported_at <= until
    """,
}


def _roles() -> tuple[str, str, str]:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    return owner, f"{owner}_public", f"{owner}_ward"


def upgrade() -> None:
    owner, public, ward = _roles()
    missing = [
        role
        for role in (public, ward)
        if not op.get_bind().scalar(
            text(
                "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"
            ),
            {"r": role},
        )
    ]
    if missing:
        statements = "; ".join(
            f"CREATE ROLE {role} NOLOGIN NOBYPASSRLS; GRANT {role} TO {owner}" for role in missing
        )
        raise RuntimeError(
            f"reader roles missing or not granted to {owner}: {', '.join(missing)}. "
            f"As a PostgreSQL superuser run: {statements} (scripts/setup.sh does this)"
        )

    for signature, body in SCOPE_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {signature} LANGUAGE sql STABLE SECURITY DEFINER "
            f"SET search_path = public, pg_temp AS $${body}$$"
        )
        op.execute(f"REVOKE ALL ON FUNCTION {signature.split(' RETURNS')[0]} FROM PUBLIC")
        op.execute(
            f"GRANT EXECUTE ON FUNCTION {signature.split(' RETURNS')[0]} TO {public}, {ward}"
        )

    op.execute(f"GRANT USAGE ON SCHEMA public TO {public}, {ward}")
    op.execute(f"GRANT SELECT ON {', '.join(PUBLIC_TABLES)} TO {public}, {ward}")
    # Ward staff act on citizens' reports in their units; the public only sees counts.
    op.execute(f"GRANT SELECT ON flood_report TO {ward}")
    # Both may append to the audit log (refusals), neither may read it.
    op.execute(f"GRANT INSERT ON audit_log TO {public}, {ward}")

    for table in SCOPED_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY public_all ON {table} FOR SELECT TO {public} USING (true)")
    op.execute(
        f"CREATE POLICY ward_scope ON admin_unit FOR SELECT TO {ward} "
        "USING (id = ANY((SELECT app_scope_unit_ids())::bigint[]))"
    )
    for table in GEOMETRY_TABLES:
        op.execute(
            f"CREATE POLICY ward_scope ON {table} FOR SELECT TO {ward} USING ("
            "geom && (SELECT ST_Envelope(app_scope_geom())) "
            "AND ST_Intersects(geom, (SELECT app_scope_geom())))"
        )
    for table in SENSOR_TABLES:
        op.execute(
            f"CREATE POLICY ward_scope ON {table} FOR SELECT TO {ward} "
            "USING (sensor_id = ANY((SELECT app_scope_sensor_ids())::bigint[]))"
        )
    for table in UNIT_TABLES:
        op.execute(
            f"CREATE POLICY ward_scope ON {table} FOR SELECT TO {ward} "
            "USING (admin_unit_id = ANY((SELECT app_scope_unit_ids())::bigint[]))"
        )


def downgrade() -> None:
    _, public, ward = _roles()
    for table in SCOPED_TABLES:
        op.execute(f"DROP POLICY IF EXISTS ward_scope ON {table}")
        op.execute(f"DROP POLICY IF EXISTS public_all ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {public}, {ward}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {public}, {ward}")
    for signature in SCOPE_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature.split(' RETURNS')[0]}")
