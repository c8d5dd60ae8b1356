"""Alert rules on the backups (issue 16): the system itself is an alert's subject too.

- ``backup_age``: hours since the newest good base backup finished (``backup_run``); fires
  above its line. With no good backup at all its value is the top of the range.
- ``wal_archive``: 1 while the primary's WAL archiving does not keep up (off, failing or
  behind), 0 while it does.

Their alerts' subject is ``system`` (the database cluster, id 1): no place, so no geometry, and
so no ward staff's row-level-security policy (migration 0021, by the alert's geometry) and no
public rule admits them: officials only.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "gauge_level", "gauge_forecast", "unit_aqi", "unit_congestion", "unit_coverage",
    "report_cluster", "road_congestion",
)  # fmt: skip
_BELOW = ("unit_coverage", "road_congestion")
_SUBJECTS = ("sensor", "unit", "road")


def _constraints(kinds: tuple[str, ...], subjects: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{k}'" for k in kinds)
    low = ", ".join(f"'{k}'" for k in _BELOW)
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
    _constraints((*_KINDS, "backup_age", "wal_archive"), (*_SUBJECTS, "system"))


def downgrade() -> None:
    op.execute("DELETE FROM alert_rule WHERE kind IN ('backup_age', 'wal_archive')")
    op.execute("DELETE FROM alert WHERE subject_kind = 'system'")
    _constraints(_KINDS, _SUBJECTS)
