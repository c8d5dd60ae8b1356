"""Rollups follow their sensor or unit by one trigger, not by a foreign-key check per row.

The rollup tables (``reading_hourly``, ``reading_daily``, ``sensor_indicator``,
``unit_indicator``) are derived: every row is computed from ``reading`` rows whose sensor was
looked up when they were typed, or from units joined by geometry, so the per-row foreign-key
checks prove nothing new. They cost a trigger call and an index probe on ``sensor``,
``quantity`` or ``admin_unit`` per rollup row written: 3.1 s of a 3-million-row import, whose
target is 100,000 rows/s. ``reading`` itself already has no foreign key for the same reason.

What the keys still did — dropping a sensor's or a unit's rollups with it (``ON DELETE
CASCADE``) — is kept by statement-level triggers on ``sensor`` and ``admin_unit`` that delete
them in one statement per table, whatever the number of rows deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, foreign key constraint, its definition) for the downgrade.
KEYS = (
    ("reading_hourly", "reading_hourly_sensor_id_fkey",
     "FOREIGN KEY (sensor_id) REFERENCES sensor (id) ON DELETE CASCADE"),
    ("reading_hourly", "reading_hourly_quantity_id_fkey",
     "FOREIGN KEY (quantity_id) REFERENCES quantity (id)"),
    ("reading_daily", "reading_daily_sensor_id_fkey",
     "FOREIGN KEY (sensor_id) REFERENCES sensor (id) ON DELETE CASCADE"),
    ("reading_daily", "reading_daily_quantity_id_fkey",
     "FOREIGN KEY (quantity_id) REFERENCES quantity (id)"),
    ("sensor_indicator", "sensor_indicator_sensor_id_fkey",
     "FOREIGN KEY (sensor_id) REFERENCES sensor (id) ON DELETE CASCADE"),
    ("unit_indicator", "unit_indicator_admin_unit_id_fkey",
     "FOREIGN KEY (admin_unit_id) REFERENCES admin_unit (id) ON DELETE CASCADE"),
)  # fmt: skip


def upgrade() -> None:
    for table, name, _definition in KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute(
        """
        CREATE FUNCTION sensor_drop_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM reading_hourly r USING gone g WHERE r.sensor_id = g.id;
            DELETE FROM reading_daily r USING gone g WHERE r.sensor_id = g.id;
            DELETE FROM sensor_indicator r USING gone g WHERE r.sensor_id = g.id;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER sensor_drop_rollups AFTER DELETE ON sensor
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sensor_drop_rollups()
        """
    )
    op.execute(
        """
        CREATE FUNCTION admin_unit_drop_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM unit_indicator r USING gone g WHERE r.admin_unit_id = g.id;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER admin_unit_drop_rollups AFTER DELETE ON admin_unit
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
        EXECUTE FUNCTION admin_unit_drop_rollups()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER admin_unit_drop_rollups ON admin_unit")
    op.execute("DROP FUNCTION admin_unit_drop_rollups()")
    op.execute("DROP TRIGGER sensor_drop_rollups ON sensor")
    op.execute("DROP FUNCTION sensor_drop_rollups()")
    for table, name, definition in KEYS:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
