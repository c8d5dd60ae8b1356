"""The underserved-areas rollup (issue 15): what the services layer draws, computed once.

The services layer drew each lowest-level unit's residents beyond the service distance by
testing every population cell against the facilities on every request (p95 about 150 ms at
city scale). ``underserved_area`` keeps, per unit and facility kind, the dissolved unserved
cells, their population and count: written with the ``coverage`` rollup (after facilities,
population or boundaries change), read by a lookup. Readers see it as they see coverage: the
public all of it, ward staff their units'.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute(
        """
        CREATE TABLE underserved_area (
            admin_unit_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            facility_kind text NOT NULL REFERENCES facility_kind (code),
            population double precision NOT NULL CHECK (population >= 0),
            cells integer NOT NULL CHECK (cells > 0),
            geom geometry(Geometry, 4326) NOT NULL,
            computed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (facility_kind, admin_unit_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_underserved_area_geom ON underserved_area USING gist (geom)")
    op.execute("ALTER TABLE underserved_area ENABLE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT ON underserved_area TO {owner}_public, {owner}_ward")
    op.execute(
        f"CREATE POLICY public_all ON underserved_area FOR SELECT TO {owner}_public USING (true)"
    )
    op.execute(
        f"CREATE POLICY ward_scope ON underserved_area FOR SELECT TO {owner}_ward "
        "USING (admin_unit_id = ANY((SELECT app_scope_unit_ids())::bigint[]))"
    )
    # A database that already holds people and facilities gets its rollup now, from the same
    # function the importers call (a fresh database has no cells and skips this).
    if op.get_bind().scalar(text("SELECT EXISTS (SELECT FROM population_cell)")):
        from geodata.monitoring.coverage import compute_underserved, today_in_city

        compute_underserved(op.get_bind(), today_in_city())


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS underserved_area")
