"""``public_report`` shows the answers to the category's questions (its Open311 attributes, such
as the water depth of a flooding report), so the tracking page and the map can show them.

An answer that is a number, a date or a choice from a list describes the problem and is shown as
soon as the report is; an answer in free words (``string``, ``text``) could name someone as a
description can, so it is shown only when the description is published. The column is added at
the end: the view keeps every column it had. A flood report's depth, kept in its own column
since before the categories (the flood layer reads it there), is one of these answers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = """
        SELECT r.id, r.code, r.category, r.status, r.resolution, r.geom, r.admin_unit_id,
               r.reported_at, r.acknowledged_at, r.resolved_at, r.ack_due, r.resolve_due,
               r.agency_code, r.duplicate_of, r.supporters, r.updated_at,
               CASE WHEN r.description_public THEN r.description END AS description,
               CASE WHEN r.photos_public THEN ARRAY(SELECT p.sha256 FROM report_photo p
                 WHERE p.report_id = r.id ORDER BY p.position) ELSE '{}'::text[] END AS photos,
               r.rating"""
_WHERE = """
        FROM citizen_report r
        WHERE NOT r.hidden AND r.resolution IS DISTINCT FROM 'spam'"""


def upgrade() -> None:
    op.execute(
        f"""
        CREATE OR REPLACE VIEW public_report AS {_COLUMNS},
               (SELECT coalesce(jsonb_object_agg(a.key, a.value), '{{}}'::jsonb)
                FROM jsonb_each(jsonb_strip_nulls(jsonb_build_object('depth_cm', r.depth_cm))
                                || r.attributes) a
                WHERE r.description_public OR EXISTS (
                  SELECT FROM report_category c, jsonb_array_elements(c.attributes) q
                  WHERE c.code = r.category AND q ->> 'code' = a.key
                    AND q ->> 'datatype' NOT IN ('string', 'text'))) AS attributes
        {_WHERE}
        """
    )


def downgrade() -> None:
    # A view cannot lose a column in place: both views made again as they were (0010).
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute("DROP VIEW public_report_event, public_report")
    op.execute(f"CREATE VIEW public_report AS {_COLUMNS} {_WHERE}")
    op.execute(
        """
        CREATE VIEW public_report_event AS
        SELECT e.id, e.report_id, e.at, e.kind,
               CASE WHEN e.kind IN ('reply', 'resolved', 'reopened') THEN e.body END AS body
        FROM report_event e JOIN public_report r ON r.id = e.report_id
        WHERE e.public
        """
    )
    op.execute(
        f"GRANT SELECT ON public_report, public_report_event TO {owner}_public, {owner}_ward"
    )
