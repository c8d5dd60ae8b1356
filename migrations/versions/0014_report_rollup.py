"""A daily rollup of citizens' reports per admin unit, so a unit's figures over a year read about
365 rows instead of every report (issue 12: the per-unit figures p95 ≤ 50 ms with 100,000 reports;
a city's year read from the reports themselves took 240 ms).

- ``report_rollup``: for each unit and Cần Thơ day, the reports received that day inside the unit
  (those routed to it or a unit below it, and those whose point lies in its shape) as
  ``geodata.reports.figures`` counts them: how many, how many resolved, acknowledged and resolved
  on time, the ratings; the times to acknowledge and resolve in tenths of a working day as a
  histogram (values and counts), the days they closed on (the weekly trend); and, for the ones
  still open, the moments they become overdue or due, so figures "as of now" need no other read.
- ``report_rollup_queue``: what changed and is still to be rolled up: a day (every unit), a unit
  (every day), or everything (both NULL). Statement triggers on ``citizen_report`` queue the days
  a statement touched, and triggers on ``admin_unit`` the units whose shape or place in the tree
  changed (and the units above them): a boundary change recomputes what it touches, not the
  whole history. Rows are never merged (no unique key): a writer's row can never be swallowed by
  one a refresher is deleting.
- ``report_rollup_state``: the working-day calendar the rollup was computed with. Working days
  come from Python (the ``holidays`` package and the settings' extra days), so the refresher, not
  a trigger, computes the rollup; if the calendar changes, everything is recomputed.

The reader roles may read the rollup, its queue and its state (the figures are public: they come
from ``public_report`` only); the triggers queue with the owner's rights, whoever wrote the
report.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute(
        """
        CREATE TABLE report_rollup (
            admin_unit_id bigint NOT NULL REFERENCES admin_unit (id) ON DELETE CASCADE,
            day date NOT NULL,
            received integer NOT NULL,
            resolved integer NOT NULL,
            acknowledged integer NOT NULL,
            ack_on_time integer NOT NULL,
            closed integer NOT NULL,
            resolved_on_time integer NOT NULL,
            rated integer NOT NULL,
            rating_sum integer NOT NULL,
            good integer NOT NULL,
            ack_tenths integer[] NOT NULL,
            ack_counts integer[] NOT NULL,
            resolve_tenths integer[] NOT NULL,
            resolve_counts integer[] NOT NULL,
            closed_days integer[] NOT NULL,
            closed_counts integer[] NOT NULL,
            overdue_from timestamptz[] NOT NULL,
            ack_pending_due timestamptz[] NOT NULL,
            resolve_pending_due timestamptz[] NOT NULL,
            PRIMARY KEY (admin_unit_id, day)
        )
        """
    )
    op.execute("CREATE TABLE report_rollup_queue (admin_unit_id bigint, day date)")
    op.execute(
        "CREATE TABLE report_rollup_state (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
        "calendar text NOT NULL)"
    )
    # A report's day is its Cần Thơ date (UTC+7 all year).
    day = "CAST((r.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date)"
    for event, tables, rows in (
        ("INSERT", "NEW TABLE AS new_rows", "SELECT * FROM new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
         "SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows"),
        ("DELETE", "OLD TABLE AS old_rows", "SELECT * FROM old_rows"),
    ):  # fmt: skip
        name = f"report_rollup_queue_{event.lower()}"
        op.execute(
            f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = public, pg_temp AS $$
            BEGIN
              INSERT INTO report_rollup_queue (day) SELECT DISTINCT {day} FROM ({rows}) r;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON citizen_report REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # A unit added, reshaped or moved in the tree: itself and the units above it, before and
    # after (their reports by the hierarchy changed). Deleted units lose their rows by cascade.
    op.execute(
        """
        CREATE FUNCTION report_rollup_queue_unit() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.geom IS NOT DISTINCT FROM OLD.geom
             AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id THEN
            RETURN NULL;
          END IF;
          INSERT INTO report_rollup_queue (admin_unit_id)
          WITH RECURSIVE above AS (
            SELECT NEW.id AS id
            UNION SELECT OLD.parent_id WHERE TG_OP = 'UPDATE' AND OLD.parent_id IS NOT NULL
            UNION SELECT u.parent_id FROM admin_unit u JOIN above a ON u.id = a.id
            WHERE u.parent_id IS NOT NULL
          )
          SELECT id FROM above;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER report_rollup_queue_unit AFTER INSERT OR UPDATE ON admin_unit "
        "FOR EACH ROW EXECUTE FUNCTION report_rollup_queue_unit()"
    )
    # A changed day is rolled up again from its reports: found by their Cần Thơ day.
    op.execute(f"CREATE INDEX ix_citizen_report_day ON citizen_report (({day.replace('r.', '')}))")
    op.execute("INSERT INTO report_rollup_queue VALUES (NULL, NULL)")  # roll up what exists
    for role in ("public", "ward"):
        # The queue and the state too: a reader sees whether a refresh is due before reading.
        op.execute(
            "GRANT SELECT ON report_rollup, report_rollup_queue, report_rollup_state "
            f"TO {owner}_{role}"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_rollup_queue_unit ON admin_unit")
    op.execute("DROP FUNCTION IF EXISTS report_rollup_queue_unit()")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS report_rollup_queue_{event} ON citizen_report")
        op.execute(f"DROP FUNCTION IF EXISTS report_rollup_queue_{event}()")
    op.execute("DROP INDEX IF EXISTS ix_citizen_report_day")
    op.execute("DROP TABLE IF EXISTS report_rollup_state, report_rollup_queue, report_rollup")
