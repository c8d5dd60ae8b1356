"""What the Open311 GeoReport v2 API reads of citizens' reports: published reports only.

Every query here reads the public views (``public_report``, ``public_report_event``) and the
category and agency tables, and the route runs them under the public's reader role
(``Scope.public()``): hidden reports, spam, contacts, internal notes and unpublished texts or
photos cannot come out of them, whatever a filter asks. Submissions go through
``geodata.reports.service.submit`` like every other report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from domain import reports as rules

# Kinds of public events whose text is the city's answer to the citizen (status_notes).
REPLY_KINDS = ("reply", "resolved")


@dataclass(frozen=True)
class RequestRow:
    """One published report as Open311 shows it (never a contact, a note or an unpublished
    text or photo)."""

    code: str
    category: str
    category_vi: str
    category_en: str
    status: str
    resolution: str | None
    lon: float
    lat: float
    reported_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    resolve_due: dt.datetime | None
    description: str | None  # None unless published
    agency_vi: str | None
    agency_en: str | None
    duplicate_of: str | None
    photo: str | None  # content hash of the first published photo
    notes: str | None  # the last public reply
    unit_name: str | None  # the admin unit it lies in

    @property
    def closed(self) -> bool:
        return self.status == "resolved"


@dataclass(frozen=True)
class RequestFilter:
    """GET requests' filters: tracking codes (which override the rest), or categories, a time
    range on the moment reported, statuses ("open", "closed"); at most ``limit`` rows."""

    codes: Sequence[str] = ()
    categories: Sequence[str] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: Sequence[str] = ()
    limit: int = 1000


_COLUMNS = f"""r.code, r.category, c.name_vi AS category_vi, c.name_en AS category_en, r.status,
    r.resolution, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, r.reported_at, r.updated_at,
    r.resolved_at, r.resolve_due, r.description, a.name_vi AS agency_vi, a.name_en AS agency_en,
    (SELECT d.code FROM public_report d WHERE d.id = r.duplicate_of) AS duplicate_of,
    r.photos[1] AS photo,
    (SELECT e.body FROM public_report_event e
      WHERE e.report_id = r.id AND e.body IS NOT NULL
        AND e.kind IN ({", ".join(f"'{k}'" for k in REPLY_KINDS)})
      ORDER BY e.at DESC, e.id DESC LIMIT 1) AS notes, u.name AS unit_name"""
_FROM = """FROM public_report r JOIN report_category c ON c.code = r.category
    LEFT JOIN agency a ON a.code = r.agency_code
    LEFT JOIN admin_unit u ON u.id = r.admin_unit_id"""


def requests(conn: Connection, wanted: RequestFilter) -> list[RequestRow]:
    """The published reports the filter names, newest first."""
    clauses: list[str] = []
    params: dict[str, object] = {"limit": wanted.limit}
    if wanted.codes:
        # As typed (codes kept from the flood reports before tracking codes) or normalised.
        clauses.append("r.code = ANY(:codes)")
        params["codes"] = [c.strip() for c in wanted.codes] + [
            rules.normal_code(c) for c in wanted.codes
        ]
    else:
        if wanted.categories:
            clauses.append("r.category = ANY(:categories)")
            params["categories"] = list(wanted.categories)
        if wanted.start is not None:
            clauses.append("r.reported_at >= :start")
            params["start"] = wanted.start
        if wanted.end is not None:
            clauses.append("r.reported_at <= :end")
            params["end"] = wanted.end
        statuses = set(wanted.statuses)
        if statuses == {"open"}:
            clauses.append("r.status <> 'resolved'")
        elif statuses == {"closed"}:
            clauses.append("r.status = 'resolved'")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        text(
            f"SELECT {_COLUMNS} {_FROM} {where} ORDER BY r.reported_at DESC, r.id DESC LIMIT :limit"
        ),
        params,
    ).all()
    return [RequestRow(*row) for row in rows]


def agencies(conn: Connection) -> dict[str, tuple[str, str]]:
    """Every agency's names (Vietnamese, English) by code."""
    rows = conn.execute(text("SELECT code, name_vi, name_en FROM agency")).all()
    return {str(code): (str(vi), str(en)) for code, vi, en in rows}
