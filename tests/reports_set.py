"""A small set of citizens' reports made through the service, dated a few weeks back from today:
what the pages that show "the last 30 days" are tested on.

In ward 91601 (Ninh Kiều, 916), from a Monday three to four weeks ago (days from it):

- A: received day 0 08:00, acknowledged 20:00, resolved day 1 08:00, rated 5;
- B: received day 0 08:00, acknowledged day 2, resolved day 4, rated 4;
- C: received day 4 (a Friday) 12:00, acknowledged day 7 (Monday), resolved day 14, rated 2;
- D: received day 7 10:00, never acknowledged: open and overdue now;
- and, not counted: a spam report.

Whatever the calendar: 4 received, 1 open, 1 overdue, 3 of 4 acknowledged in time (75 %), an
average rating of 11/3 ("3,7/5") and 2 of 3 rated 4 or 5 ("67 %"). Ward 92401 (Vĩnh Thạnh) has
none.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.clock import CITY_TZ
from geodata.reports import service
from geodata.reports.service import Action, NewReport

DESCRIPTION = "Rác đổ trước nhà số 12, gọi chị Lan 0901234567"  # personal: never on a page


def add_report_set(engine: Engine) -> None:
    today = dt.datetime.now(CITY_TZ).date()
    first = today - dt.timedelta(days=21)
    monday = first - dt.timedelta(days=first.weekday())

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), CITY_TZ)

    with engine.begin() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                "FROM admin_unit WHERE code = '91601') s"
            )
        ).one()

        def report(received, ack=None, resolved=None, rating=None, resolution="fixed") -> None:
            new = NewReport("waste", x, y, DESCRIPTION, name="Nguyễn Thị Lan", phone="0901234567")
            sent = service.submit(conn, new, received, received.date())
            if ack:
                service.act(conn, sent.id, Action("acknowledge"), "canbo", ack)
            if resolved:
                done = Action("resolve", resolution=resolution)
                service.act(conn, sent.id, done, "canbo", resolved)
            if rating:
                service.rate(conn, sent.code, rating, "Cảm ơn", resolved + dt.timedelta(hours=1))

        report(at(0, 8), at(0, 20), at(1, 8), 5)
        report(at(0, 8), at(2, 8), at(4, 8), 4)
        report(at(4, 12), at(7, 12), at(14, 12), 2)
        report(at(7, 10))
        report(at(1, 9), None, at(1, 10), None, "spam")
