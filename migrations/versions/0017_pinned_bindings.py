"""Ward staff's bindings are pinned to the unit they were bound to, not to every unit that ever
held the code (issue 13: a reform can give an old code to a different, larger unit; an account
not yet remapped must keep its old area, not be silently widened).

- ``app_user_unit.bound_on``: the day the binding was made (existing ones: today).
- ``app_pinned_unit_ids(tokens text[])``: the units a caller's scope names. A token is a code
  (every version of it, as before) or ``code@YYYY-MM-DD``: the version valid that day (or, if
  none was, the latest that began by then, else the first after). The server now passes pinned
  tokens in ``app.allowed_units``; ``app_scope_unit_ids()`` and ``app_scope_geom()`` resolve
  them through this function, as ``geodata.accounts.scopes`` and the OGC API's queries do.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SETTING = "string_to_array(current_setting('app.allowed_units', true), ',')"
_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"


def _functions(units: str) -> dict[str, str]:
    """The two scope functions of 0005, reading their units from ``units`` (SQL, bigint[])."""
    return {
        "app_scope_unit_ids() RETURNS bigint[]": f"""
            WITH RECURSIVE scoped AS (
                SELECT id FROM admin_unit WHERE id = ANY({units})
                UNION
                SELECT c.id FROM admin_unit c JOIN scoped s ON c.parent_id = s.id
            )
            SELECT coalesce(array_agg(id), '{{}}') FROM scoped
        """,
        "app_scope_geom() RETURNS geometry": f"""
            SELECT coalesce(ST_Union(geom), 'SRID=4326;GEOMETRYCOLLECTION EMPTY'::geometry)
            FROM admin_unit WHERE id = ANY({units})
        """,
    }


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute("ALTER TABLE app_user_unit ADD COLUMN bound_on date NOT NULL DEFAULT CURRENT_DATE")
    op.execute(
        f"""
        CREATE FUNCTION app_pinned_unit_ids(tokens text[]) RETURNS bigint[] {_DEFINER} AS $$
          SELECT coalesce(array_agg(DISTINCT id), '{{}}') FROM (
            SELECT u.id FROM unnest(tokens) t JOIN admin_unit u ON u.code = t
            WHERE strpos(t, '@') = 0
            UNION ALL
            SELECT p.id FROM unnest(tokens) t
            CROSS JOIN LATERAL (SELECT CAST(split_part(t, '@', 2) AS date) AS d) day
            CROSS JOIN LATERAL (
              SELECT u.id FROM admin_unit u
              WHERE u.code = split_part(t, '@', 1)
              ORDER BY (u.valid_from <= day.d AND (u.valid_to IS NULL OR u.valid_to > day.d))
                         DESC,
                       (u.valid_from <= day.d) DESC, u.valid_from DESC, u.area_km2 DESC
              LIMIT 1
            ) p
            WHERE strpos(t, '@') > 0
          ) x
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION app_pinned_unit_ids(text[]) FROM PUBLIC")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION app_pinned_unit_ids(text[]) TO {owner}_public, {owner}_ward"
    )
    for signature, body in _functions(f"app_pinned_unit_ids({_SETTING})").items():
        op.execute(f"CREATE OR REPLACE FUNCTION {signature} {_DEFINER} AS $${body}$$")


def downgrade() -> None:
    by_code = f"ARRAY(SELECT id FROM admin_unit WHERE code = ANY({_SETTING}))"
    for signature, body in _functions(by_code).items():
        op.execute(f"CREATE OR REPLACE FUNCTION {signature} {_DEFINER} AS $${body}$$")
    op.execute("DROP FUNCTION IF EXISTS app_pinned_unit_ids(text[])")
    op.execute("ALTER TABLE app_user_unit DROP COLUMN IF EXISTS bound_on")
