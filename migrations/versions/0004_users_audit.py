"""Accounts (role, bound admin units), and the audit log of sign-ins, refusals and exports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE app_user (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username text NOT NULL UNIQUE CHECK (username = lower(username) AND username <> ''),
            password_hash text NOT NULL,
            role text NOT NULL CHECK (role IN ('admin', 'official', 'ward_staff')),
            disabled boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # Ward staff are bound to units by code: a unit's code survives a redrawn boundary.
    op.execute(
        """
        CREATE TABLE app_user_unit (
            user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
            unit_code text NOT NULL,
            PRIMARY KEY (user_id, unit_code)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE audit_log (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            username text,
            address text,
            action text NOT NULL,
            outcome text NOT NULL,
            detail jsonb NOT NULL DEFAULT '{}'
        )
        """
    )
    # Rate limiting counts recent failures per account and per address.
    op.execute("CREATE INDEX ix_audit_log_user_at ON audit_log (username, action, at)")
    op.execute("CREATE INDEX ix_audit_log_address_at ON audit_log (address, action, at)")
    op.execute("CREATE INDEX ix_audit_log_at ON audit_log (at)")


def downgrade() -> None:
    op.execute("DROP TABLE audit_log, app_user_unit, app_user")
