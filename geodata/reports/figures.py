"""How well reports are handled, per admin unit and period: the figures the dashboard, the public
statistics page and the kiosk show.

A unit's reports are those whose point lies inside its shape (so a unit's figures hold across a
boundary reform, and a district's include its wards'); the ones routed to the unit or a unit below
it are inside it by the hierarchy and need no geometry test. Hidden reports, spam and duplicates
are not counted: they are not problems the city had to handle. The figures read ``public_report``,
the view anyone may read, so they are the same whoever asks (the public, a ward's staff, an
official) and nothing personal goes into them. Published figures to compare with: Hue-S (> 95 %
completed, > 90 % satisfied), TP.HCM 1022 (93.8–97.4 % handled on time).

Times to acknowledge and to resolve are counted in working days (``domain.workdays``), as the
deadlines are: a report received on Friday afternoon and acknowledged on Monday morning waited well
under one working day, not three calendar days. The database measures them with a working clock the
server passes in: for each day of the period, the working days before it and whether it is worked
(so the holiday calendar and the settings' extra days stay in one place, Python).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from domain.clock import CITY_TZ
from domain.report_figures import Figures, Week
from domain.workdays import WorkCalendar
from geodata.settings import get_settings, work_calendar

# The unit's reports received in the period: those routed to the unit or a unit below it (inside
# it by the hierarchy: found through the index on the report's unit and time, no geometry
# test), and those routed to any other unit whose box meets the unit's (an ancestor, a neighbour,
# a unit of before a boundary reform) or to none, if their point lies inside the unit's shape.
_COUNTED = """
    WITH RECURSIVE below AS (
      SELECT id FROM admin_unit WHERE id = :unit
      UNION SELECT c.id FROM admin_unit c JOIN below b ON c.parent_id = b.id
    ),
    shape AS (SELECT geom FROM admin_unit WHERE id = :unit),
    around AS (
      SELECT array_agg(u.id) AS ids FROM admin_unit u, shape
      WHERE u.geom && shape.geom AND u.id NOT IN (SELECT id FROM below)
    )
    SELECT {columns} FROM public_report r
    WHERE r.admin_unit_id = ANY (ARRAY(SELECT id FROM below))
      AND r.reported_at >= :start AND r.reported_at < :end AND r.duplicate_of IS NULL
    UNION ALL
    SELECT {columns} FROM (
      -- OFFSET 0 keeps this apart: found by unit and time first (the index), not by the shape's
      -- box, which holds every report when the unit is the city.
      SELECT r.* FROM public_report r
      WHERE (r.admin_unit_id = ANY ((SELECT ids FROM around)::bigint[])
             OR r.admin_unit_id IS NULL)
        AND r.reported_at >= :start AND r.reported_at < :end AND r.duplicate_of IS NULL
      OFFSET 0
    ) r, shape
    WHERE ST_Covers(shape.geom, r.geom)
""".format(
    columns="r.reported_at, r.status, r.acknowledged_at, r.resolved_at, r.ack_due, "
    "r.resolve_due, r.rating"
)


def _working_clock(
    calendar: WorkCalendar, first: dt.date, last: dt.date
) -> tuple[list[int], list[bool]]:
    """For each day from ``first`` to ``last``: the working days before it (from ``first``)
    and whether it is worked. A moment's working time is then the first plus, on a worked day,
    the part of its day gone: the difference of two such is ``working_days_between``."""
    before, worked, count = [], [], 0
    day = first
    while day <= last:
        works = calendar.is_working_day(day)
        before.append(count)
        worked.append(works)
        count += works
        day += dt.timedelta(days=1)
    return before, worked


def _work_time(moment: str) -> str:
    """SQL: the working days from the clock's first day to the moment ``moment`` (see
    _working_clock), given as its Cần Thơ seconds ``s_<moment>`` and day ``d_<moment>`` (read
    once per report in the query below). Plain arithmetic on seconds (Cần Thơ keeps UTC+7 all
    year): a time zone looked up per row costs more than the rest of the figures together."""
    seconds, day = f"r.s_{moment}", f"r.d_{moment}"
    index = f"({day} - :first + 1)"
    return (
        f"clock.before[{index}] + CASE WHEN clock.worked[{index}] "
        f"THEN ({seconds} - {day} * 86400.0) / 86400 ELSE 0 END"
    )


# Each report's moments as Cần Thơ seconds since the epoch and their day number, computed once.
_LOCAL_MOMENTS = ", ".join(
    f"date_part('epoch', c.{column}) + :offset AS s_{name}, "
    f"CAST(floor((date_part('epoch', c.{column}) + :offset) / 86400) AS integer) AS d_{name}"
    for name, column in (("rep", "reported_at"), ("ack", "acknowledged_at"), ("res", "resolved_at"))
)


def unit_figures(
    conn: Connection,
    unit_id: int,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> Figures:
    """The figures of the reports received in [start, end) inside the unit, as of ``now``."""
    calendar = calendar or work_calendar(get_settings())
    first = start.astimezone(CITY_TZ).date() - dt.timedelta(days=1)
    last = max(now, end).astimezone(CITY_TZ).date() + dt.timedelta(days=1)
    before, worked = _working_clock(calendar, first, last)
    reported, acknowledged, resolved = (_work_time(m) for m in ("rep", "ack", "res"))
    row = conn.execute(
        text(
            f"""
            SELECT count(*) AS received,
              count(*) FILTER (WHERE status <> 'resolved') AS open,
              count(*) FILTER (WHERE status <> 'resolved' AND (
                (status = 'received' AND ack_due < :now) OR resolve_due < :now)) AS overdue,
              count(*) FILTER (WHERE status = 'resolved') AS resolved,
              count(*) FILTER (WHERE acknowledged_at <= ack_due) AS ack_on_time,
              count(*) FILTER (WHERE acknowledged_at IS NOT NULL OR ack_due < :now)
                AS ack_measured,
              count(*) FILTER (WHERE resolved_at <= resolve_due) AS resolved_on_time,
              count(*) FILTER (WHERE resolved_at IS NOT NULL OR resolve_due < :now)
                AS resolve_measured,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ({acknowledged}) - ({reported}))
                AS ack_days,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ({resolved}) - ({reported}))
                AS resolve_days,
              avg(rating)::float AS rating,
              count(*) FILTER (WHERE rating >= 4) AS good,
              count(rating) AS rated
            FROM (SELECT c.*, {_LOCAL_MOMENTS} FROM ({_COUNTED}) c OFFSET 0) r,
              -- Cast once: a parameter cast in the expressions would be converted for each row.
              (SELECT CAST(:before AS integer[]) AS before,
                      CAST(:worked AS boolean[]) AS worked OFFSET 0) clock
            """
        ),
        {"unit": unit_id, "start": start, "end": end, "now": now,
         "offset": _offset_seconds(now), "first": (first - _EPOCH).days, "before": before,
         "worked": worked},
    ).one()  # fmt: skip

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return Figures(
        received=int(row.received), open=int(row.open), overdue=int(row.overdue),
        resolved=int(row.resolved),
        acknowledged_on_time=share(row.ack_on_time, row.ack_measured),
        resolved_on_time=share(row.resolved_on_time, row.resolve_measured),
        median_days_to_acknowledge=_days(row.ack_days),
        median_days_to_resolve=_days(row.resolve_days),
        average_rating=row.rating, rated_4_or_more=share(row.good, row.rated),
        rated=int(row.rated), ack_measured=int(row.ack_measured),
        resolve_measured=int(row.resolve_measured),
    )  # fmt: skip


_EPOCH = dt.date(1970, 1, 1)


def _offset_seconds(now: dt.datetime) -> int:
    offset = now.astimezone(CITY_TZ).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _days(value: float | None) -> float | None:
    # Floating-point noise of the day fractions (a whole 1.0 read as 0.9999999999).
    return None if value is None else round(float(value), 9)


def weekly(conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime) -> list[Week]:
    """Reports received and closed each week (Monday to Sunday in Cần Thơ) in [start, end), of
    those received in the period. One pass: each report's weeks (counted from the period's first
    Monday, in seconds: no time zone looked up per row), grouped both ways at once."""
    first = start.astimezone(CITY_TZ).date()
    first -= dt.timedelta(days=first.weekday())
    last = (end - dt.timedelta(microseconds=1)).astimezone(CITY_TZ).date()
    count = (last - first).days // 7 + 1
    rows = conn.execute(
        text(
            f"""
            SELECT GROUPING(came) AS by_closed, came, closed, count(*) AS n FROM (
              SELECT CAST(floor((date_part('epoch', r.reported_at) + :offset - :monday)
                                / 604800) AS integer) AS came,
                     CAST(floor((date_part('epoch', r.resolved_at) + :offset - :monday)
                                / 604800) AS integer) AS closed
              FROM ({_COUNTED}) r
            ) w
            GROUP BY GROUPING SETS ((came), (closed))
            """
        ),
        {"unit": unit_id, "start": start, "end": end, "offset": _offset_seconds(end),
         "monday": (first - _EPOCH).days * 86400},
    ).all()  # fmt: skip
    came = {r.came: int(r.n) for r in rows if not r.by_closed}
    closed = {r.closed: int(r.n) for r in rows if r.by_closed and r.closed is not None}
    return [
        Week(first + dt.timedelta(weeks=k), came.get(k, 0), closed.get(k, 0)) for k in range(count)
    ]


def last_days(now: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    """The period of the last ``days`` days up to ``now``: from the start of the day ``days - 1``
    days before today (in Cần Thơ) to ``now``, so "30 days" is today and the 29 before."""
    today = now.astimezone(CITY_TZ).date()
    first = today - dt.timedelta(days=days - 1)
    return dt.datetime.combine(first, dt.time(0), tzinfo=CITY_TZ), now
