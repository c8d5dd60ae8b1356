"""How well reports are handled, per admin unit and period: the figures the dashboard, the public
statistics page and the kiosk show.

A unit's reports are those whose point lies inside its shape (so a unit's figures hold across a
boundary reform, and a district's include its wards'). Hidden reports, spam and duplicates are
not counted: they are not problems the city had to handle. Published figures to compare with:
Hue-S (> 95 % completed, > 90 % satisfied), TP.HCM 1022 (93.8–97.4 % handled on time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from domain.clock import CITY_TZ


@dataclass(frozen=True)
class Figures:
    """A unit's reports received in a period, and how they were handled (None: nothing to
    measure, e.g. no report was due yet)."""

    received: int
    open: int
    overdue: int
    resolved: int
    acknowledged_on_time: float | None  # share of those due or acknowledged
    resolved_on_time: float | None  # share of those due or resolved
    median_hours_to_acknowledge: float | None
    median_hours_to_resolve: float | None
    average_rating: float | None
    rated_4_or_more: float | None  # share of the rated ones
    rated: int

    @property
    def completed(self) -> float | None:
        """Share of the received reports that are closed."""
        return self.resolved / self.received if self.received else None


@dataclass(frozen=True)
class Week:
    start: dt.date  # Monday, in Cần Thơ
    received: int
    resolved: int


_COUNTED = """
    SELECT r.* FROM citizen_report r, (SELECT geom FROM admin_unit WHERE id = :unit) u
    WHERE r.geom && u.geom AND ST_Covers(u.geom, r.geom)
      AND r.reported_at >= :start AND r.reported_at < :end
      AND NOT r.hidden AND r.resolution IS DISTINCT FROM 'spam' AND r.duplicate_of IS NULL
"""


def unit_figures(
    conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> Figures:
    """The figures of the reports received in [start, end) inside the unit, as of ``now``."""
    row = conn.execute(
        text(
            f"""
            WITH r AS ({_COUNTED})
            SELECT count(*) AS received,
              count(*) FILTER (WHERE status <> 'resolved') AS open,
              count(*) FILTER (WHERE status <> 'resolved' AND (
                (status = 'received' AND ack_due < :now) OR resolve_due < :now)) AS overdue,
              count(*) FILTER (WHERE status = 'resolved') AS resolved,
              count(*) FILTER (WHERE acknowledged_at <= ack_due)::float
                / nullif(count(*) FILTER (WHERE acknowledged_at IS NOT NULL
                                            OR ack_due < :now), 0) AS ack_on_time,
              count(*) FILTER (WHERE resolved_at <= resolve_due)::float
                / nullif(count(*) FILTER (WHERE resolved_at IS NOT NULL
                                            OR resolve_due < :now), 0) AS resolved_on_time,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM acknowledged_at - reported_at)) / 3600 AS ack_h,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM resolved_at - reported_at)) / 3600 AS resolve_h,
              avg(rating)::float AS rating,
              count(*) FILTER (WHERE rating >= 4)::float / nullif(count(rating), 0) AS good,
              count(rating) AS rated
            FROM r
            """
        ),
        {"unit": unit_id, "start": start, "end": end, "now": now},
    ).one()
    return Figures(
        received=int(row.received), open=int(row.open), overdue=int(row.overdue),
        resolved=int(row.resolved), acknowledged_on_time=row.ack_on_time,
        resolved_on_time=row.resolved_on_time, median_hours_to_acknowledge=row.ack_h,
        median_hours_to_resolve=row.resolve_h, average_rating=row.rating,
        rated_4_or_more=row.good, rated=int(row.rated),
    )  # fmt: skip


def weekly(conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime) -> list[Week]:
    """Reports received and closed each week (Monday to Sunday in Cần Thơ) in [start, end)."""
    zone = str(CITY_TZ)
    rows = conn.execute(
        text(
            f"""
            WITH r AS ({_COUNTED}),
            weeks AS (
              SELECT generate_series(
                date_trunc('week', CAST(:start AS timestamptz) AT TIME ZONE :zone),
                date_trunc('week', CAST(:end AS timestamptz) AT TIME ZONE :zone
                                   - interval '1 microsecond'),
                interval '1 week') AS week
            )
            SELECT w.week::date AS start,
              (SELECT count(*) FROM r WHERE date_trunc('week', r.reported_at AT TIME ZONE :zone)
                 = w.week) AS received,
              (SELECT count(*) FROM r WHERE date_trunc('week', r.resolved_at AT TIME ZONE :zone)
                 = w.week) AS resolved
            FROM weeks w ORDER BY w.week
            """
        ),
        {"unit": unit_id, "start": start, "end": end, "zone": zone},
    ).all()
    return [Week(row.start, int(row.received), int(row.resolved)) for row in rows]
