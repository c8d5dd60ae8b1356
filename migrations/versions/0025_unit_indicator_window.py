"""A unit's indicators over a window of hours, by one index (issue 15).

The chart of a unit (seven days of its hourly indicators) found its rows through
``ix_unit_indicator_unit`` (unit, indicator), which holds the unit's whole history: at city scale
27,000 entries read to keep 500, 18 ms. This index is ordered by unit, period and hour and holds
the indicator and value, so the window is one range of one index (0.4 ms).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_unit_indicator_window ON unit_indicator "
        "(admin_unit_id, period, period_start) INCLUDE (indicator, value)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_unit_indicator_window")
