"""Alert e-mail (issue 14): who is subscribed, and what each subscriber was last told.

- ``alert_subscription``: an account's address for alert e-mail (one per account), its
  language, and when it was last written to (the grouping interval counts from it).
- ``alert_notice``: per subscription and alert, the state last told and when (a firing alert is
  told again after the repeat period; a resolved one once).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE alert_subscription (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL UNIQUE REFERENCES app_user(id) ON DELETE CASCADE,
            email text NOT NULL CHECK (email ~ '^[^\\s@,;:<>()]+@[^\\s@,;:<>()]+$'),
            lang text NOT NULL DEFAULT 'vi' CHECK (lang IN ('vi', 'en')),
            created_at timestamptz NOT NULL DEFAULT now(),
            last_sent_at timestamptz
        )
        """
    )
    op.execute(
        """
        CREATE TABLE alert_notice (
            subscription_id bigint NOT NULL REFERENCES alert_subscription(id) ON DELETE CASCADE,
            alert_id bigint NOT NULL REFERENCES alert(id) ON DELETE CASCADE,
            state text NOT NULL,
            told_at timestamptz NOT NULL,
            PRIMARY KEY (subscription_id, alert_id)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS alert_notice")
    op.execute("DROP TABLE IF EXISTS alert_subscription")
