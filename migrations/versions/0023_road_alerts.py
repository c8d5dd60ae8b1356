"""Alert rules on a road's congestion (issue 14): a road segment is an alert's subject too.

``road_congestion`` watches each measured road segment's speed as a share of its free-flow
speed, and fires below its line (as coverage does).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "gauge_level", "gauge_forecast", "unit_aqi", "unit_congestion", "unit_coverage",
    "report_cluster",
)  # fmt: skip


def _constraints(kinds: tuple[str, ...], below: tuple[str, ...], subjects: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{k}'" for k in kinds)
    low = ", ".join(f"'{k}'" for k in below)
    subject = ", ".join(f"'{k}'" for k in subjects)
    op.execute("ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_kind_check")
    op.execute(
        f"ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_kind_check CHECK (kind IN ({listed}))"
    )
    op.execute("ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_check")
    op.execute(
        "ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_check CHECK ("
        f"CASE WHEN kind IN ({low}) THEN clear_at >= fire_at ELSE clear_at <= fire_at END)"
    )
    op.execute("ALTER TABLE alert DROP CONSTRAINT alert_subject_kind_check")
    op.execute(
        "ALTER TABLE alert ADD CONSTRAINT alert_subject_kind_check "
        f"CHECK (subject_kind IN ({subject}))"
    )


def upgrade() -> None:
    _constraints((*_KINDS, "road_congestion"), ("unit_coverage", "road_congestion"),
                 ("sensor", "unit", "road"))  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM alert_rule WHERE kind = 'road_congestion'")
    _constraints(_KINDS, ("unit_coverage",), ("sensor", "unit"))
