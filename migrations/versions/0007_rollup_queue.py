"""The rollup queue: hours whose readings changed and whose rollups are still to be made.

Sensors push small batches every few minutes; rolling up each batch on its own would cost a
whole rollup pass per batch. A push instead records the (sensor, quantity, hour) it touched here,
in its own transaction (so nothing can be lost), and a refresher in the server drains the queue
every few seconds, one rollup pass for every batch since. Bulk loads and the command line still
roll up at once. The reader roles get no privilege on it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE rollup_queue (
            sensor_id bigint NOT NULL,
            quantity_id smallint NOT NULL,
            hour timestamptz NOT NULL,
            PRIMARY KEY (sensor_id, quantity_id, hour)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rollup_queue")
