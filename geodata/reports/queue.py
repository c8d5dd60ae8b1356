"""The staff's side of citizens' reports: the queue they work through and a report's whole file.

Both run under the caller's database scope (``geodata.db.scope``): officials read everything, a
ward's staff only the reports inside their units (row-level security on ``citizen_report`` and
on its contacts, photos and history). Nothing here decides who may ask; ``web.access`` does.

The queue filters by status, category, unit (a unit's reports are those whose point lies inside
its shape, as in ``figures``: a district's queue holds its wards'), lateness and a piece of the
tracking code, and lists the late reports first, then the oldest: the order they should be dealt
with in. Late is ``domain.reports.is_overdue`` written in SQL (:data:`OVERDUE_SQL`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from domain import reports as rules

# domain.reports.is_overdue, for a row of citizen_report ``r`` at the moment :now.
# A report without deadlines (kept from before they existed) is not late: false, never NULL,
# which would sort before true.
OVERDUE_SQL = (
    "coalesce(r.status <> 'resolved' AND ((r.status = 'received' AND r.ack_due < :now) "
    "OR r.resolve_due < :now), false)"
)
OPEN = "open"  # a status filter of its own: every status but resolved
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class QueueFilter:
    """What the queue is narrowed to (None or False: no narrowing)."""

    status: str | None = None  # one of domain.reports.STATUSES, or OPEN
    category: str | None = None
    unit_id: int | None = None  # the unit and everything inside it
    overdue: bool = False
    code: str | None = None  # a piece of the tracking code, as typed
    assignee: str | None = None  # assigned to this person (an account), whatever the case

    def __post_init__(self) -> None:
        if self.status not in (None, OPEN, *rules.STATUSES):
            raise ValueError(f"unknown status {self.status!r}")


@dataclass(frozen=True)
class QueueRow:
    id: int
    code: str
    category: str
    status: str
    resolution: str | None
    unit_code: str | None
    unit_name: str | None
    agency_code: str | None
    assignee: str | None
    reported_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    ack_due: dt.datetime | None
    resolve_due: dt.datetime | None
    overdue: bool
    supporters: int
    hidden: bool


@dataclass(frozen=True)
class QueuePage:
    total: int  # rows matching the filter, on every page
    rows: list[QueueRow]


def _code_piece(typed: str) -> str:
    """What to look for in the codes: case and spaces do not matter, nor the ``PA-`` prefix;
    LIKE's wildcards are taken literally."""
    cleaned = "".join(typed.split()).upper().removeprefix(rules.CODE_PREFIX)
    return cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue(
    conn: Connection,
    wanted: QueueFilter,
    now: dt.datetime,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the reports the caller's scope shows that match ``wanted``: the late ones
    first, then the oldest."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    where = ["true"]
    params: dict[str, Any] = {"now": now, "limit": page_size,
                              "offset": (max(page, 1) - 1) * page_size}  # fmt: skip
    if wanted.status == OPEN:
        where.append("r.status <> 'resolved'")
    elif wanted.status:
        where.append("r.status = :status")
        params["status"] = wanted.status
    if wanted.category:
        where.append("r.category = :category")
        params["category"] = wanted.category
    if wanted.unit_id is not None:
        where.append(
            "r.geom && (SELECT geom FROM admin_unit WHERE id = :unit) "
            "AND ST_Covers((SELECT geom FROM admin_unit WHERE id = :unit), r.geom)"
        )
        params["unit"] = wanted.unit_id
    if wanted.overdue:
        # "Not resolved" spelled out as well: it lets the open reports' index serve.
        where += ["r.status <> 'resolved'", OVERDUE_SQL]
    if wanted.assignee and wanted.assignee.strip():
        where.append("lower(r.assignee) = lower(:assignee)")
        params["assignee"] = wanted.assignee.strip()
    if wanted.code and wanted.code.strip():
        where.append("r.code LIKE :code")
        params["code"] = f"%{_code_piece(wanted.code)}%"
    # One scan of the reports: under a ward's row-level security the planner cannot see how
    # many rows its policy keeps, and a join back to citizen_report for the page's columns
    # went through the geometry index once per row (0.8 s for 50 rows of 100,000 in
    # scripts/bench_queue.py).
    rows = conn.execute(
        text(
            f"""
            WITH found AS (
              SELECT r.id, r.code, r.category, r.status, r.resolution, r.admin_unit_id,
                r.agency_code, r.assignee, r.reported_at, r.acknowledged_at, r.resolved_at,
                r.ack_due, r.resolve_due, {OVERDUE_SQL} AS overdue, r.supporters, r.hidden,
                count(*) OVER () AS total
              FROM citizen_report r WHERE {" AND ".join(where)}
              ORDER BY overdue DESC, r.reported_at, r.id
              LIMIT :limit OFFSET :offset
            )
            SELECT f.total, f.id, f.code, f.category, f.status, f.resolution,
              u.code AS unit_code, u.name AS unit_name, f.agency_code, f.assignee, f.reported_at,
              f.acknowledged_at, f.resolved_at, f.ack_due, f.resolve_due, f.overdue,
              f.supporters, f.hidden
            FROM found f LEFT JOIN admin_unit u ON u.id = f.admin_unit_id
            ORDER BY f.overdue DESC, f.reported_at, f.id
            """
        ),
        params,
    ).all()
    total = int(rows[0].total) if rows else _count(conn, where, params)
    return QueuePage(total, [QueueRow(**{k: v for k, v in r._mapping.items() if k != "total"})
                             for r in rows])  # fmt: skip


def _count(conn: Connection, where: list[str], params: dict[str, Any]) -> int:
    """The matches when the page asked for is past the last (the window count is then absent)."""
    return int(
        conn.scalar(
            text(f"SELECT count(*) FROM citizen_report r WHERE {' AND '.join(where)}"), params
        )
    )


# --- a report's whole file -----------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """The citizen's own details: personal data, for staff in scope only."""

    name: str | None
    phone: str | None
    email: str | None
    language: str


@dataclass(frozen=True)
class StaffPhoto:
    position: int
    sha256: str
    thumb_sha256: str
    mime: str
    width: int
    height: int
    size: int
    published: bool


@dataclass(frozen=True)
class StaffEvent:
    at: dt.datetime
    kind: str
    actor: str | None  # None: the citizen or the system
    public: bool
    body: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class ReportDetail:
    """Everything about a report, as staff handle it."""

    id: int
    code: str
    source: str | None
    category: str
    status: str
    resolution: str | None
    lon: float
    lat: float
    unit_code: str | None
    unit_name: str | None
    agency_code: str | None
    assignee: str | None
    reported_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    reopened_at: dt.datetime | None
    ack_due: dt.datetime | None
    resolve_due: dt.datetime | None
    overdue: bool
    description: str | None
    description_public: bool
    photos_public: bool
    hidden: bool
    attributes: dict[str, Any]
    duplicate_of: str | None
    supporters: int
    rating: int | None
    rating_comment: str | None
    contact: Contact | None
    photos: tuple[StaffPhoto, ...]
    history: tuple[StaffEvent, ...]


def report_id(conn: Connection, code: str) -> int | None:
    """The id of the report with this tracking code, if the caller's scope shows it."""
    found = conn.scalar(
        text("SELECT id FROM citizen_report WHERE code = :c"), {"c": rules.normal_code(code)}
    )
    return int(found) if found is not None else None


def report_detail(
    conn: Connection, report_id: int, now: dt.datetime | None = None
) -> ReportDetail | None:
    """The report's whole file — the contact, every photo (published or not), the full history
    with internal notes and who acted — or None when the caller's scope does not show it."""
    row = conn.execute(
        text(
            f"""
            SELECT r.id, r.code, r.source, r.category, r.status, r.resolution,
              ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, u.code AS unit_code, u.name AS unit_name,
              r.agency_code, r.assignee, r.reported_at, r.acknowledged_at, r.resolved_at,
              r.reopened_at, r.ack_due, r.resolve_due, {OVERDUE_SQL} AS overdue, r.description,
              r.description_public, r.photos_public, r.hidden, r.attributes,
              d.code AS duplicate_of, r.supporters, r.rating, r.rating_comment
            FROM citizen_report r
            LEFT JOIN admin_unit u ON u.id = r.admin_unit_id
            LEFT JOIN citizen_report d ON d.id = r.duplicate_of
            WHERE r.id = :id
            """
        ),
        {"id": report_id, "now": now or dt.datetime.now(dt.UTC)},
    ).one_or_none()
    if row is None:
        return None
    contact = conn.execute(
        text("SELECT name, phone, email, language FROM report_contact WHERE report_id = :id"),
        {"id": report_id},
    ).one_or_none()
    photos = conn.execute(
        text(
            "SELECT position, sha256, thumb_sha256, mime, width, height, size "
            "FROM report_photo WHERE report_id = :id ORDER BY position"
        ),
        {"id": report_id},
    ).all()
    events = conn.execute(
        text(
            "SELECT at, kind, actor, public, body, detail FROM report_event "
            "WHERE report_id = :id ORDER BY at, id"
        ),
        {"id": report_id},
    ).all()
    values = dict(row._mapping)
    return ReportDetail(
        **values,
        contact=Contact(*contact) if contact else None,
        photos=tuple(StaffPhoto(**p._mapping, published=bool(row.photos_public)) for p in photos),
        history=tuple(StaffEvent(*e) for e in events),
    )


# --- a small map of where it is ------------------------------------------------------------------


@dataclass(frozen=True)
class MiniMap:
    """The report's unit and point as SVG (y down, degrees): a map that needs no script nor
    tile server."""

    view_box: str
    unit_path: str
    x: float
    y: float
    radius: float


def mini_map(conn: Connection, report_id: int) -> MiniMap | None:
    """The outline of the report's unit with its point, framed with a margin; the outline
    simplified to what a box a few hundred pixels wide shows (a surveyed boundary has
    thousands of vertices)."""
    row = conn.execute(
        text(
            """
            SELECT ST_AsSVG(ST_SimplifyPreserveTopology(u.geom, greatest(
                     ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b)) / 500), 0, 6) AS path,
              ST_XMin(b) AS x0, ST_YMin(b) AS y0,
              ST_XMax(b) AS x1, ST_YMax(b) AS y1, ST_X(r.geom) AS x, ST_Y(r.geom) AS y
            FROM citizen_report r JOIN admin_unit u ON u.id = r.admin_unit_id,
              LATERAL (SELECT ST_Extent(g)::geometry AS b
                       FROM (VALUES (u.geom), (r.geom)) AS both_(g)) e
            WHERE r.id = :id
            """
        ),
        {"id": report_id},
    ).one_or_none()
    if row is None or row.path is None:
        return None
    width, height = row.x1 - row.x0, row.y1 - row.y0
    margin = max(width, height, 0.002) * 0.08
    side = max(width, height) + 2 * margin
    # A square frame centred on the unit, so the page's square box shows it undistorted.
    cx, cy = (row.x0 + row.x1) / 2, (row.y0 + row.y1) / 2
    view_box = f"{cx - side / 2:.6f} {-cy - side / 2:.6f} {side:.6f} {side:.6f}"
    return MiniMap(view_box, str(row.path), float(row.x), -float(row.y), side / 40)


# --- what the staff pages choose from ------------------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    id: int
    code: str
    name: str
    level: str


def scope_units(conn: Connection, day: dt.date) -> list[UnitChoice]:
    """The districts and wards valid on ``day`` that the caller's scope shows (a ward's staff:
    their units and those inside them), by code: what the queue may be narrowed to."""
    rows = conn.execute(
        text(
            "SELECT id, code, name, level FROM admin_unit WHERE level <> 'city' "
            "AND valid_from <= :d AND (valid_to IS NULL OR valid_to > :d) ORDER BY code"
        ),
        {"d": day},
    ).all()
    return [UnitChoice(int(r.id), str(r.code), str(r.name), str(r.level)) for r in rows]


@dataclass(frozen=True)
class Agency:
    code: str
    name_vi: str
    name_en: str


def agencies(conn: Connection) -> list[Agency]:
    """The agencies a report may be assigned to."""
    rows = conn.execute(text("SELECT code, name_vi, name_en FROM agency ORDER BY name_vi")).all()
    return [Agency(*row) for row in rows]
