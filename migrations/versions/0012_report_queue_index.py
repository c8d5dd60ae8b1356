"""The staff queue's index: the open reports by place.

The queue of a district (``geodata/reports/queue.py``) opens on its open reports, the ones still
to handle, found inside the district's shape. With the reports of a year in the table nearly all
are resolved, and the geometry index alone hands over every report in the district's box, open
or not, for the ward's row-level security and the shape to test one by one. A partial GiST index
on the open reports hands over only those: in ``scripts/bench_queue.py`` (100,000 reports,
13,420 in Ninh Kiều, 1,452 of them open) the district's open queue as its ward staff read it went
from 62 ms to 15 ms in the database (EXPLAIN ANALYZE), and a status or lateness filter (which
implies "not resolved") uses it too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_citizen_report_open_geom ON citizen_report USING gist (geom) "
        "WHERE status <> 'resolved'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_citizen_report_open_geom")
