"""The staff's queue and a report's file, in the real database: filters, the order work is done
in (late first, then oldest), paging, and a ward kept to its units by row-level security alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain import reports as rules
from domain.clock import CITY_TZ
from geodata.db import Scope, scope
from geodata.reports import queue as staff_queue
from geodata.reports import service
from geodata.reports.queue import OPEN, QueueFilter
from geodata.reports.service import Action, NewReport, ReportNotFound

NINH_KIEU = (105.775, 10.03)  # in Ninh Kiều (916), ward Hưng Lợi
NINH_KIEU_2 = (105.78, 10.035)
CAI_RANG = (105.77, 9.99)  # in Cái Răng (919)
# Tuesday 1 December 2026, 10:00 in Cần Thơ.
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CITY_TZ)


@dataclass(frozen=True)
class City:
    engine: Engine
    late_ack: str  # received 10 days ago, never acknowledged: late
    fresh: str  # received yesterday
    late_resolve: str  # acknowledged on time 20 days ago, not resolved: late
    closed: str  # resolved, 30 days old
    cai_rang: str  # received yesterday, in another district
    ninh_kieu_id: int
    cai_rang_id: int


def _submit(conn, where, category, days_ago, **contact) -> service.Submitted:
    at = NOW - dt.timedelta(days=days_ago)
    new = NewReport(category, *where, description=f"{category} {days_ago} ngày trước", **contact)
    return service.submit(conn, new, at, at.date())


@pytest.fixture
def city(demo_db: Engine) -> City:
    with demo_db.begin() as conn:
        conn.execute(text("DELETE FROM citizen_report"))  # the demo's reports have no deadlines
        late_ack = _submit(conn, NINH_KIEU, "waste", 10, email="an@example.vn", name="An")
        fresh = _submit(conn, NINH_KIEU_2, "streetlight", 1)
        late_resolve = _submit(conn, NINH_KIEU, "road_damage", 20)
        service.act(conn, late_resolve.id, Action("acknowledge"), "nk.staff",
                    NOW - dt.timedelta(days=19))  # fmt: skip
        closed = _submit(conn, NINH_KIEU_2, "waste", 30)
        service.act(conn, closed.id, Action("resolve", resolution="fixed"), "nk.staff",
                    NOW - dt.timedelta(days=28))  # fmt: skip
        cai_rang = _submit(conn, CAI_RANG, "waste", 1)
        units = dict(conn.execute(text("SELECT code, id FROM admin_unit")).all())
    return City(demo_db, late_ack.code, fresh.code, late_resolve.code, closed.code,
                cai_rang.code, units["916"], units["919"])  # fmt: skip


def _codes(engine: Engine, wanted: QueueFilter, caller: Scope | None = None, **paging) -> list:
    with scope(caller), engine.begin() as conn:
        return [row.code for row in staff_queue.queue(conn, wanted, NOW, **paging).rows]


def test_late_reports_come_first_then_the_oldest(city: City) -> None:
    assert _codes(city.engine, QueueFilter(status=OPEN)) == [
        city.late_resolve, city.late_ack, city.fresh, city.cai_rang,
    ]  # fmt: skip
    # Every status: the closed one, never late, takes its place among the others by age.
    assert _codes(city.engine, QueueFilter()) == [
        city.late_resolve, city.late_ack, city.closed, city.fresh, city.cai_rang,
    ]  # fmt: skip


def test_the_overdue_flag_is_the_domain_s_rule(city: City) -> None:
    with city.engine.begin() as conn:
        rows = staff_queue.queue(conn, QueueFilter(), NOW).rows
    for row in rows:
        assert row.overdue == rules.is_overdue(row.status, row.ack_due, row.resolve_due, NOW)
    assert {r.code for r in rows if r.overdue} == {city.late_ack, city.late_resolve}


def test_a_report_without_deadlines_is_not_late_and_does_not_jump_the_queue(city: City) -> None:
    # Reports kept from before deadlines existed have none (NULL sorts before true).
    with city.engine.begin() as conn:
        conn.execute(
            text("UPDATE citizen_report SET ack_due = NULL, resolve_due = NULL WHERE code = :c"),
            {"c": city.fresh},
        )
    codes = _codes(city.engine, QueueFilter(status=OPEN))
    assert codes[:2] == [city.late_resolve, city.late_ack]
    assert city.fresh not in _codes(city.engine, QueueFilter(overdue=True))


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (QueueFilter(status="received"), ["late_ack", "fresh", "cai_rang"]),
        (QueueFilter(status="resolved"), ["closed"]),
        (QueueFilter(category="waste"), ["late_ack", "closed", "cai_rang"]),
        (QueueFilter(overdue=True), ["late_resolve", "late_ack"]),
        (QueueFilter(status="acknowledged", overdue=True), ["late_resolve"]),
    ],
)
def test_each_filter_narrows_the_queue(city: City, wanted, expected) -> None:
    assert _codes(city.engine, wanted) == [getattr(city, name) for name in expected]


def test_a_unit_holds_every_report_inside_it_found_by_its_shape(city: City) -> None:
    district = _codes(city.engine, QueueFilter(unit_id=city.ninh_kieu_id))
    assert set(district) == {city.late_ack, city.fresh, city.late_resolve, city.closed}
    # The reports were routed to wards; the district's queue holds them all the same.
    with city.engine.begin() as conn:
        levels = conn.scalars(
            text(
                "SELECT DISTINCT u.level FROM citizen_report r "
                "JOIN admin_unit u ON u.id = r.admin_unit_id"
            )
        ).all()
    assert levels == ["ward"]
    assert _codes(city.engine, QueueFilter(unit_id=city.cai_rang_id)) == [city.cai_rang]


def test_a_piece_of_the_code_finds_it_whatever_the_case_spaces_or_prefix(city: City) -> None:
    piece = city.fresh.removeprefix("PA-")[:4]
    typed = " ".join(piece.lower())  # "a b c d", as read aloud and typed on a phone
    assert city.fresh in _codes(city.engine, QueueFilter(code=typed))
    assert _codes(city.engine, QueueFilter(code=city.fresh.lower())) == [city.fresh]
    assert _codes(city.engine, QueueFilter(code="%")) == []  # a wildcard is just a character


def test_assigned_to_me_is_the_reports_assigned_to_my_account_whatever_the_case(
    city: City,
) -> None:
    with city.engine.begin() as conn:
        for code, person in ((city.fresh, "NK.Staff"), (city.late_ack, "nk.other")):
            report = staff_queue.report_id(conn, code)
            assert report is not None
            service.act(conn, report, Action("assign", assignee=person), "nk.staff", NOW)
    assert _codes(city.engine, QueueFilter(assignee="nk.staff")) == [city.fresh]
    assert _codes(city.engine, QueueFilter(assignee="nobody")) == []


def test_pages_split_the_queue_and_count_the_whole(city: City) -> None:
    with city.engine.begin() as conn:
        first = staff_queue.queue(conn, QueueFilter(), NOW, page=1, page_size=2)
        second = staff_queue.queue(conn, QueueFilter(), NOW, page=2, page_size=2)
        past = staff_queue.queue(conn, QueueFilter(), NOW, page=9, page_size=2)
    assert first.total == second.total == past.total == 5
    assert [r.code for r in first.rows + second.rows] == [
        city.late_resolve, city.late_ack, city.closed, city.fresh,
    ]  # fmt: skip
    assert past.rows == []


def test_an_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        QueueFilter(status="lost")


# --- a ward's scope ------------------------------------------------------------------------------

WARD = Scope.ward(("916",))


def test_ward_staff_see_the_reports_of_their_units_only(city: City) -> None:
    assert city.cai_rang not in _codes(city.engine, QueueFilter(), WARD)
    assert set(_codes(city.engine, QueueFilter(), WARD)) == {
        city.late_ack, city.fresh, city.late_resolve, city.closed,
    }  # fmt: skip
    # Asking for another district's unit shows nothing rather than its reports.
    assert _codes(city.engine, QueueFilter(unit_id=city.cai_rang_id), WARD) == []
    with scope(WARD), city.engine.begin() as conn:
        other = staff_queue.report_id(conn, city.cai_rang)
        assert other is None
    with city.engine.begin() as conn:
        other = staff_queue.report_id(conn, city.cai_rang)
    assert other is not None
    with scope(WARD), city.engine.begin() as conn:
        assert staff_queue.report_detail(conn, other, NOW) is None
        assert staff_queue.mini_map(conn, other) is None
        assert [u.code for u in staff_queue.scope_units(conn, NOW.date())][:1] == ["916"]
        assert all(u.code.startswith("916") for u in staff_queue.scope_units(conn, NOW.date()))


def test_row_level_security_alone_refuses_a_ward_s_action_on_another_district(city: City) -> None:
    with city.engine.begin() as conn:
        other = staff_queue.report_id(conn, city.cai_rang)
        assert other is not None
        before = conn.execute(
            text(
                "SELECT (SELECT status FROM citizen_report WHERE id = :id), "
                "(SELECT count(*) FROM report_event WHERE report_id = :id), "
                "(SELECT count(*) FROM audit_log)"
            ),
            {"id": other},
        ).one()
    # No application check here: service.act under the ward's scope, as a forged request that
    # slipped past web.access would run.
    for action in (Action("acknowledge"), Action("note", text="ghi chú"),
                   Action("resolve", resolution="spam")):  # fmt: skip
        with pytest.raises(ReportNotFound), scope(WARD), city.engine.begin() as conn:
            service.act(conn, other, action, "nk.staff", NOW)
    with city.engine.begin() as conn:
        after = conn.execute(
            text(
                "SELECT (SELECT status FROM citizen_report WHERE id = :id), "
                "(SELECT count(*) FROM report_event WHERE report_id = :id), "
                "(SELECT count(*) FROM audit_log)"
            ),
            {"id": other},
        ).one()
    assert tuple(after) == tuple(before) and after[0] == "received"


# --- a report's file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Photo:
    sha256: str
    thumb_sha256: str
    mime: str = "image/jpeg"
    width: int = 800
    height: int = 600
    size: int = 1000


def test_a_report_s_file_holds_the_contact_every_photo_and_the_whole_history(city: City) -> None:
    with city.engine.begin() as conn:
        report = staff_queue.report_id(conn, city.late_ack)
        assert report is not None
        service.add_photos(conn, report, [_Photo("a" * 64, "b" * 64), _Photo("c" * 64, "d" * 64)])
    with scope(WARD), city.engine.begin() as conn:
        service.act(conn, report, Action("note", text="Đã gọi điện cho người dân"), "nk.staff",
                    NOW)  # fmt: skip
        service.act(conn, report, Action("reply", text="Sẽ thu gom trong tuần"), "nk.staff", NOW)
    with scope(WARD), city.engine.begin() as conn:
        found = staff_queue.report_detail(conn, report, NOW)
    assert found is not None and found.code == city.late_ack
    assert found.contact is not None and found.contact.email == "an@example.vn"
    assert found.contact.name == "An"
    # Photos not published yet: staff see them all, marked as such.
    assert [(p.sha256, p.published) for p in found.photos] == [("a" * 64, False), ("c" * 64, False)]
    assert [(e.kind, e.actor, e.public) for e in found.history] == [
        ("received", None, True), ("note", "nk.staff", False), ("reply", "nk.staff", True),
    ]  # fmt: skip
    assert found.history[1].body == "Đã gọi điện cho người dân"
    assert found.overdue and found.unit_code is not None and found.unit_code.startswith("916")
    assert found.description == "waste 10 ngày trước"


def test_the_public_may_not_read_a_report_s_file(city: City) -> None:
    with city.engine.begin() as conn:
        report = staff_queue.report_id(conn, city.late_ack)
    denied = pytest.raises(Exception, match="permission denied")
    with denied, scope(Scope.public()), city.engine.begin() as conn:
        staff_queue.report_detail(conn, int(report or 0), NOW)


def test_the_small_map_frames_the_unit_with_the_report_inside(city: City) -> None:
    with city.engine.begin() as conn:
        report = staff_queue.report_id(conn, city.late_ack)
        found = staff_queue.mini_map(conn, int(report or 0))
    assert found is not None and found.unit_path.startswith("M")
    x0, y0, side, _ = (float(v) for v in found.view_box.split())
    assert x0 < NINH_KIEU[0] < x0 + side and y0 < -NINH_KIEU[1] < y0 + side
    assert (found.x, found.y) == pytest.approx((NINH_KIEU[0], -NINH_KIEU[1]))
