"""Which admin units became which when boundaries changed (issue 13: the 1 July 2025 reform).

``admin_unit_succession`` holds, for a unit that ended, each unit that took over part of its
area and the share of the old unit's area it took (0–1). Rows are worked out by overlap when a new
set of units is loaded with ``--valid-from`` or a level is ended (``source = 'overlap'``), and
can be stated from a file, since official decisions name them (``source = 'decision'``, which an
overlap never replaces). The map names the successors of an ended unit; accounts bound to ended
units are moved to them. Anyone may read it: it is public administrative fact.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute(
        """
        CREATE TABLE admin_unit_succession (
            predecessor_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            successor_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            share double precision CHECK (share > 0 AND share <= 1),
            source text NOT NULL CHECK (source IN ('overlap', 'decision')),
            PRIMARY KEY (predecessor_id, successor_id),
            CHECK (predecessor_id <> successor_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_succession_successor ON admin_unit_succession (successor_id)")
    op.execute(f"GRANT SELECT ON admin_unit_succession TO {owner}_public, {owner}_ward")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS admin_unit_succession")
