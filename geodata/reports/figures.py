"""How well reports are handled, per admin unit and period: the figures the dashboard, the public
statistics page and the kiosk show.

A unit's reports are those whose point lies inside its shape (so a unit's figures hold across a
boundary reform, and a district's include its wards'), and those routed to the unit or a unit
below it (inside it by the hierarchy, wherever their point). Hidden reports, spam and duplicates
are not counted: they are not problems the city had to handle. The figures read ``public_report``,
the view anyone may read, so they are the same whoever asks (the public, a ward's staff, an
official) and nothing personal goes into them. Published figures to compare with: Hue-S (> 95 %
completed, > 90 % satisfied), TP.HCM 1022 (93.8–97.4 % handled on time).

**Read from a daily rollup.** A city's year is 100,000 reports at city scale; reading them all
took 240 ms. ``report_rollup`` (migration 0014) holds, per unit and Cần Thơ day, everything the
figures need of the reports received that day, with the open ones' deadlines kept as moments so
that "overdue as of now" is still worked out at reading time. A period reads the rollup for its
whole days and the reports themselves for the parts of a day at its ends (today, up to now).
Writes queue what they touch (triggers); reading first rolls the queue up
(:func:`refresh_rollup`), so figures are never stale, and a boundary change recomputes only the
units it touches.

**Working days.** Times to acknowledge and to resolve are counted in working days
(``domain.workdays``), as the deadlines are: a report received on Friday afternoon and
acknowledged on Monday morning waited well under one working day, not three calendar days. The
database measures them with a working clock the server passes in: for each day of the span, the
working days before it and whether it is worked (so the holiday calendar and the settings' extra
days stay in one place, Python; the rollup records which calendar it used and is recomputed if it
changes). Each time is rounded to a tenth of a working day (the pages show one decimal), and the
medians are those of the rounded times: exact for the shown decimal when the count is odd, within
0.05 day of the exact median when it is even.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import holidays
from sqlalchemy import Connection, text

from domain.clock import CITY_TZ
from domain.report_figures import Figures, Week
from domain.workdays import WorkCalendar
from geodata.db import scope, writer_for
from geodata.monitoring.cache import kept, now_key
from geodata.settings import get_settings, work_calendar

_EPOCH = dt.date(1970, 1, 1)
_OFFSET = 7 * 3600  # Cần Thơ keeps UTC+7 all year: local seconds without a time zone per row


# The unit's reports received in [start, end): those routed to the unit or a unit below it
# (inside it by the hierarchy: found through the index on the report's unit and time, no
# geometry test), and those routed to any other unit whose box meets the unit's (an ancestor, a
# neighbour, a unit of before a boundary reform) or to none, if their point lies inside the
# unit's shape.
def _counted(edge: str) -> str:
    """SQL: those reports, the period's bounds named ``:start<edge>`` and ``:end<edge>`` (one
    query reads the parts of a day at both ends of a period)."""
    start, end = f":start{edge}", f":end{edge}"
    return f"""
    WITH RECURSIVE below AS (
      SELECT id FROM admin_unit WHERE id = :unit
      UNION SELECT c.id FROM admin_unit c JOIN below b ON c.parent_id = b.id
    ),
    shape AS (SELECT geom FROM admin_unit WHERE id = :unit),
    around AS (
      SELECT array_agg(u.id) AS ids FROM admin_unit u, shape
      WHERE u.geom && shape.geom AND u.id NOT IN (SELECT id FROM below)
    )
    SELECT CAST(:unit AS bigint) AS unit_id, r.* FROM public_report r
    WHERE r.admin_unit_id = ANY (ARRAY(SELECT id FROM below))
      AND r.reported_at >= {start} AND r.reported_at < {end} AND r.duplicate_of IS NULL
    UNION ALL
    SELECT CAST(:unit AS bigint), r.* FROM (
      -- OFFSET 0 keeps this apart: found by unit and time first (the index), not by the shape's
      -- box, which holds every report when the unit is the city.
      SELECT r.* FROM public_report r
      WHERE (r.admin_unit_id = ANY ((SELECT ids FROM around)::bigint[])
             OR r.admin_unit_id IS NULL)
        AND r.reported_at >= {start} AND r.reported_at < {end} AND r.duplicate_of IS NULL
      OFFSET 0
    ) r, shape
    WHERE ST_Covers(shape.geom, r.geom)
"""


# Every counted report of the chosen days (or all) with each unit it counts for: the units above
# the one it is routed to, and the units whose shape holds its point (other eras' included).
_MEMBERS = """
    WITH RECURSIVE above AS (
      SELECT id AS unit_id, id AS routed FROM admin_unit
      UNION SELECT u.parent_id, a.routed FROM above a JOIN admin_unit u ON u.id = a.unit_id
      WHERE u.parent_id IS NOT NULL
    ),
    r AS MATERIALIZED (
      SELECT r.* FROM public_report r
      WHERE r.duplicate_of IS NULL AND ({which})
    ),
    chosen AS (
      SELECT id FROM admin_unit
      WHERE CAST(:units AS bigint[]) IS NULL OR id = ANY (CAST(:units AS bigint[]))
    ),
    pairs AS (
      SELECT a.unit_id, r.id FROM r JOIN above a ON a.routed = r.admin_unit_id
      WHERE a.unit_id IN (SELECT id FROM chosen)
      UNION SELECT u.id, r.id FROM r JOIN admin_unit u ON ST_Covers(u.geom, r.geom)
      WHERE u.id IN (SELECT id FROM chosen)
    )
    SELECT p.unit_id, r.* FROM pairs p JOIN r ON r.id = p.id
"""


def _work_time(moment: str, edge: str = "") -> str:
    """SQL: the working days from the clock's first day to the moment ``moment`` (see
    _working_clock, whose parameters end in ``edge``), given as its Cần Thơ seconds
    ``s_<moment>`` and day ``d_<moment>`` (read once per report in the query below). Plain
    arithmetic on seconds: a time zone looked up per row costs more than the rest of the figures
    together."""
    seconds, day = f"m.s_{moment}", f"m.d_{moment}"
    index = f"({day} - :first{edge} + 1)"
    return (
        f"clock.before[{index}] + CASE WHEN clock.worked[{index}] "
        f"THEN ({seconds} - {day} * 86400.0) / 86400 ELSE 0 END"
    )


# Each report's moments as Cần Thơ seconds since the epoch and their day number, computed once.
_LOCAL_MOMENTS = ", ".join(
    f"date_part('epoch', c.{column}) + {_OFFSET} AS s_{name}, "
    f"CAST(floor((date_part('epoch', c.{column}) + {_OFFSET}) / 86400) AS integer) AS d_{name}"
    for name, column in (("rep", "reported_at"), ("ack", "acknowledged_at"), ("res", "resolved_at"))
)


def _aggregate(members: str, edge: str = "") -> str:
    """SQL: ``report_rollup``'s columns for each unit and day of ``members`` (rows of
    ``unit_id`` and a ``public_report`` row), with the working clock's parameters (their names
    ending in ``edge``: :func:`_clock_params`)."""
    reported, acknowledged, resolved = (_work_time(m, edge) for m in ("rep", "ack", "res"))
    return f"""
      WITH m AS MATERIALIZED (
        SELECT m.*,
          CAST(round((({acknowledged}) - ({reported})) * 10) AS integer) AS ack_t,
          CAST(round((({resolved}) - ({reported})) * 10) AS integer) AS res_t
        FROM (SELECT c.*, {_LOCAL_MOMENTS} FROM ({members}) c OFFSET 0) m,
          -- Cast once: a parameter cast in the expressions would be converted for each row.
          (SELECT CAST(:before{edge} AS integer[]) AS before,
                  CAST(:worked{edge} AS boolean[]) AS worked OFFSET 0) clock
      ),
      hist_ack AS (
        SELECT unit_id, d_rep, array_agg(t ORDER BY t) AS ts, array_agg(n ORDER BY t) AS ns
        FROM (SELECT unit_id, d_rep, ack_t AS t, count(*) AS n FROM m
              WHERE ack_t IS NOT NULL GROUP BY 1, 2, 3) h GROUP BY 1, 2
      ),
      hist_res AS (
        SELECT unit_id, d_rep, array_agg(t ORDER BY t) AS ts, array_agg(n ORDER BY t) AS ns
        FROM (SELECT unit_id, d_rep, res_t AS t, count(*) AS n FROM m
              WHERE res_t IS NOT NULL GROUP BY 1, 2, 3) h GROUP BY 1, 2
      ),
      closing AS (
        SELECT unit_id, d_rep, array_agg(t ORDER BY t) AS ts, array_agg(n ORDER BY t) AS ns
        FROM (SELECT unit_id, d_rep, d_res AS t, count(*) AS n FROM m
              WHERE d_res IS NOT NULL GROUP BY 1, 2, 3) h GROUP BY 1, 2
      ),
      counts AS (
        SELECT unit_id, d_rep, count(*) AS received,
          count(*) FILTER (WHERE status = 'resolved') AS resolved,
          count(acknowledged_at) AS acknowledged,
          count(*) FILTER (WHERE acknowledged_at <= ack_due) AS ack_on_time,
          count(resolved_at) AS closed,
          count(*) FILTER (WHERE resolved_at <= resolve_due) AS resolved_on_time,
          count(rating) AS rated, coalesce(sum(rating), 0) AS rating_sum,
          count(*) FILTER (WHERE rating >= 4) AS good,
          coalesce(array_agg(
            CASE WHEN status = 'received' THEN least(ack_due, resolve_due) ELSE resolve_due END
          ) FILTER (WHERE status <> 'resolved'), '{{}}') AS overdue_from,
          coalesce(array_agg(ack_due) FILTER (WHERE acknowledged_at IS NULL), '{{}}')
            AS ack_pending_due,
          coalesce(array_agg(resolve_due) FILTER (WHERE resolved_at IS NULL), '{{}}')
            AS resolve_pending_due
        FROM m GROUP BY 1, 2
      )
      SELECT c.unit_id AS admin_unit_id, DATE '1970-01-01' + c.d_rep AS day,
        c.received, c.resolved, c.acknowledged, c.ack_on_time, c.closed, c.resolved_on_time,
        c.rated, c.rating_sum, c.good,
        coalesce(a.ts, '{{}}') AS ack_tenths, coalesce(a.ns, '{{}}') AS ack_counts,
        coalesce(s.ts, '{{}}') AS resolve_tenths, coalesce(s.ns, '{{}}') AS resolve_counts,
        coalesce(k.ts, '{{}}') AS closed_days, coalesce(k.ns, '{{}}') AS closed_counts,
        c.overdue_from, c.ack_pending_due, c.resolve_pending_due
      FROM counts c
      LEFT JOIN hist_ack a USING (unit_id, d_rep)
      LEFT JOIN hist_res s USING (unit_id, d_rep)
      LEFT JOIN closing k USING (unit_id, d_rep)
    """


_COLUMNS = (
    "admin_unit_id, day, received, resolved, acknowledged, ack_on_time, closed, "
    "resolved_on_time, rated, rating_sum, good, ack_tenths, ack_counts, resolve_tenths, "
    "resolve_counts, closed_days, closed_counts, overdue_from, ack_pending_due, "
    "resolve_pending_due"
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


def _clock_params(
    calendar: WorkCalendar, first: dt.date, last: dt.date, edge: str = ""
) -> dict[str, object]:
    before, worked = _working_clock(calendar, first, last)
    return {f"first{edge}": (first - _EPOCH).days, f"before{edge}": before,
            f"worked{edge}": worked}  # fmt: skip


def calendar_key(calendar: WorkCalendar) -> str:
    """What the rollup's times depend on: the holiday package's version and the extra days."""
    described = repr(
        (holidays.__version__, sorted(calendar.extra_days_off),
         sorted(calendar.extra_working_days))
    )  # fmt: skip
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def refresh_rollup(conn: Connection, calendar: WorkCalendar | None = None) -> int:
    """Roll up what the queue holds (and everything if the working-day calendar changed), in
    the caller's transaction with the owner's rights; returns the rollup rows written. Refreshers
    take turns (a transaction lock), so the second one finds the first one's work done."""
    calendar = calendar or work_calendar(get_settings())
    key = calendar_key(calendar)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('report_rollup'))"))
    # The view's per-row subqueries make the planner's estimates huge, and past jit_above_cost
    # PostgreSQL spends 1.4 s compiling a day's roll-up that then runs in 50 ms.
    conn.execute(text("SET LOCAL jit = off"))
    if conn.scalar(text("SELECT calendar FROM report_rollup_state")) != key:
        conn.execute(
            text(
                "INSERT INTO report_rollup_state (calendar) VALUES (:k) "
                "ON CONFLICT (one) DO UPDATE SET calendar = :k"
            ),
            {"k": key},
        )
        conn.execute(text("INSERT INTO report_rollup_queue VALUES (NULL, NULL)"))
    queued = conn.execute(
        text("DELETE FROM report_rollup_queue RETURNING admin_unit_id, day")
    ).all()
    if not queued:
        return 0
    written = 0
    if any(unit is None and day is None for unit, day in queued):
        conn.execute(text("DELETE FROM report_rollup"))
        return _roll_up(conn, calendar, "true", {}, None)
    days = sorted({day for unit, day in queued if unit is None})
    units = sorted({unit for unit, day in queued if day is None})
    if days:
        conn.execute(text("DELETE FROM report_rollup WHERE day = ANY (:d)"), {"d": days})
        which = "CAST((r.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date) = ANY (:days)"
        written += _roll_up(conn, calendar, which, {"days": days}, None)
    if units:
        conn.execute(text("DELETE FROM report_rollup WHERE admin_unit_id = ANY (:u)"), {"u": units})
        written += _roll_up(conn, calendar, "true", {}, units)
    return written


def _roll_up(
    conn: Connection,
    calendar: WorkCalendar,
    which: str,
    params: dict[str, object],
    units: Sequence[int] | None,
) -> int:
    span = conn.execute(
        text(
            "SELECT min(reported_at), max(greatest(reported_at, acknowledged_at, resolved_at)) "
            f"FROM citizen_report r WHERE {which}"
        ),
        params,
    ).one()
    if span[0] is None:
        return 0
    first = span[0].astimezone(CITY_TZ).date() - dt.timedelta(days=1)
    last = span[1].astimezone(CITY_TZ).date() + dt.timedelta(days=1)
    members = _MEMBERS.format(which=which)
    result = conn.execute(
        text(f"INSERT INTO report_rollup ({_COLUMNS}) {_aggregate(members)}"),
        {**params, **_clock_params(calendar, first, last), "units": units},
    )
    return result.rowcount


def _up_to_date(conn: Connection) -> WorkCalendar:
    """Roll up what writes queued since the last read, in a transaction of its own with the
    owner's rights (the reader roles may only look at the queue); the working-day calendar."""
    calendar = work_calendar(get_settings())
    stale = conn.scalar(
        text(
            "SELECT EXISTS (SELECT FROM report_rollup_queue) "
            "OR (SELECT calendar FROM report_rollup_state) IS DISTINCT FROM :k"
        ),
        {"k": calendar_key(calendar)},
    )
    if stale:
        with scope(None), writer_for(conn).begin() as own:
            refresh_rollup(own, calendar)
    return calendar


def _rows(
    unit_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime, calendar: WorkCalendar
) -> tuple[str, dict[str, object]]:
    """SQL: the rollup's rows of the unit for the whole Cần Thơ days in [start, end), and rows of
    the same shape made from the reports themselves for the parts of a day at either end."""
    local_start, local_end = start.astimezone(CITY_TZ), end.astimezone(CITY_TZ)
    first_whole = local_start.date() + dt.timedelta(days=local_start.time() != dt.time(0))
    last_whole = local_end.date() - dt.timedelta(days=1)
    parts, edges = [], []
    if first_whole <= last_whole:
        parts.append(
            f"SELECT {_COLUMNS} FROM report_rollup "
            "WHERE admin_unit_id = :unit AND day BETWEEN :first_whole AND :last_whole"
        )
        edges = [
            (start, _midnight(first_whole)),
            (_midnight(last_whole + dt.timedelta(days=1)), end),
        ]
    else:
        edges = [(start, end)]
    params: dict[str, object] = {"unit": unit_id, "first_whole": first_whole,
                                 "last_whole": last_whole}  # fmt: skip
    for k, (a, b) in enumerate(edges):
        if a >= b:
            continue
        parts.append(f"SELECT {_COLUMNS} FROM ({_aggregate(_counted(str(k)), str(k))}) e{k}")
        first = a.astimezone(CITY_TZ).date() - dt.timedelta(days=1)
        last = max(now, b).astimezone(CITY_TZ).date() + dt.timedelta(days=1)
        params.update({f"start{k}": a, f"end{k}": b,
                       **_clock_params(calendar, first, last, str(k))})  # fmt: skip
    if not parts:
        parts.append(f"SELECT {_COLUMNS} FROM report_rollup WHERE false")
    return " UNION ALL ".join(parts), params


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ)


@kept("data", key=lambda unit_id, start, end, now: (unit_id, start, now_key(end), now_key(now)))
def unit_figures(
    conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> Figures:
    """The figures of the reports received in [start, end) inside the unit, as of ``now``."""
    rows, params = _rows(unit_id, start, end, now, _up_to_date(conn))
    row = conn.execute(
        text(
            f"""
            WITH rows AS MATERIALIZED ({rows})
            SELECT coalesce(sum(received), 0) AS received,
              coalesce(sum(resolved), 0) AS resolved,
              coalesce(sum((SELECT count(*) FROM unnest(overdue_from) x WHERE x < :now)), 0)
                AS overdue,
              coalesce(sum(ack_on_time), 0) AS ack_on_time,
              coalesce(sum(acknowledged + (SELECT count(*) FROM unnest(ack_pending_due) x
                                           WHERE x < :now)), 0) AS ack_measured,
              coalesce(sum(resolved_on_time), 0) AS resolved_on_time,
              coalesce(sum(closed + (SELECT count(*) FROM unnest(resolve_pending_due) x
                                     WHERE x < :now)), 0) AS resolve_measured,
              coalesce(sum(rated), 0) AS rated, coalesce(sum(rating_sum), 0) AS rating_sum,
              coalesce(sum(good), 0) AS good,
              (SELECT array_agg(t ORDER BY t) || array_agg(n ORDER BY t) FROM (
                 SELECT t, CAST(sum(n) AS integer) AS n
                 FROM rows, unnest(ack_tenths, ack_counts) h(t, n)
                 GROUP BY t) s) AS ack_hist,
              (SELECT array_agg(t ORDER BY t) || array_agg(n ORDER BY t) FROM (
                 SELECT t, CAST(sum(n) AS integer) AS n
                 FROM rows, unnest(resolve_tenths, resolve_counts) h(t, n)
                 GROUP BY t) s) AS resolve_hist
            FROM rows
            """
        ),
        {**params, "now": now},
    ).one()

    def share(part: int, whole: int) -> float | None:
        # sum() of integers is numeric in PostgreSQL: counts come back as Decimal.
        return int(part) / int(whole) if whole else None

    received, resolved = int(row.received), int(row.resolved)
    return Figures(
        received=received, open=received - resolved, overdue=int(row.overdue),
        resolved=resolved,
        acknowledged_on_time=share(row.ack_on_time, row.ack_measured),
        resolved_on_time=share(row.resolved_on_time, row.resolve_measured),
        median_days_to_acknowledge=_median_tenths(row.ack_hist),
        median_days_to_resolve=_median_tenths(row.resolve_hist),
        average_rating=int(row.rating_sum) / int(row.rated) if row.rated else None,
        rated_4_or_more=share(row.good, row.rated),
        rated=int(row.rated), ack_measured=int(row.ack_measured),
        resolve_measured=int(row.resolve_measured),
    )  # fmt: skip


def _median_tenths(histogram: Sequence[int] | None) -> float | None:
    """The median (as ``percentile_cont(0.5)``: the mean of the two middle values when the count
    is even) of a histogram of tenths of a day given as its values then their counts."""
    if not histogram:
        return None
    half = len(histogram) // 2
    values, counts = histogram[:half], histogram[half:]
    total = sum(counts)
    if not total:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found: dict[int, int] = {}
    seen = 0
    for value, count in zip(values, counts, strict=True):
        for position in wanted:
            if seen <= position < seen + count:
                found[position] = value
        seen += count
    return float(sum(found[p] for p in sorted(wanted))) / len(wanted) / 10


@kept("data", key=lambda unit_id, start, end: (unit_id, start, now_key(end)))
def weekly(conn: Connection, unit_id: int, start: dt.datetime, end: dt.datetime) -> list[Week]:
    """Reports received and closed each week (Monday to Sunday in Cần Thơ) in [start, end), of
    those received in the period."""
    calendar = _up_to_date(conn)
    first = start.astimezone(CITY_TZ).date()
    first -= dt.timedelta(days=first.weekday())
    last = (end - dt.timedelta(microseconds=1)).astimezone(CITY_TZ).date()
    count = (last - first).days // 7 + 1
    rows, params = _rows(unit_id, start, end, end, calendar)
    found = conn.execute(
        text(
            f"""
            WITH rows AS MATERIALIZED ({rows})
            SELECT false AS by_closed, (day - :monday) / 7 AS week, sum(received) AS n
            FROM rows GROUP BY 2
            UNION ALL
            SELECT true, floor((d - :monday_number) / 7.0), sum(n)
            FROM rows, unnest(closed_days, closed_counts) c(d, n) GROUP BY 2
            """
        ),
        {**params, "monday": first, "monday_number": (first - _EPOCH).days},
    ).all()
    came = {int(r.week): int(r.n) for r in found if not r.by_closed}
    closed = {int(r.week): int(r.n) for r in found if r.by_closed}
    return [
        Week(first + dt.timedelta(weeks=k), came.get(k, 0), closed.get(k, 0)) for k in range(count)
    ]


def last_days(now: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    """The period of the last ``days`` days up to ``now``: from the start of the day ``days - 1``
    days before today (in Cần Thơ) to ``now``, so "30 days" is today and the 29 before."""
    today = now.astimezone(CITY_TZ).date()
    first = today - dt.timedelta(days=days - 1)
    return dt.datetime.combine(first, dt.time(0), tzinfo=CITY_TZ), now
