"""Citizens' reports ("Thành phố của tôi"): every category, their handling, history and photos.

``flood_report`` becomes ``citizen_report``, the reports of every category; its rows are kept as
reports of the ``flooding`` category. A view named ``flood_report`` (``security_invoker``, so the
reader roles' row-level security applies through it) shows that category with the old columns,
and inserts through it are flooding reports: the flood layer, its KPIs and the counting function
keep working unchanged.

- ``agency``, ``report_category`` (data, not code: names, deadlines in working days, the agency in
  charge, the Open311 attributes it asks for) and ``category_agency`` (a unit's own agency for a
  category, overriding the category's).
- ``citizen_report`` gains its category, status and resolution, the agency and person assigned,
  when it was acknowledged and resolved and when it is due, what is published (description,
  photos) or hidden, the duplicate it belongs to, the citizens who added themselves to it, and
  the citizen's rating.
- ``report_contact``: the citizen's name, phone and e-mail, kept apart: personal data, which no
  public view, API or map ever reads.
- ``report_event``: the history (received, acknowledged, assigned, reply, note, resolved, …),
  each public (a reply, a status change) or internal (a note).
- ``report_photo``: photos by content hash; the files live outside the database.
- ``public_report``: the one thing the public's reader role may read of reports: published
  fields only, never a contact, a note or a rating comment.

Ward staff read and update reports in their units (row-level security, as every other scoped
table) and read and add their history; the public may read ``public_report`` only. Submissions
and the citizen's own actions (support, rating, reopening) are written by the server with the
owner's rights after it has checked them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("received", "acknowledged", "in_progress", "resolved")
RESOLUTIONS = ("fixed", "not_competent", "cannot_fix", "spam", "duplicate")
EVENTS = (
    "received", "supported", "acknowledged", "assigned", "recategorised", "duplicate",
    "published", "hidden", "reply", "note", "resolved", "reopened", "rated",
)  # fmt: skip

AGENCIES = (
    ("xay-dung", "Sở Xây dựng thành phố Cần Thơ", "Cần Thơ Department of Construction"),
    ("cap-thoat-nuoc", "Công ty Cấp thoát nước Cần Thơ", "Cần Thơ Water Supply and Sewerage"),
    ("moi-truong-do-thi", "Công ty Môi trường đô thị Cần Thơ", "Cần Thơ Urban Environment"),
    ("chieu-sang", "Đơn vị quản lý chiếu sáng công cộng", "Public lighting management"),
    ("nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and "
     "Environment"),
    ("ubnd-xa-phuong", "UBND phường, xã", "Ward or commune People's Committee"),
)  # fmt: skip
# code, Vietnamese, English, agency, days to acknowledge, days to resolve, Open311 attributes
CATEGORIES = (
    ("flooding", "Ngập nước", "Flooding", "cap-thoat-nuoc", 3, 5,
     '[{"code": "depth_cm", "datatype": "number", "required": false, '
     '"vi": "Độ sâu nước (cm)", "en": "Water depth (cm)"}]'),
    ("waste", "Rác thải", "Waste", "moi-truong-do-thi", 3, 5, "[]"),
    ("streetlight", "Đèn đường", "Street lights", "chieu-sang", 3, 5, "[]"),
    ("road_damage", "Hư hỏng đường", "Damaged road", "xay-dung", 3, 5, "[]"),
    ("pollution", "Ô nhiễm, mùi, khói", "Pollution, smell, smoke", "nong-nghiep-moi-truong", 3,
     5, "[]"),
    ("encroachment", "Lấn chiếm, ùn tắc", "Encroachment, congestion", "ubnd-xa-phuong", 3, 5,
     "[]"),
    ("water_supply", "Cấp nước", "Water supply", "cap-thoat-nuoc", 3, 5, "[]"),
    ("other", "Khác", "Other", "ubnd-xa-phuong", 3, 5, "[]"),
)  # fmt: skip


def _roles() -> tuple[str, str]:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    return f"{owner}_public", f"{owner}_ward"


def _in_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    public, ward = _roles()
    op.execute(
        """
        CREATE TABLE agency (
            code text PRIMARY KEY,
            name_vi text NOT NULL,
            name_en text NOT NULL,
            email text
        )
        """
    )
    op.execute(
        """
        CREATE TABLE report_category (
            code text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
            name_vi text NOT NULL,
            name_en text NOT NULL,
            position integer NOT NULL DEFAULT 0,
            agency_code text REFERENCES agency (code),
            ack_days integer NOT NULL DEFAULT 3 CHECK (ack_days > 0),
            resolve_days integer NOT NULL DEFAULT 5 CHECK (resolve_days > 0),
            attributes jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attributes) = 'array'),
            active boolean NOT NULL DEFAULT true
        )
        """
    )
    op.execute(
        """
        CREATE TABLE category_agency (
            category_code text NOT NULL REFERENCES report_category (code) ON DELETE CASCADE,
            admin_unit_code text NOT NULL,
            agency_code text NOT NULL REFERENCES agency (code),
            PRIMARY KEY (category_code, admin_unit_code)
        )
        """
    )
    bind = op.get_bind()
    for code, vi, en in AGENCIES:
        bind.execute(
            text("INSERT INTO agency (code, name_vi, name_en) VALUES (:c, :vi, :en)"),
            {"c": code, "vi": vi, "en": en},
        )
    for position, (code, vi, en, agency, ack, resolve, attributes) in enumerate(CATEGORIES):
        bind.execute(
            text(
                "INSERT INTO report_category (code, name_vi, name_en, position, agency_code, "
                "ack_days, resolve_days, attributes) "
                "VALUES (:c, :vi, :en, :p, :a, :ack, :res, CAST(:attr AS jsonb))"
            ),
            {"c": code, "vi": vi, "en": en, "p": position, "a": agency, "ack": ack,
             "res": resolve, "attr": attributes},
        )  # fmt: skip

    op.execute("ALTER TABLE flood_report RENAME TO citizen_report")
    op.execute("ALTER INDEX ix_flood_report_geom RENAME TO ix_citizen_report_geom")
    op.execute("ALTER INDEX ix_flood_report_time RENAME TO ix_citizen_report_time")
    op.execute(
        f"""
        ALTER TABLE citizen_report
          ADD COLUMN category text NOT NULL DEFAULT 'flooding'
            REFERENCES report_category (code),
          ADD COLUMN attributes jsonb NOT NULL DEFAULT '{{}}',
          ADD COLUMN status text NOT NULL DEFAULT 'received'
            CHECK (status IN ({_in_list(STATUSES)})),
          ADD COLUMN resolution text CHECK (resolution IN ({_in_list(RESOLUTIONS)})),
          ADD COLUMN agency_code text REFERENCES agency (code),
          ADD COLUMN assignee text,
          ADD COLUMN acknowledged_at timestamptz,
          ADD COLUMN resolved_at timestamptz,
          ADD COLUMN ack_due timestamptz,
          ADD COLUMN resolve_due timestamptz,
          ADD COLUMN description_public boolean NOT NULL DEFAULT false,
          ADD COLUMN photos_public boolean NOT NULL DEFAULT false,
          ADD COLUMN hidden boolean NOT NULL DEFAULT false,
          ADD COLUMN duplicate_of bigint REFERENCES citizen_report (id) ON DELETE SET NULL,
          ADD COLUMN supporters integer NOT NULL DEFAULT 0 CHECK (supporters >= 0),
          ADD COLUMN rating smallint CHECK (rating BETWEEN 1 AND 5),
          ADD COLUMN rating_comment text,
          ADD COLUMN rated_at timestamptz,
          ADD COLUMN reopened_at timestamptz,
          ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
          ADD CONSTRAINT citizen_report_description_length
            CHECK (description IS NULL OR char_length(description) <= 4000),
          ADD CONSTRAINT citizen_report_resolved
            CHECK ((status = 'resolved') = (resolution IS NOT NULL)),
          ADD CONSTRAINT citizen_report_not_own_duplicate CHECK (duplicate_of <> id)
        """
    )
    # The default served the rows kept from flood_report; a new report names its category.
    op.execute("ALTER TABLE citizen_report ALTER COLUMN category DROP DEFAULT")
    op.execute("CREATE INDEX ix_citizen_report_unit ON citizen_report (admin_unit_id, reported_at)")
    op.execute(
        "CREATE INDEX ix_citizen_report_open ON citizen_report (status, ack_due, resolve_due)"
    )
    op.execute("CREATE INDEX ix_citizen_report_category ON citizen_report (category, reported_at)")

    op.execute(
        """
        CREATE TABLE report_contact (
            report_id bigint PRIMARY KEY REFERENCES citizen_report (id) ON DELETE CASCADE,
            name text CHECK (char_length(name) <= 200),
            phone text CHECK (char_length(phone) <= 40),
            email text CHECK (char_length(email) <= 254),
            language text NOT NULL DEFAULT 'vi'
        )
        """
    )
    op.execute(
        f"""
        CREATE TABLE report_event (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            report_id bigint NOT NULL REFERENCES citizen_report (id) ON DELETE CASCADE,
            at timestamptz NOT NULL DEFAULT now(),
            kind text NOT NULL CHECK (kind IN ({_in_list(EVENTS)})),
            actor text,
            public boolean NOT NULL DEFAULT false,
            body text CHECK (char_length(body) <= 4000),
            detail jsonb NOT NULL DEFAULT '{{}}'
        )
        """
    )
    op.execute("CREATE INDEX ix_report_event_report ON report_event (report_id, at)")
    op.execute(
        """
        CREATE TABLE report_photo (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            report_id bigint NOT NULL REFERENCES citizen_report (id) ON DELETE CASCADE,
            position smallint NOT NULL CHECK (position BETWEEN 0 AND 2),
            sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            mime text NOT NULL,
            width integer NOT NULL,
            height integer NOT NULL,
            size integer NOT NULL,
            thumb_sha256 text NOT NULL CHECK (thumb_sha256 ~ '^[0-9a-f]{64}$'),
            UNIQUE (report_id, position)
        )
        """
    )
    # Every report kept from flood_report was received when it was reported.
    op.execute(
        "INSERT INTO report_event (report_id, at, kind, public) "
        "SELECT id, reported_at, 'received', true FROM citizen_report"
    )

    # The flood layer's view: the flooding category with the old columns. Inserts through it
    # are flooding reports (its category column's default).
    op.execute(
        """
        CREATE VIEW flood_report WITH (security_invoker = true) AS
        SELECT id, code, source, geom, admin_unit_id, reported_at, depth_cm, description,
               category
        FROM citizen_report WHERE category = 'flooding'
        """
    )
    op.execute("ALTER VIEW flood_report ALTER COLUMN category SET DEFAULT 'flooding'")
    # What anyone may read of a report: never a contact, a note, a rating comment or an
    # unpublished description; hidden reports and spam not at all.
    op.execute(
        """
        CREATE VIEW public_report AS
        SELECT r.id, r.code, r.category, r.status, r.resolution, r.geom, r.admin_unit_id,
               r.reported_at, r.acknowledged_at, r.resolved_at, r.ack_due, r.resolve_due,
               r.agency_code, r.duplicate_of, r.supporters, r.updated_at,
               CASE WHEN r.description_public THEN r.description END AS description,
               CASE WHEN r.photos_public THEN ARRAY(SELECT p.sha256 FROM report_photo p
                 WHERE p.report_id = r.id ORDER BY p.position) ELSE '{}'::text[] END AS photos,
               r.rating
        FROM citizen_report r
        WHERE NOT r.hidden AND r.resolution IS DISTINCT FROM 'spam'
        """
    )

    # A report's public history: status changes and public replies, never a note or who acted.
    op.execute(
        """
        CREATE VIEW public_report_event AS
        SELECT e.id, e.report_id, e.at, e.kind,
               CASE WHEN e.kind IN ('reply', 'resolved', 'reopened') THEN e.body END AS body
        FROM report_event e JOIN public_report r ON r.id = e.report_id
        WHERE e.public
        """
    )
    op.execute(f"GRANT SELECT ON agency, report_category, category_agency TO {public}, {ward}")
    op.execute(f"GRANT SELECT ON public_report, public_report_event TO {public}, {ward}")
    op.execute(f"GRANT SELECT ON flood_report TO {ward}")
    # Ward staff handle the reports of their units: the policies below keep them there.
    op.execute(f"GRANT UPDATE ON citizen_report TO {ward}")
    op.execute(f"GRANT SELECT, INSERT ON report_event TO {ward}")
    op.execute(f"GRANT SELECT ON report_photo, report_contact TO {ward}")
    op.execute(
        f"CREATE POLICY ward_update ON citizen_report FOR UPDATE TO {ward} USING ("
        "geom && (SELECT ST_Envelope(app_scope_geom())) "
        "AND ST_Intersects(geom, (SELECT app_scope_geom())))"
    )
    for table in ("report_event", "report_photo", "report_contact"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        # A row of a report the ward may see (citizen_report's own policy applies inside).
        op.execute(
            f"CREATE POLICY ward_scope ON {table} FOR SELECT TO {ward} "
            "USING (EXISTS (SELECT 1 FROM citizen_report r WHERE r.id = report_id))"
        )
    op.execute(
        f"CREATE POLICY ward_insert ON report_event FOR INSERT TO {ward} "
        "WITH CHECK (EXISTS (SELECT 1 FROM citizen_report r WHERE r.id = report_id))"
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS public_report_event")
    op.execute("DROP VIEW IF EXISTS public_report")
    op.execute("DROP VIEW IF EXISTS flood_report")
    for table in ("report_event", "report_photo", "report_contact"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP POLICY IF EXISTS ward_update ON citizen_report")
    op.execute("DELETE FROM citizen_report WHERE category <> 'flooding'")
    for column in (
        "category", "attributes", "status", "resolution", "agency_code", "assignee",
        "acknowledged_at", "resolved_at", "ack_due", "resolve_due", "description_public",
        "photos_public", "hidden", "duplicate_of", "supporters", "rating", "rating_comment",
        "rated_at", "reopened_at", "updated_at",
    ):  # fmt: skip
        op.execute(f"ALTER TABLE citizen_report DROP COLUMN IF EXISTS {column} CASCADE")
    op.execute(
        "ALTER TABLE citizen_report DROP CONSTRAINT IF EXISTS citizen_report_description_length"
    )
    op.execute("DROP INDEX IF EXISTS ix_citizen_report_unit")
    op.execute("ALTER INDEX ix_citizen_report_geom RENAME TO ix_flood_report_geom")
    op.execute("ALTER INDEX ix_citizen_report_time RENAME TO ix_flood_report_time")
    op.execute("ALTER TABLE citizen_report RENAME TO flood_report")
    for table in ("category_agency", "report_category", "agency"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
