"""Who may read alerts (issue 14), decided by the database as for every other table.

- Ward staff: every rule (what is watched is no secret to staff), the alerts whose subject (a
  gauge's point, a unit's area) lies in their units, and those alerts' steps.
- The public: the public rules, and their alerts once fired (never a pending one): the public
  warnings the CAP feed and the kiosk show. Never the steps (staff's notes).

Staff act on alerts through the server, which checks the alert is visible under their scope
first; the writes themselves are the owner's.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    public, ward = f"{owner}_public", f"{owner}_ward"
    op.execute(f"GRANT SELECT ON alert_rule, alert TO {public}, {ward}")
    op.execute(f"GRANT SELECT ON alert_event TO {ward}")
    for table in ("alert_rule", "alert", "alert_event"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY public_rules ON alert_rule FOR SELECT TO {public} USING (public)")
    op.execute(f"CREATE POLICY ward_rules ON alert_rule FOR SELECT TO {ward} USING (true)")
    op.execute(
        f"CREATE POLICY public_warnings ON alert FOR SELECT TO {public} USING ("
        "state <> 'pending' AND rule_id IN (SELECT id FROM alert_rule WHERE public))"
    )
    op.execute(
        f"CREATE POLICY ward_scope ON alert FOR SELECT TO {ward} USING ("
        "geom && (SELECT ST_Envelope(app_scope_geom())) "
        "AND ST_Intersects(geom, (SELECT app_scope_geom())))"
    )
    op.execute(
        f"CREATE POLICY ward_scope ON alert_event FOR SELECT TO {ward} "
        "USING (alert_id IN (SELECT id FROM alert))"
    )


def downgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    for policy, table in (("public_rules", "alert_rule"), ("ward_rules", "alert_rule"),
                          ("public_warnings", "alert"), ("ward_scope", "alert"),
                          ("ward_scope", "alert_event")):  # fmt: skip
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    for table in ("alert_rule", "alert", "alert_event"):
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {owner}_public, {owner}_ward")
