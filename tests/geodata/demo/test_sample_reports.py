"""The demo's citizens' reports (``python -m geodata sample``): a year of every category in every
ward, handled as staff handle them, with the history the service writes; checked in PostGIS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, text

from domain.clock import CITY_TZ
from geodata.demo.sample import write_sample

DAYS = 365


@pytest.fixture(scope="module")
def year(engine: Engine) -> Engine:
    """The demo city with a year of reports (and two days of monitoring, whose flood reports the
    history takes in), written once for the module's read-only tests."""
    from tests.dbutil import truncate_all

    truncate_all(engine)
    write_sample(days=2, report_days=DAYS)
    return engine


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.scalar(text(sql), params)


def test_every_category_is_reported_in_every_ward_over_the_year(year) -> None:
    missing = _scalar(
        year,
        "SELECT count(*) FROM report_category c WHERE NOT EXISTS "
        "(SELECT 1 FROM citizen_report r WHERE r.category = c.code AND r.source = 'demo')",
    )
    assert missing == 0
    quiet_wards = _scalar(
        year,
        "SELECT count(*) FROM admin_unit w WHERE w.level = 'ward' AND NOT EXISTS "
        "(SELECT 1 FROM citizen_report r WHERE r.admin_unit_id = w.id)",
    )
    assert quiet_wards == 0
    first = _scalar(year, "SELECT min(reported_at) FROM citizen_report")
    assert dt.datetime.now(dt.UTC) - first > dt.timedelta(days=DAYS - 3)


def test_flooding_comes_with_the_rainy_season_and_the_rest_all_year(year) -> None:
    by = _one(
        year,
        """
        SELECT count(*) FILTER (WHERE category = 'flooding' AND m IN (9, 10, 11)) AS wet_flood,
               count(*) FILTER (WHERE category = 'flooding' AND m IN (2, 3, 4)) AS dry_flood,
               count(*) FILTER (WHERE category = 'waste' AND m IN (9, 10, 11)) AS wet_waste,
               count(*) FILTER (WHERE category = 'waste' AND m IN (2, 3, 4)) AS dry_waste
        FROM (SELECT category, extract(month FROM reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh')
                AS m FROM citizen_report) r
        """,
    )
    assert by.wet_flood > 5 * max(by.dry_flood, 1)
    assert 0.6 < by.wet_waste / by.dry_waste < 1.6


def test_most_are_handled_in_time_a_tail_late_and_some_are_open_and_overdue_now(year) -> None:
    handled = _one(
        year,
        """
        SELECT avg((acknowledged_at <= ack_due)::int) FILTER (WHERE acknowledged_at IS NOT NULL)
                 AS ack_in_time,
               avg((resolved_at <= resolve_due)::int)
                 FILTER (WHERE resolved_at IS NOT NULL AND duplicate_of IS NULL)
                 AS resolved_in_time,
               count(*) FILTER (WHERE status <> 'resolved' AND (
                 (status = 'received' AND ack_due < now()) OR resolve_due < now())) AS overdue,
               count(*) FILTER (WHERE status <> 'resolved') AS open,
               count(*) FILTER (WHERE status = 'resolved' AND resolved_at > resolve_due) AS late
        FROM citizen_report
        """,
    )
    assert 0.85 < handled.ack_in_time < 0.99
    assert 0.75 < handled.resolved_in_time < 0.97
    assert handled.late > 50 and handled.overdue > 0 and handled.open > handled.overdue
    # Staff act on working days: no acknowledgement on a Sunday.
    sundays = _scalar(
        year,
        "SELECT count(*) FROM report_event WHERE kind = 'acknowledged' AND "
        "extract(isodow FROM at AT TIME ZONE 'Asia/Ho_Chi_Minh') = 7",
    )
    assert sundays == 0


def test_the_four_outcomes_duplicates_ratings_and_supporters_are_all_there(year) -> None:
    outcomes = dict(
        _one(year, "SELECT json_object_agg(resolution, n) FROM (SELECT resolution, count(*) AS n "
                   "FROM citizen_report WHERE resolution IS NOT NULL GROUP BY 1) s")[0]
    )  # fmt: skip
    assert set(outcomes) == {"fixed", "not_competent", "cannot_fix", "spam", "duplicate"}
    assert outcomes["fixed"] > 0.8 * sum(outcomes.values())
    ratings = _one(
        year,
        """
        SELECT count(*) FILTER (WHERE rating >= 4) AS good, count(*) FILTER (WHERE rating <= 2)
                 AS low, count(rating) AS rated,
               count(*) FILTER (WHERE status = 'resolved' AND rating IS NULL) AS unrated,
               sum(supporters) AS supporters
        FROM citizen_report
        """,
    )
    assert ratings.good > 0.65 * ratings.rated and ratings.low > 0 and ratings.unrated > 0
    assert ratings.supporters > 0
    # A duplicate points at another report of its category and its history names that one.
    wrong = _scalar(
        year,
        """
        SELECT count(*) FROM citizen_report d JOIN citizen_report o ON o.id = d.duplicate_of
        WHERE d.resolution <> 'duplicate' OR d.category <> o.category OR NOT EXISTS (
          SELECT 1 FROM report_event e WHERE e.report_id = d.id AND e.kind = 'duplicate'
            AND e.detail ->> 'of' = o.code)
        """,
    )
    assert wrong == 0 and outcomes["duplicate"] > 0


def test_the_history_is_the_service_s_and_the_rows_follow_from_it(year) -> None:
    kinds = dict(
        _one(year, "SELECT json_object_agg(kind, n) FROM (SELECT kind, count(*) AS n "
                   "FROM report_event GROUP BY 1) s")[0]
    )  # fmt: skip
    every = ("received", "supported", "acknowledged", "assigned", "duplicate", "published",
             "hidden", "reply", "note", "resolved", "reopened", "rated",
             "recategorised")  # fmt: skip
    for kind in every:
        assert kinds.get(kind, 0) > 0, kind
    broken = _one(
        year,
        """
        SELECT
          count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM report_event e WHERE e.report_id = r.id
            AND e.kind = 'received' AND e.at = r.reported_at AND e.public)) AS no_received,
          count(*) FILTER (WHERE r.resolved_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM report_event e WHERE e.report_id = r.id
              AND e.kind IN ('resolved', 'duplicate') AND e.at = r.resolved_at)) AS no_resolved,
          count(*) FILTER (WHERE r.supporters <> (SELECT count(*) FROM report_event e
            WHERE e.report_id = r.id AND e.kind = 'supported')) AS supporters,
          count(*) FILTER (WHERE r.rating IS DISTINCT FROM (SELECT (e.detail ->> 'rating')::int
            FROM report_event e WHERE e.report_id = r.id AND e.kind = 'rated'
            AND e.at >= coalesce(r.reopened_at, r.reported_at) ORDER BY e.at DESC LIMIT 1))
            AS rating,
          count(*) FILTER (WHERE r.updated_at <> (SELECT max(e.at) FROM report_event e
            WHERE e.report_id = r.id)) AS updated,
          count(*) FILTER (WHERE r.description_public <> EXISTS (SELECT 1 FROM report_event e
            WHERE e.report_id = r.id AND e.kind = 'published')) AS published
        FROM citizen_report r
        """,
    )
    assert tuple(broken) == (0, 0, 0, 0, 0, 0)
    # Notes stay internal; replies are public, and never a note in the public history.
    private = _scalar(year, "SELECT count(*) FROM report_event WHERE kind = 'note' AND public")
    leaked = _scalar(
        year,
        "SELECT count(*) FROM public_report_event p JOIN report_event e ON e.id = p.id "
        "WHERE e.kind IN ('note', 'published', 'hidden')",
    )
    assert private == 0 and leaked == 0
    assert _scalar(year, "SELECT count(*) FROM report_contact") > 0
    assert _scalar(year, "SELECT count(*) FROM public_report WHERE description IS NOT NULL") > 0


def test_the_monitoring_flood_reports_are_part_of_the_history(year) -> None:
    taken = _one(
        year,
        "SELECT count(*) AS n, count(ack_due) AS due FROM citizen_report "
        "WHERE source = 'demo' AND code LIKE 'demo-report-%'",
    )
    assert taken.n > 0 and taken.due == taken.n
    # The flood layer's view still reads them.
    assert _scalar(year, "SELECT count(*) FROM flood_report WHERE code LIKE 'demo-report-%'") == (
        taken.n
    )


def test_writing_the_demo_again_leaves_one_set_not_two(engine, year) -> None:
    def counts() -> tuple[int, ...]:
        return tuple(
            _one(
                engine,
                "SELECT (SELECT count(*) FROM citizen_report), (SELECT count(*) FROM "
                "report_event), (SELECT count(*) FROM report_contact), (SELECT count(*) FROM "
                "citizen_report WHERE code LIKE 'demo-report-%')",
            )
        )

    before = counts()
    write_sample(days=2, report_days=DAYS)
    after = counts()
    # The same seed draws the same year; the reports of the last minutes may differ, as the two
    # runs end at different moments (and a run after midnight draws from another day on).
    for was, now in zip(before, after, strict=True):
        assert 0.9 * was <= now <= 1.1 * was
    orphans = _scalar(
        engine,
        "SELECT count(*) FROM report_event e WHERE NOT EXISTS "
        "(SELECT 1 FROM citizen_report r WHERE r.id = e.report_id)",
    )
    assert orphans == 0


def test_a_short_demo_writes_a_short_history(engine) -> None:
    from tests.dbutil import truncate_all

    truncate_all(engine)
    write_sample(days=0, report_days=3)
    first = _scalar(engine, "SELECT min(reported_at) FROM citizen_report")
    today = dt.datetime.now(CITY_TZ).date()
    assert first.astimezone(CITY_TZ).date() >= today - dt.timedelta(days=2)
    write_sample(days=0)  # report_days follows days: none
    assert _scalar(engine, "SELECT count(*) FROM citizen_report") == 0
