"""The per-unit figures of citizens' reports read an index alone (issue 12: p95 ≤ 50 ms with
100,000 reports).

``geodata.reports.figures`` finds a unit's reports by the units below it and the time they came
(``ix_citizen_report_unit``, 0010) and then needs only their status, times, deadlines and rating.
This index holds those beside the unit and time, so the figures are an index-only scan: no visit
to the table's pages, which are scattered (reports of one ward come one at a time among the
city's). Measured with ``scripts/bench_figures.py``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE INDEX ix_citizen_report_figures ON citizen_report (admin_unit_id, reported_at)
        INCLUDE (status, resolution, hidden, duplicate_of, acknowledged_at, resolved_at, ack_due,
                 resolve_due, rating)
        """
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_citizen_report_figures")
