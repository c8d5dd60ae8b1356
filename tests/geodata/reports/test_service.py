"""Citizens' reports in the database: submission, routing, deadlines, what anyone may read, the
citizen's own actions and the staff's, with a ward kept to its units by row-level security."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.clock import CITY_TZ
from domain.workdays import add_working_days
from geodata.db import Scope, scope
from geodata.reports import service
from geodata.reports.service import Action, NewReport, ReportNotFound, ReportRefused

NINH_KIEU = (105.775, 10.03)  # a point in Ninh Kiều (916)
CAI_RANG = (105.77, 9.99)  # a point in Cái Răng (919)
# Friday 27 November 2026, 16:00 in Cần Thơ.
NOW = dt.datetime(2026, 11, 27, 16, 0, tzinfo=CITY_TZ)
TODAY = NOW.date()


def _new(**changes) -> NewReport:
    values = {"category": "waste", "lon": NINH_KIEU[0], "lat": NINH_KIEU[1],
              "description": "Rác đổ đầy lề đường trước chợ"} | changes  # fmt: skip
    return NewReport(**values)


def _counts(conn) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        conn.execute(
            text(
                "SELECT (SELECT count(*) FROM citizen_report), (SELECT count(*) FROM "
                "report_contact), (SELECT count(*) FROM report_event), "
                "(SELECT count(*) FROM audit_log)"
            )
        ).one()
    )


@pytest.fixture
def city(demo_db: Engine) -> Engine:
    return demo_db


def test_a_report_is_routed_to_the_smallest_unit_and_its_category_s_agency(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(email="an@example.vn", name="An"), NOW, TODAY)
        row = conn.execute(
            text(
                "SELECT r.status, r.agency_code, u.code, u.level, c.email FROM citizen_report r "
                "JOIN admin_unit u ON u.id = r.admin_unit_id "
                "LEFT JOIN report_contact c ON c.report_id = r.id WHERE r.id = :id"
            ),
            {"id": sent.id},
        ).one()
    assert sent.code.startswith("PA-") and len(sent.code) == 10
    assert row.status == "received" and row.agency_code == "moi-truong-do-thi"
    assert row.level == "ward" and row.code == sent.unit_code and row.email == "an@example.vn"


def test_a_unit_s_own_agency_overrides_the_category_s(city) -> None:
    with city.begin() as conn:
        conn.execute(text("INSERT INTO category_agency VALUES ('waste', '916', 'ubnd-xa-phuong')"))
        sent = service.submit(conn, _new(), NOW, TODAY)
        # Only the reports of that unit: the category's own agency elsewhere.
        elsewhere = service.submit(conn, _new(lon=CAI_RANG[0], lat=CAI_RANG[1]), NOW, TODAY)
    assert sent.agency_code == "ubnd-xa-phuong"
    assert elsewhere.agency_code == "moi-truong-do-thi"


def test_deadlines_are_working_days_after_the_report_arrived(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(), NOW, TODAY)
    assert sent.deadlines.acknowledge == add_working_days(NOW, 3)
    assert sent.deadlines.resolve == add_working_days(NOW, 5)
    # Received on a Friday afternoon: three working days later is after the weekend.
    assert sent.deadlines.acknowledge.astimezone(CITY_TZ).weekday() < 5
    assert sent.deadlines.acknowledge - NOW > dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"category": None}, "category", "report.error.no_category"),
        ({"category": "unicorns"}, "category", "report.error.category"),
        ({"lon": None}, "location", "report.error.no_location"),
        ({"lon": float("nan")}, "location", "report.error.no_location"),
        ({"lon": 106.7, "lat": 10.78}, "location", "report.error.outside"),  # Hồ Chí Minh City
        ({"description": "x" * 4001}, "description", "report.error.too_long"),
        ({"email": "not an address"}, "email", "report.error.email"),
        ({"category": "flooding", "attributes": {"depth_cm": "deep"}}, "attribute[depth_cm]",
         "report.error.number"),
        ({"attributes": {"depth_cm": 20}}, "attribute[depth_cm]", "report.error.attribute"),
    ],
)  # fmt: skip
def test_a_bad_submission_names_what_was_wrong_and_writes_nothing(city, changes, field, key):
    with city.connect() as conn:
        before = _counts(conn)
    with pytest.raises(ReportRefused) as refused, city.begin() as conn:
        service.submit(conn, _new(**changes), NOW, TODAY)
    assert (refused.value.field, refused.value.key) == (field, key)
    with city.connect() as conn:
        assert _counts(conn) == before


def test_the_public_sees_published_fields_only_and_never_a_contact(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(phone="0909 123 456", email="an@example.vn"), NOW, TODAY)
    with scope(Scope.public()), city.connect() as conn:
        shown = service.public_report(conn, sent.code.lower().replace("pa-", "pa- "))
        assert shown is not None and shown.description is None  # not published yet
        assert "0909" not in repr(shown) and "example.vn" not in repr(shown)
        with pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT * FROM report_contact"))
    with city.begin() as conn:
        service.act(conn, sent.id, Action("publish", description_public=True), "official", NOW)
    with scope(Scope.public()), city.connect() as conn:
        shown = service.public_report(conn, sent.code)
        assert shown is not None and shown.description == "Rác đổ đầy lề đường trước chợ"
        history = service.public_history(conn, sent.id)
    assert [e.kind for e in history] == ["received"]  # publishing is not a public event


def test_open_reports_nearby_are_offered_before_a_duplicate_is_sent(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(), NOW, TODAY)
        service.submit(conn, _new(category="streetlight"), NOW, TODAY)
    with scope(Scope.public()), city.connect() as conn:
        near = service.nearby_open(conn, "waste", NINH_KIEU[0] + 0.001, NINH_KIEU[1])  # ~110 m
        far = service.nearby_open(conn, "waste", NINH_KIEU[0] + 0.01, NINH_KIEU[1])  # ~1.1 km
    assert [r.code for r in near] == [sent.code] and far == []
    with city.begin() as conn:
        service.support(conn, sent.code, NOW)
    with city.connect() as conn:
        assert service.public_report(conn, sent.code).supporters == 1  # type: ignore[union-attr]


def test_the_citizen_rates_a_closed_report_once_and_may_reopen_it_within_14_days(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(), NOW, TODAY)
        with pytest.raises(ReportRefused, match="not_resolved"):
            service.rate(conn, sent.code, 5, None, NOW)
    with city.begin() as conn:
        service.act(conn, sent.id, Action("resolve", resolution="fixed", text="Đã dọn"), "o", NOW)
    later = NOW + dt.timedelta(days=2)
    with city.begin() as conn:
        service.rate(conn, sent.code, 2, "Vẫn còn rác", later)
    with pytest.raises(ReportRefused, match="rated"), city.begin() as conn:
        service.rate(conn, sent.code, 4, None, later)
    with pytest.raises(ReportRefused, match="reopen"), city.begin() as conn:
        service.reopen_by_citizen(conn, sent.code, "Chưa dọn", NOW + dt.timedelta(days=15))
    with city.begin() as conn:
        service.reopen_by_citizen(conn, sent.code, "Chưa dọn hết", later)
        shown = service.public_report(conn, sent.code)
        history = [(e.kind, e.body) for e in service.public_history(conn, sent.id)]
    assert shown is not None and (shown.status, shown.rating) == ("acknowledged", None)
    assert history == [("received", None), ("resolved", "Đã dọn"), ("rated", None),
                       ("reopened", "Chưa dọn hết")]  # fmt: skip


def test_staff_actions_write_the_history_and_the_audit_log(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(), NOW, TODAY)
        other = service.submit(conn, _new(), NOW, TODAY)
        for action in (
            Action("acknowledge"),
            Action("note", text="Gọi đội vệ sinh"),
            Action("assign", agency="moi-truong-do-thi", assignee="Tổ 3"),
            Action("recategorise", category="pollution"),
            Action("reply", text="Đã cử người tới"),
            Action("resolve", resolution="fixed"),
        ):
            service.act(conn, sent.id, action, "chi.official", NOW)
        service.act(conn, other.id, Action("duplicate", duplicate_of=sent.code), "chi", NOW)
        kinds = list(conn.scalars(
            text("SELECT kind || ':' || public FROM report_event WHERE report_id = :r "
                 "ORDER BY id"), {"r": sent.id}))  # fmt: skip
        audited = list(conn.scalars(text(
            "SELECT action FROM audit_log WHERE username = 'chi.official' ORDER BY id"
        )))  # fmt: skip
        dup = conn.execute(
            text("SELECT status, resolution, duplicate_of FROM citizen_report WHERE id = :id"),
            {"id": other.id},
        ).one()
    assert kinds == ["received:true", "acknowledged:true", "note:false", "assigned:true",
                     "recategorised:true", "reply:true", "resolved:true"]  # fmt: skip
    assert audited == ["report_acknowledge", "report_note", "report_assign",
                       "report_recategorise", "report_reply", "report_resolve"]  # fmt: skip
    assert tuple(dup) == ("resolved", "duplicate", sent.id)


def test_a_ward_acts_on_its_own_units_only_whatever_the_request_names(city) -> None:
    with city.begin() as conn:
        mine = service.submit(conn, _new(), NOW, TODAY)
        theirs = service.submit(conn, _new(lon=CAI_RANG[0], lat=CAI_RANG[1]), NOW, TODAY)
    ward = Scope.ward(["916"])
    with scope(ward), city.begin() as conn:
        service.act(conn, mine.id, Action("acknowledge"), "ba.ward", NOW)
    with pytest.raises(ReportNotFound), scope(ward), city.begin() as conn:
        service.act(conn, theirs.id, Action("acknowledge"), "ba.ward", NOW)
    # Row-level security alone, with no check of ours in front: the update touches nothing.
    with scope(ward), city.begin() as conn:
        touched = conn.execute(
            text("UPDATE citizen_report SET status = 'acknowledged' WHERE id = :id"),
            {"id": theirs.id},
        ).rowcount
    assert touched == 0
    with city.connect() as conn:
        statuses = dict(conn.execute(text("SELECT id, status FROM citizen_report")).all())
    assert statuses == {mine.id: "acknowledged", theirs.id: "received"}


def test_a_wrong_action_is_refused_and_changes_nothing(city) -> None:
    with city.begin() as conn:
        sent = service.submit(conn, _new(), NOW, TODAY)
    for action, key in (
        (Action("resolve", resolution="maybe"), "report.error.resolution"),
        (Action("assign", agency="nobody"), "report.error.agency"),
        (Action("duplicate", duplicate_of=sent.code), "report.error.duplicate"),
        (Action("reply", text="  "), "report.error.empty"),
        (Action("fly"), "report.error.action"),
    ):
        with pytest.raises(ReportRefused) as refused, city.begin() as conn:
            service.act(conn, sent.id, action, "chi", NOW)
        assert refused.value.key == key
    with city.connect() as conn:
        assert (
            conn.scalar(
                text("SELECT count(*) FROM report_event WHERE report_id = :r"), {"r": sent.id}
            )
            == 1
        )


def test_the_flood_layer_still_reads_flooding_reports_through_its_view(city) -> None:
    with city.begin() as conn:
        service.submit(conn, _new(category="flooding", attributes={"depth_cm": 30}), NOW, TODAY)
        service.submit(conn, _new(), NOW, TODAY)
        flooding = conn.execute(text("SELECT depth_cm, category FROM flood_report")).all()
        counted = conn.scalar(
            text("SELECT count_flood_reports((SELECT geom FROM admin_unit WHERE code = '92'), "
                 "'-infinity', 'infinity')")
        )  # fmt: skip
    assert [tuple(r) for r in flooding] == [(30.0, "flooding")] and counted == 1


def test_a_tracking_code_already_taken_is_drawn_again(city, monkeypatch) -> None:
    with city.begin() as conn:
        first = service.submit(conn, _new(), NOW, TODAY)
    draws = iter([first.code, "PA-AAAAAAA"])
    monkeypatch.setattr(service.rules, "new_tracking_code", lambda: next(draws))
    with city.begin() as conn:
        again = service.submit(conn, _new(), NOW, TODAY)
        stored = conn.scalar(text("SELECT count(*) FROM citizen_report WHERE code = :c"),
                             {"c": first.code})  # fmt: skip
    assert again.code == "PA-AAAAAAA" and stored == 1


def test_a_new_category_brings_its_own_agency_and_deadlines(city) -> None:
    with city.begin() as conn:
        conn.execute(
            text("UPDATE report_category SET resolve_days = 10 WHERE code = 'road_damage'")
        )
        sent = service.submit(conn, _new(), NOW, TODAY)
        service.act(conn, sent.id, Action("recategorise", category="road_damage"), "chi", NOW)
        row = conn.execute(
            text("SELECT category, agency_code, ack_due, resolve_due FROM citizen_report "
                 "WHERE id = :id"), {"id": sent.id},
        ).one()  # fmt: skip
        conn.execute(text("UPDATE report_category SET resolve_days = 5 WHERE code = 'road_damage'"))
    assert (row.category, row.agency_code) == ("road_damage", "xay-dung")
    assert row.ack_due == add_working_days(NOW, 3)
    assert row.resolve_due == add_working_days(NOW, 10)  # counted from when it arrived
