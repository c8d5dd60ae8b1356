"""Water-level forecasts (issue 14): one row per gauge, issue time and method.

Each row holds the hourly values ahead as arrays (the first for the hour starting at
``issued_at``), with the 80 % and 95 % intervals and the pure harmonic prediction beside them,
so an old forecast can be compared with what happened. A gauge that got no forecast at an issue
time has a row too, with the reason (``no_forecast``) and its details, so the map can say why.
Readers see forecasts as they see readings: the public all, ward staff their units' gauges.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute(
        """
        CREATE TABLE water_forecast (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sensor_id bigint NOT NULL REFERENCES sensor(id) ON DELETE CASCADE,
            issued_at timestamptz NOT NULL,
            method text NOT NULL,
            made_at timestamptz NOT NULL DEFAULT now(),
            history_from timestamptz,
            history_hours integer,
            value real[],
            lower80 real[],
            upper80 real[],
            lower95 real[],
            upper95 real[],
            harmonic real[],
            no_forecast text,
            no_forecast_detail jsonb,
            UNIQUE (sensor_id, issued_at, method),
            CHECK ((value IS NULL) <> (no_forecast IS NULL)),
            CHECK (value IS NULL OR (
                cardinality(value) = cardinality(lower80)
                AND cardinality(value) = cardinality(upper80)
                AND cardinality(value) = cardinality(lower95)
                AND cardinality(value) = cardinality(upper95)))
        )
        """
    )
    op.execute("CREATE INDEX ix_water_forecast_issued ON water_forecast (issued_at)")
    op.execute("ALTER TABLE water_forecast ENABLE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT ON water_forecast TO {owner}_public, {owner}_ward")
    op.execute(
        f"CREATE POLICY public_all ON water_forecast FOR SELECT TO {owner}_public USING (true)"
    )
    op.execute(
        f"CREATE POLICY ward_scope ON water_forecast FOR SELECT TO {owner}_ward "
        "USING (sensor_id = ANY((SELECT app_scope_sensor_ids())::bigint[]))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS water_forecast")
