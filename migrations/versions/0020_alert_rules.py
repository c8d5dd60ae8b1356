"""Alert rules, their alerts and every step of each (issue 14).

- ``alert_rule``: a rule is data, not code: what it watches (``kind``), when it fires
  (``fire_at``) and when it clears (``clear_at``: a separate line, so a value hovering at the
  first does not flap), how long the condition must hold first (``pending_s``), its scope (unit
  codes; none = the whole city), whether the public is warned (``public``), and its kind's
  parameters.
- ``alert``: one per rule and subject (a gauge or a unit) at a time: pending → firing →
  resolved, with who acknowledged it, who it is assigned to and until when it is silenced.
- ``alert_event``: each step, by the worker (actor NULL) or a person, with their note.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "gauge_level", "gauge_forecast", "unit_aqi", "unit_congestion", "unit_coverage",
    "report_cluster",
)  # fmt: skip


def upgrade() -> None:
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    op.execute(
        f"""
        CREATE TABLE alert_rule (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL CHECK (btrim(name) <> ''),
            kind text NOT NULL CHECK (kind IN ({kinds})),
            fire_at double precision NOT NULL,
            clear_at double precision NOT NULL,
            pending_s integer NOT NULL DEFAULT 0 CHECK (pending_s >= 0),
            unit_codes text[] NOT NULL DEFAULT '{{}}',
            params jsonb NOT NULL DEFAULT '{{}}',
            public boolean NOT NULL DEFAULT false,
            enabled boolean NOT NULL DEFAULT true,
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            -- Coverage fires below its line; every other kind above it. The clear line lies on
            -- the safe side of the fire line.
            CHECK (CASE WHEN kind = 'unit_coverage' THEN clear_at >= fire_at
                        ELSE clear_at <= fire_at END)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE alert (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule_id bigint NOT NULL REFERENCES alert_rule(id) ON DELETE CASCADE,
            subject_kind text NOT NULL CHECK (subject_kind IN ('sensor', 'unit')),
            subject_id bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
            value double precision,
            peak double precision,
            detail jsonb NOT NULL DEFAULT '{}',
            started_at timestamptz NOT NULL,
            fired_at timestamptz,
            resolved_at timestamptz,
            evaluated_at timestamptz NOT NULL,
            acknowledged_at timestamptz,
            acknowledged_by text,
            assignee text,
            silenced_until timestamptz,
            geom geometry(Geometry, 4326),
            CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
            CHECK (state = 'pending' OR fired_at IS NOT NULL OR state = 'resolved')
        )
        """
    )
    # One alert at a time per rule and subject: a new one only once the last is resolved.
    op.execute(
        "CREATE UNIQUE INDEX ux_alert_open ON alert (rule_id, subject_kind, subject_id) "
        "WHERE state <> 'resolved'"
    )
    op.execute("CREATE INDEX ix_alert_state ON alert (state, fired_at)")
    op.execute("CREATE INDEX ix_alert_geom ON alert USING gist (geom)")
    op.execute(
        """
        CREATE TABLE alert_event (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            alert_id bigint NOT NULL REFERENCES alert(id) ON DELETE CASCADE,
            at timestamptz NOT NULL DEFAULT now(),
            actor text,
            action text NOT NULL,
            note text,
            detail jsonb NOT NULL DEFAULT '{}'
        )
        """
    )
    op.execute("CREATE INDEX ix_alert_event_alert ON alert_event (alert_id, at)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS alert_event")
    op.execute("DROP TABLE IF EXISTS alert")
    op.execute("DROP TABLE IF EXISTS alert_rule")
