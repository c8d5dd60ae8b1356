"""Admin units (any level, with validity periods) and map context features.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Extensions are created by the set-up script as superuser; this is a no-op when they exist
    # and a clear error when they do not.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    # Vietnamese alphabetical order (đ after d, ơ after ô) for every list of names we show.
    op.execute("CREATE COLLATION IF NOT EXISTS vietnamese (provider = icu, locale = 'vi-VN')")
    op.create_table(
        "admin_unit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("unit_type", sa.Text),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column(
            "parent_id",
            sa.BigInteger,
            sa.ForeignKey("admin_unit.id", ondelete="RESTRICT", name="fk_admin_unit_parent"),
        ),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("population", sa.Integer),
        sa.Column("area_km2", sa.Double, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="population"),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom"),
    )
    # One version of a unit at any moment: the same (level, code) may not overlap in time.
    op.execute(
        "ALTER TABLE admin_unit ADD CONSTRAINT ex_admin_unit_code_period "
        "EXCLUDE USING gist (level WITH =, code WITH =, "
        "daterange(valid_from, valid_to) WITH &&)"
    )
    op.create_index("ix_admin_unit_geom", "admin_unit", ["geom"], postgresql_using="gist")
    op.create_index("ix_admin_unit_parent_id", "admin_unit", ["parent_id"])
    op.create_index("ix_admin_unit_level_name_norm", "admin_unit", ["level", "name_norm"])

    op.create_table(
        "map_feature",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("ix_map_feature_geom", "map_feature", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("map_feature")
    op.drop_table("admin_unit")
    op.execute("DROP COLLATION IF EXISTS vietnamese")
