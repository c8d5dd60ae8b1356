"""Citizens' reports in the database: what a citizen sends and may do, what staff do, and what
anyone may read of them.

A citizen's submission is checked here whole before anything is written (category, location
inside the city, description length, contact), then routed: to the smallest admin unit valid that
day that contains its point, and to the agency its category names (or the unit's own agency for
that category, the nearest unit up the tree first). Its deadlines are working days after it was
received (``domain.workdays``). Submissions and the citizen's own actions run with the owner's
rights, decided by the server; staff actions run under the caller's database scope, so a ward's
row-level security stops an action on a report outside its units even if a check above missed it.
Every action writes the report's history (public or internal) and the audit log.

Refusals raise :class:`ReportRefused` naming the field and a translation-catalog key, so each
page or API answers in its own language and format.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from domain import reports as rules
from domain.workdays import add_working_days
from geodata.accounts.users import audit
from geodata.errors import GeodataError
from geodata.settings import get_settings, work_calendar


class ReportRefused(GeodataError):
    """A submission or an action that cannot be done: ``field`` names what was wrong, ``key``
    is the catalog key of the message (with ``values`` to fill in)."""

    def __init__(self, field_name: str, key: str, **values: Any) -> None:
        self.field = field_name
        self.key = key
        self.values = values
        super().__init__(f"{field_name}: {key} {values or ''}".strip())


class ReportNotFound(GeodataError):
    """No report with that code or id (or none the caller's scope lets it touch)."""


@dataclass(frozen=True)
class Category:
    code: str
    name_vi: str
    name_en: str
    agency_code: str | None
    ack_days: int
    resolve_days: int
    attributes: list[dict[str, Any]]

    def questions(self, english: bool) -> dict[str, str]:
        """Its attributes' codes and their labels in the language asked for."""
        return {a["code"]: a.get("en" if english else "vi", a["code"]) for a in self.attributes}


@dataclass(frozen=True)
class NewReport:
    """What a citizen sends (from the report page or an Open311 client)."""

    category: str | None
    lon: float | None
    lat: float | None
    description: str = ""
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str = "vi"
    source: str = "web"
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    id: int
    code: str
    unit_code: str | None
    agency_code: str | None
    deadlines: rules.Deadlines


def categories(conn: Connection, active_only: bool = True) -> list[Category]:
    """The categories citizens may choose, in their order."""
    rows = conn.execute(
        text(
            "SELECT code, name_vi, name_en, agency_code, ack_days, resolve_days, attributes "
            "FROM report_category WHERE active OR NOT :active ORDER BY position, code"
        ),
        {"active": active_only},
    ).all()
    return [Category(*row) for row in rows]


def _category(conn: Connection, code: str | None) -> Category:
    if not code:
        raise ReportRefused("category", "report.error.no_category")
    found = next((c for c in categories(conn) if c.code == code), None)
    if found is None:
        raise ReportRefused("category", "report.error.category", value=code)
    return found


def _location(lon: float | None, lat: float | None) -> tuple[float, float]:
    if lon is None or lat is None:
        raise ReportRefused("location", "report.error.no_location")
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ReportRefused("location", "report.error.no_location") from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise ReportRefused("location", "report.error.no_location")
    return x, y


def _check_text(new: NewReport) -> None:
    if len(new.description or "") > rules.MAX_DESCRIPTION:
        raise ReportRefused(
            "description", "report.error.too_long", length=len(new.description),
            limit=rules.MAX_DESCRIPTION,
        )  # fmt: skip
    email = (new.email or "").strip()
    if email and (len(email) > 254 or "@" not in email or " " in email or "." not in email):
        raise ReportRefused("email", "report.error.email", value=email[:80])
    if new.phone and len(new.phone.strip()) > 40:
        raise ReportRefused("phone", "report.error.phone")
    if new.name and len(new.name.strip()) > 200:
        raise ReportRefused("name", "report.error.name")


def _unit_at(conn: Connection, x: float, y: float, day: dt.date) -> tuple[int, str] | None:
    """The smallest admin unit valid on ``day`` that contains the point (None: outside)."""
    row = conn.execute(
        text(
            """
            SELECT id, code FROM admin_unit
            WHERE valid_from <= :day AND (valid_to IS NULL OR valid_to > :day)
              AND geom && ST_SetSRID(ST_MakePoint(:x, :y), 4326)
              AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))
            ORDER BY area_km2 ASC, id LIMIT 1
            """
        ),
        {"x": x, "y": y, "day": day},
    ).one_or_none()
    return (int(row.id), str(row.code)) if row else None


def _agency(conn: Connection, category: Category, unit_id: int) -> str | None:
    """The unit's own agency for the category (the nearest unit up the tree), else the
    category's."""
    found = conn.scalar(
        text(
            """
            WITH RECURSIVE up AS (
              SELECT id, code, parent_id, 0 AS depth FROM admin_unit WHERE id = :unit
              UNION ALL
              SELECT p.id, p.code, p.parent_id, up.depth + 1 FROM admin_unit p
              JOIN up ON p.id = up.parent_id
            )
            SELECT ca.agency_code FROM up
            JOIN category_agency ca ON ca.admin_unit_code = up.code AND ca.category_code = :c
            ORDER BY up.depth LIMIT 1
            """
        ),
        {"unit": unit_id, "c": category.code},
    )
    return str(found) if found else category.agency_code


def deadlines(received: dt.datetime, category: Category) -> rules.Deadlines:
    """When a report of the category received then must be acknowledged and resolved."""
    calendar = work_calendar(get_settings())
    return rules.Deadlines(
        add_working_days(received, category.ack_days, calendar=calendar),
        add_working_days(received, category.resolve_days, calendar=calendar),
    )


def check(conn: Connection, new: NewReport, today: dt.date) -> tuple[Category, int, str]:
    """Everything about a submission that can be refused, before anything is written: its
    category, its point (inside the city on ``today``) and its texts. Returns the category and
    the unit it belongs to."""
    category = _category(conn, new.category)
    x, y = _location(new.lon, new.lat)
    _check_text(new)
    unit = _unit_at(conn, x, y, today)
    if unit is None:
        raise ReportRefused("location", "report.error.outside")
    _check_attributes(category, new.attributes)
    return category, *unit


def _check_attributes(category: Category, attributes: dict[str, Any]) -> None:
    known = {a["code"]: a for a in category.attributes}
    for code, value in attributes.items():
        spec = known.get(code)
        if spec is None:
            raise ReportRefused(f"attribute[{code}]", "report.error.attribute", code=code)
        if spec.get("datatype") == "number" and value not in (None, ""):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ReportRefused(
                    f"attribute[{code}]", "report.error.number", code=code, value=str(value)[:40]
                ) from None
            if not math.isfinite(number) or number < 0:
                raise ReportRefused(
                    f"attribute[{code}]", "report.error.number", code=code, value=str(value)[:40]
                )
    for code, spec in known.items():
        if spec.get("required") and attributes.get(code) in (None, ""):
            raise ReportRefused(f"attribute[{code}]", "report.error.required", code=code)


def submit(
    conn: Connection,
    new: NewReport,
    now: dt.datetime,
    today: dt.date,
    address: str | None = None,
    *,
    api_key: str | None = None,
) -> Submitted:
    """Check and store a citizen's report (with the owner's rights: the caller has checked the
    request itself), its contact apart, and its first event; nothing is written on a refusal.
    ``api_key``: the label of the Open311 API key it came through, noted in the audit log."""
    category, unit_id, unit_code = check(conn, new, today)
    x, y = _location(new.lon, new.lat)
    agency = _agency(conn, category, unit_id)
    due = deadlines(now, category)
    depth = new.attributes.get("depth_cm")
    for _ in range(5):  # a tracking code already taken (rare): draw another
        code = rules.new_tracking_code()
        # ON CONFLICT on the code alone (no savepoint per report): a taken code inserts nothing
        # and returns no id; any other refusal of the database still raises.
        report_id = conn.scalar(
            text(
                """
                INSERT INTO citizen_report (code, source, geom, admin_unit_id,
                  reported_at, depth_cm, description, category, attributes, agency_code,
                  ack_due, resolve_due)
                VALUES (:code, :source, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :unit,
                  :now, :depth, :description, :category, CAST(:attributes AS jsonb),
                  :agency, :ack_due, :resolve_due)
                ON CONFLICT (code) DO NOTHING
                RETURNING id
                """
            ),
            {"code": code, "source": new.source, "x": x, "y": y, "unit": unit_id,
             "now": now, "depth": None if depth in (None, "") else float(depth),
             "description": (new.description or "").strip() or None,
             "category": category.code, "attributes": json.dumps(new.attributes),
             "agency": agency, "ack_due": due.acknowledge,
             "resolve_due": due.resolve},
        )  # fmt: skip
        if report_id is not None:
            break
    else:  # pragma: no cover - five repeats of an 8-billion draw
        raise RuntimeError("could not draw a free tracking code")
    if new.name or new.phone or new.email:
        conn.execute(
            text(
                "INSERT INTO report_contact (report_id, name, phone, email, language) "
                "VALUES (:r, :n, :p, :e, :l)"
            ),
            {"r": report_id, "n": (new.name or "").strip() or None,
             "p": (new.phone or "").strip() or None, "e": (new.email or "").strip() or None,
             "l": new.language},
        )  # fmt: skip
    _event(conn, int(report_id), "received", None, True, now=now)
    detail = {"report": code, "category": category.code, "unit": unit_code}
    if api_key is not None:
        detail |= {"source": new.source, "api_key": api_key}
    audit(conn, "report_submit", "success", None, address, detail)
    return Submitted(int(report_id), code, unit_code, agency, due)


def add_photos(conn: Connection, report_id: int, photos: Sequence[Any]) -> None:
    """Record a report's photos (objects with sha256, mime, width, height, size, thumb_sha256;
    the files are stored by ``geodata.reports.photos``)."""
    if len(photos) > rules.MAX_PHOTOS:
        raise ReportRefused("photos", "report.error.photos", limit=rules.MAX_PHOTOS)
    for position, photo in enumerate(photos):
        conn.execute(
            text(
                "INSERT INTO report_photo (report_id, position, sha256, mime, width, height, "
                "size, thumb_sha256) VALUES (:r, :p, :sha, :mime, :w, :h, :size, :thumb)"
            ),
            {"r": report_id, "p": position, "sha": photo.sha256, "mime": photo.mime,
             "w": photo.width, "h": photo.height, "size": photo.size,
             "thumb": photo.thumb_sha256},
        )  # fmt: skip


def _event(
    conn: Connection,
    report_id: int,
    kind: str,
    actor: str | None,
    public: bool,
    body: str | None = None,
    detail: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO report_event (report_id, at, kind, actor, public, body, detail) "
            "VALUES (:r, coalesce(:at, now()), :k, :a, :p, :b, CAST(:d AS jsonb))"
        ),
        {"r": report_id, "at": now, "k": kind, "a": actor, "p": public, "b": body,
         "d": json.dumps(detail or {})},
    )  # fmt: skip


# --- what anyone may read ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReport:
    """A report as anyone may see it: never a contact, a note or an unpublished text."""

    id: int
    code: str
    category: str
    status: str
    resolution: str | None
    lon: float
    lat: float
    unit_code: str | None
    unit_name: str | None
    reported_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    ack_due: dt.datetime | None
    resolve_due: dt.datetime | None
    description: str | None
    supporters: int
    rating: int | None
    duplicate_of: str | None
    photos: tuple[str, ...] = ()  # content hashes of the published photos
    agency_code: str | None = None  # the agency handling it
    # The published answers to the category's questions (``public_report``, migration 0015).
    attributes: dict[str, Any] = field(default_factory=dict)


_PUBLIC_COLUMNS = """r.id, r.code, r.category, r.status, r.resolution, ST_X(r.geom) AS lon,
    ST_Y(r.geom) AS lat, u.code AS unit_code, u.name AS unit_name, r.reported_at,
    r.acknowledged_at, r.resolved_at, r.ack_due, r.resolve_due, r.description, r.supporters,
    r.rating, (SELECT d.code FROM public_report d WHERE d.id = r.duplicate_of) AS duplicate_of,
    r.photos, r.agency_code, r.attributes"""


def _public(row: Any) -> PublicReport:
    values = row._mapping
    return PublicReport(
        **{**values, "photos": tuple(values["photos"] or ()),
           "attributes": dict(values["attributes"] or {})}
    )  # fmt: skip


def nearby_open(
    conn: Connection, category: str, lon: float, lat: float, metres: float = rules.NEARBY_METRES
) -> list[PublicReport]:
    """Open reports of the category within ``metres`` of the point, nearest first ("Đã có người
    phản ánh?")."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_PUBLIC_COLUMNS} FROM public_report r
            LEFT JOIN admin_unit u ON u.id = r.admin_unit_id
            WHERE r.category = :c AND r.status <> 'resolved' AND r.duplicate_of IS NULL
              AND ST_DWithin(r.geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography,
                             :m)
            ORDER BY r.geom <-> ST_SetSRID(ST_MakePoint(:x, :y), 4326) LIMIT 10
            """
        ),
        {"c": category, "x": lon, "y": lat, "m": metres},
    ).all()
    return [_public(r) for r in rows]


def public_report(conn: Connection, code: str) -> PublicReport | None:
    row = conn.execute(
        text(
            f"""SELECT {_PUBLIC_COLUMNS} FROM public_report r
                LEFT JOIN admin_unit u ON u.id = r.admin_unit_id WHERE r.code = :code"""
        ),
        {"code": rules.normal_code(code)},
    ).one_or_none()
    return _public(row) if row else None


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    kind: str
    body: str | None  # a public reply's text; None for a status change


def public_history(conn: Connection, report_id: int) -> list[PublicEvent]:
    """The report's public events, oldest first (never an internal note or who acted)."""
    rows = conn.execute(
        text("SELECT at, kind, body FROM public_report_event WHERE report_id = :r ORDER BY at, id"),
        {"r": report_id},
    ).all()
    return [PublicEvent(*row) for row in rows]


def agency_names(conn: Connection) -> dict[str, tuple[str, str]]:
    """Every agency's Vietnamese and English name, by code (anyone may read them)."""
    rows = conn.execute(text("SELECT code, name_vi, name_en FROM agency")).all()
    return {row.code: (row.name_vi, row.name_en) for row in rows}


@dataclass(frozen=True)
class StoredPhoto:
    """A report's photo as the database knows it (the files are ``geodata.reports.photos``')."""

    sha256: str
    thumb_sha256: str
    mime: str
    width: int
    height: int


def report_photos(conn: Connection, code: str) -> list[StoredPhoto]:
    """The photos of the report ``code``, in order, published or not: run it under the caller's
    data scope (a ward's row-level security keeps out reports outside its units), or with the
    owner's rights only for photos already known to be published (``PublicReport.photos``)."""
    rows = conn.execute(
        text(
            "SELECT p.sha256, p.thumb_sha256, p.mime, p.width, p.height FROM report_photo p "
            "JOIN citizen_report r ON r.id = p.report_id WHERE r.code = :code "
            "ORDER BY p.position"
        ),
        {"code": rules.normal_code(code)},
    ).all()
    return [StoredPhoto(*row) for row in rows]


# --- what the citizen may do ---------------------------------------------------------------------


def support(conn: Connection, code: str, now: dt.datetime, address: str | None = None) -> None:
    """A citizen adds themself to an open report instead of sending a duplicate."""
    report_id = conn.scalar(
        text(
            "UPDATE citizen_report SET supporters = supporters + 1, updated_at = :now "
            "WHERE code = :code AND status <> 'resolved' AND NOT hidden RETURNING id"
        ),
        {"code": rules.normal_code(code), "now": now},
    )
    if report_id is None:
        raise ReportNotFound(code)
    _event(conn, int(report_id), "supported", None, True, now=now)
    audit(conn, "report_support", "success", None, address, {"report": code})


def rate(
    conn: Connection,
    code: str,
    rating: int,
    comment: str | None,
    now: dt.datetime,
    address: str | None = None,
) -> None:
    """The citizen's rating of a resolved report (1–5 and a comment), once."""
    if rating not in rules.RATINGS:
        raise ReportRefused("rating", "report.error.rating")
    if comment and len(comment) > rules.MAX_DESCRIPTION:
        raise ReportRefused("comment", "report.error.too_long", length=len(comment),
                            limit=rules.MAX_DESCRIPTION)  # fmt: skip
    row = conn.execute(
        text("SELECT id, status, rating FROM citizen_report WHERE code = :code AND NOT hidden"),
        {"code": rules.normal_code(code)},
    ).one_or_none()
    if row is None:
        raise ReportNotFound(code)
    if row.status != "resolved":
        raise ReportRefused("rating", "report.error.not_resolved")
    if row.rating is not None:
        raise ReportRefused("rating", "report.error.rated")
    conn.execute(
        text(
            "UPDATE citizen_report SET rating = :r, rating_comment = :c, rated_at = :now, "
            "updated_at = :now WHERE id = :id"
        ),
        {"r": rating, "c": (comment or "").strip() or None, "now": now, "id": row.id},
    )
    _event(conn, int(row.id), "rated", None, True, detail={"rating": rating}, now=now)
    audit(conn, "report_rate", "success", None, address, {"report": code, "rating": rating})


def reopen_by_citizen(
    conn: Connection, code: str, reason: str | None, now: dt.datetime, address: str | None = None
) -> None:
    """The citizen reopens a resolved report within REOPEN_DAYS days: not fixed after all."""
    row = conn.execute(
        text(
            "SELECT id, status, resolved_at, resolution FROM citizen_report "
            "WHERE code = :code AND NOT hidden"
        ),
        {"code": rules.normal_code(code)},
    ).one_or_none()
    if row is None:
        raise ReportNotFound(code)
    if row.resolution in ("spam", rules.DUPLICATE) or not rules.may_reopen(
        row.status, row.resolved_at, now
    ):
        raise ReportRefused("reopen", "report.error.reopen", days=rules.REOPEN_DAYS)
    _reopen(conn, int(row.id), None, reason, now)
    audit(conn, "report_reopen", "success", None, address, {"report": code})


def _reopen(
    conn: Connection, report_id: int, actor: str | None, reason: str | None, now: dt.datetime
) -> None:
    conn.execute(
        text(
            "UPDATE citizen_report SET status = 'acknowledged', resolution = NULL, "
            "resolved_at = NULL, reopened_at = :now, rating = NULL, rating_comment = NULL, "
            "rated_at = NULL, updated_at = :now WHERE id = :id"
        ),
        {"id": report_id, "now": now},
    )
    _event(conn, report_id, "reopened", actor, True, (reason or "").strip() or None, now=now)


# --- what staff do -------------------------------------------------------------------------------

ACTIONS = (
    "acknowledge", "assign", "recategorise", "duplicate", "publish", "reply", "note", "resolve",
    "reopen",
)  # fmt: skip


@dataclass(frozen=True)
class Action:
    """One staff action on a report. Which fields count depends on ``kind``."""

    kind: str
    agency: str | None = None  # assign
    assignee: str | None = None  # assign
    category: str | None = None  # recategorise
    duplicate_of: str | None = None  # duplicate: the other report's tracking code
    description_public: bool | None = None  # publish
    photos_public: bool | None = None  # publish
    hidden: bool | None = None  # publish (hide the whole report)
    text: str | None = None  # reply, note, resolve, reopen
    resolution: str | None = None  # resolve


def act(
    conn: Connection,
    report_id: int,
    action: Action,
    actor: str,
    now: dt.datetime,
    address: str | None = None,
) -> None:
    """Do a staff action under the caller's database scope (row-level security keeps a ward to
    its units: a report outside them is "not found"); its event and audit entry are written."""
    row = conn.execute(
        text(
            "SELECT id, code, status, category, reported_at, admin_unit_id FROM citizen_report "
            "WHERE id = :id FOR UPDATE"
        ),
        {"id": report_id},
    ).one_or_none()
    if row is None:
        raise ReportNotFound(str(report_id))
    body = (action.text or "").strip() or None
    if body and len(body) > rules.MAX_DESCRIPTION:
        raise ReportRefused("text", "report.error.too_long", length=len(body),
                            limit=rules.MAX_DESCRIPTION)  # fmt: skip
    sets: dict[str, Any] = {}
    public = True
    detail: dict[str, Any] = {}
    match action.kind:
        case "acknowledge":
            if row.status != "received":
                raise ReportRefused("action", "report.error.state", status=row.status)
            sets = {"status": "acknowledged", "acknowledged_at": now}
            kind = "acknowledged"
        case "assign":
            if not (action.agency or action.assignee):
                raise ReportRefused("assignee", "report.error.assignee")
            if action.agency and not conn.scalar(
                text("SELECT EXISTS (SELECT 1 FROM agency WHERE code = :a)"), {"a": action.agency}
            ):
                raise ReportRefused("agency", "report.error.agency", value=action.agency)
            if row.status == "resolved":
                raise ReportRefused("action", "report.error.state", status=row.status)
            sets = {"status": "in_progress", "assignee": action.assignee}
            if action.agency:
                sets["agency_code"] = action.agency
            if row.status == "received":
                sets["acknowledged_at"] = now
            kind, detail = "assigned", {"agency": action.agency, "assignee": action.assignee}
        case "recategorise":
            # The new category's deadlines, counted from when the report arrived; and its
            # agency, while nobody has been assigned (an assignment is the staff's own choice).
            category = _category(conn, action.category)
            due = deadlines(row.reported_at, category)
            sets = {"category": category.code, "ack_due": due.acknowledge,
                    "resolve_due": due.resolve}  # fmt: skip
            if row.status in ("received", "acknowledged"):
                sets["agency_code"] = (
                    _agency(conn, category, int(row.admin_unit_id))
                    if row.admin_unit_id is not None
                    else category.agency_code
                )
            kind = "recategorised"
            detail = {"from": row.category, "to": category.code}
        case "duplicate":
            other = conn.scalar(
                text("SELECT id FROM citizen_report WHERE code = :c"),
                {"c": rules.normal_code(action.duplicate_of or "")},
            )
            if other is None or int(other) == report_id:
                raise ReportRefused("duplicate_of", "report.error.duplicate",
                                    value=action.duplicate_of or "")  # fmt: skip
            # A duplicate is closed here and handled as the other report.
            sets = {"duplicate_of": int(other), "status": "resolved",
                    "resolution": rules.DUPLICATE, "resolved_at": now}  # fmt: skip
            kind, detail = "duplicate", {"of": rules.normal_code(action.duplicate_of or "")}
        case "publish":
            for name in ("description_public", "photos_public", "hidden"):
                value = getattr(action, name)
                if value is not None:
                    sets[name] = bool(value)
            if not sets:
                raise ReportRefused("publish", "report.error.publish")
            kind = "hidden" if sets.get("hidden") else "published"
            public, detail = False, dict(sets)
        case "reply":
            if not body:
                raise ReportRefused("text", "report.error.empty")
            kind = "reply"
        case "note":
            if not body:
                raise ReportRefused("text", "report.error.empty")
            kind, public = "note", False
        case "resolve":
            if action.resolution not in rules.RESOLUTIONS:
                raise ReportRefused("resolution", "report.error.resolution",
                                    value=action.resolution or "")  # fmt: skip
            if row.status == "resolved":
                raise ReportRefused("action", "report.error.state", status=row.status)
            sets = {"status": "resolved", "resolution": action.resolution, "resolved_at": now}
            if row.status == "received":
                sets["acknowledged_at"] = now
            kind, detail = "resolved", {"resolution": action.resolution}
        case "reopen":
            if row.status != "resolved":
                raise ReportRefused("action", "report.error.state", status=row.status)
            _reopen(conn, report_id, actor, body, now)
            audit(conn, "report_reopen", "success", actor, address, {"report": row.code})
            return
        case _:
            raise ReportRefused("action", "report.error.action", value=action.kind)
    if sets:
        assignments = ", ".join(f"{name} = :{name}" for name in sets)
        done = conn.scalar(
            text(
                f"UPDATE citizen_report SET {assignments}, updated_at = :updated "
                "WHERE id = :id RETURNING id"
            ),
            {**sets, "updated": now, "id": report_id},
        )
        if done is None:  # row-level security: not in the caller's units
            raise ReportNotFound(str(report_id))
    _event(conn, report_id, kind, actor, public, body, detail, now=now)
    audit(conn, f"report_{action.kind}", "success", actor, address,
          {"report": row.code, **{k: v for k, v in detail.items() if v is not None}})  # fmt: skip
