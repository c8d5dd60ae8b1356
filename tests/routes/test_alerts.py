"""The alerts panel (/canh-bao) over real HTTP against gunicorn: officials see every alert, ward
staff those in their units; acknowledging, assigning, noting and silencing are steps of the
alert and lines of the audit log; a forged action on another district's alert is refused and
changes nothing; a silence without an end is refused."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import text

from geodata.accounts import users
from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.demo.sample import write_sample
from geodata.monitoring.readings import Reading, write_readings
from tests.dbutil import truncate_all
from tests.gauges import add_river_gauge
from tests.servers import gunicorn, sign_in

PASSWORD = "a long password 1"
HOUR = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class Site:
    base: str
    engine: Any
    alerts: dict[str, int]  # district code → its firing alert


def _gauge(conn: Any, code: str, lon: float, lat: float) -> None:
    sensor = add_river_gauge(conn, code, lon, lat)
    quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
    write_readings(conn, [Reading(sensor, quantity, HOUR + dt.timedelta(minutes=5), 2.2)])


@pytest.fixture(scope="module")
def site(engine) -> Iterator[Site]:
    """The demo city, a gauge over Báo động III in Ninh Kiều and one in Cái Răng, a rule that
    fires for both; an official and Ninh Kiều's ward staff."""
    truncate_all(engine)
    write_sample()
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", ["916"])
        _gauge(conn, "g-nk", 105.775, 10.03)
        _gauge(conn, "g-cr", 105.77, 9.99)
        add_rule(conn, "Báo động III", "gauge_level", 3, 2)
        evaluate(conn, HOUR + dt.timedelta(minutes=10))
        alerts = dict(
            conn.execute(
                text(
                    "SELECT CASE s.code WHEN 'g-nk' THEN '916' ELSE '919' END, a.id FROM alert a "
                    "JOIN sensor s ON s.id = a.subject_id"
                )
            ).all()
        )
    with gunicorn() as (base, _):
        yield Site(base, engine, alerts)


def _sign_in(site: Site, username: str) -> requests.Session:
    return sign_in(site.base, username, PASSWORD)


def _panel(session: requests.Session, site: Site) -> tuple[str, str]:
    page = session.get(site.base + "/canh-bao", timeout=10)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return page.text, token.group(1)


def _state(site: Site, alert_id: int) -> Any:
    with site.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT acknowledged_by, assignee, silenced_until, "
                "(SELECT array_agg(action || ':' || coalesce(actor, '') ORDER BY id) "
                " FROM alert_event e WHERE e.alert_id = a.id) AS steps FROM alert a WHERE id = :id"
            ),
            {"id": alert_id},
        ).one()


def test_the_public_are_sent_to_sign_in(site) -> None:
    answer = requests.get(site.base + "/canh-bao", allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_officials_see_both_alerts_and_ward_staff_only_their_districts(site) -> None:
    official, _ = _panel(_sign_in(site, "official"), site)
    assert "g-nk" in official and "g-cr" in official
    assert "2 đang phát · 2 cảnh báo" in official
    ward, _ = _panel(_sign_in(site, "nk.staff"), site)
    assert "g-nk" in ward and "g-cr" not in ward
    assert "1 đang phát · 1 cảnh báo" in ward
    # The map's header counts them too, for each in their scope.
    layout = _sign_in(site, "nk.staff").get(site.base + "/_dash-layout", timeout=10).json()
    assert "Cảnh báo (1)" in json.dumps(layout, ensure_ascii=False)


def test_ward_staff_acknowledge_assign_note_and_silence_their_alert(site) -> None:
    session = _sign_in(site, "nk.staff")
    alert = site.alerts["916"]
    for form in (
        {"action": "acknowledge"},
        {"action": "assign", "assignee": ""},
        {"action": "note", "note": "Đã cử tổ trực ra bờ kè"},
        {"action": "silence", "hours": "3"},
    ):
        _, token = _panel(session, site)
        done = session.post(f"{site.base}/canh-bao/{alert}", data={"csrf_token": token, **form},
                            allow_redirects=False, timeout=10)  # fmt: skip
        assert done.status_code == 303 and "refused" not in done.headers["Location"]
    state = _state(site, alert)
    assert (state.acknowledged_by, state.assignee) == ("nk.staff", "nk.staff")
    assert state.silenced_until > dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert state.steps[-4:] == [
        "acknowledge:nk.staff",
        "assign:nk.staff",
        "note:nk.staff",
        "silence:nk.staff",
    ]
    page, _ = _panel(session, site)
    assert "Đã cử tổ trực ra bờ kè" in page and "Tạm tắt đến" in page
    with site.engine.connect() as conn:
        audited = conn.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'alert_action' "
                 "AND username = 'nk.staff'")
        )  # fmt: skip
    assert audited == 4


def test_a_silence_without_an_end_is_refused_and_changes_nothing(site) -> None:
    session = _sign_in(site, "official")
    alert = site.alerts["919"]
    before = _state(site, alert)
    _, token = _panel(session, site)
    done = session.post(f"{site.base}/canh-bao/{alert}",
                        data={"csrf_token": token, "action": "silence", "hours": ""},
                        timeout=10)  # fmt: skip
    assert "không tắt thông báo vô thời hạn" in done.text
    assert _state(site, alert) == before


def test_a_forged_action_on_another_districts_alert_is_refused_audited_and_changes_nothing(
    site,
) -> None:
    session = _sign_in(site, "nk.staff")
    alert = site.alerts["919"]
    before = _state(site, alert)
    _, token = _panel(session, site)
    forged = session.post(f"{site.base}/canh-bao/{alert}",
                          data={"csrf_token": token, "action": "acknowledge"},
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert forged.status_code == 403
    assert _state(site, alert) == before
    with site.engine.connect() as conn:
        refused = conn.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'act_on_alert' "
                 "AND outcome <> 'success' AND username = 'nk.staff'")
        )  # fmt: skip
    assert refused == 1
    # An id no alert has: not found, whoever asks.
    missing = session.post(
        f"{site.base}/canh-bao/999999",
        data={"csrf_token": token, "action": "acknowledge"},
        timeout=10,
    )
    assert missing.status_code == 404


# --- the rules: officials manage them ---------------------------------------------------------


def _rules_form(session: requests.Session, site: Site) -> str:
    page = session.get(site.base + "/canh-bao/quy-tac", timeout=10)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


def _rule_names(site: Site) -> list[str]:
    with site.engine.connect() as conn:
        return list(conn.scalars(text("SELECT name FROM alert_rule ORDER BY id")))


def test_an_official_adds_a_rule_in_the_page_with_a_decimal_comma(site) -> None:
    session = _sign_in(site, "official")
    token = _rules_form(session, site)
    done = session.post(
        site.base + "/canh-bao/quy-tac",
        data={"csrf_token": token, "name": "Ùn tắc giờ cao điểm", "kind": "unit_congestion",
              "fire_at": "0,4", "clear_at": "0,25", "pending_min": "15", "units": "916, 919"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert done.status_code == 303
    with site.engine.connect() as conn:
        rule = conn.execute(
            text("SELECT fire_at, clear_at, pending_s, unit_codes, public, created_by "
                 "FROM alert_rule WHERE name = 'Ùn tắc giờ cao điểm'")
        ).one()  # fmt: skip
    assert tuple(rule) == (0.4, 0.25, 900, ["916", "919"], False, "official")
    page = session.get(site.base + "/canh-bao/quy-tac", timeout=10).text
    assert "báo ở 0,40, kết thúc ở 0,25, chờ 15 phút" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"kind": "unit_aqi", "fire_at": "600", "clear_at": "100"},
            "Ngưỡng báo: 600 nằm ngoài khoảng 0–500 của chỉ số này",
        ),
        (
            {"kind": "unit_aqi", "fire_at": "150", "clear_at": "160"},
            "Ngưỡng kết thúc: quy tắc báo khi từ 150 trở lên",
        ),
        (
            {"kind": "unit_aqi", "fire_at": "cao", "clear_at": "100"},
            "Ngưỡng báo: «cao» không phải là số",
        ),
        (
            {"kind": "unit_congestion", "fire_at": "0,5", "clear_at": "0,3", "public": "1"},
            "Công khai: chỉ lũ từ báo động II và VN_AQI từ 151 được cảnh báo công khai",
        ),
        (
            {"kind": "gauge_level", "fire_at": "2", "clear_at": "1", "units": "99999"},
            "Phạm vi: không có đơn vị mã 99999",
        ),
    ],
)
def test_a_refused_rule_says_which_field_in_vietnamese_and_nothing_is_stored(
    site, form, message
) -> None:
    session = _sign_in(site, "official")
    before = _rule_names(site)
    token = _rules_form(session, site)
    done = session.post(site.base + "/canh-bao/quy-tac",
                        data={"csrf_token": token, "name": "Sai", **form}, timeout=10)  # fmt: skip
    assert done.status_code == 400
    assert "Chưa lưu được quy tắc — " + message in done.text.replace("&#34;", '"')
    assert 'value="Sai"' in done.text  # what was typed is kept
    assert _rule_names(site) == before


def test_ward_staff_read_the_rules_but_may_not_change_them(site) -> None:
    session = _sign_in(site, "nk.staff")
    _, token = _panel(session, site)  # the rules page has no form for them
    page = session.get(site.base + "/canh-bao/quy-tac", timeout=10).text
    assert "Báo động III" in page and "Lưu quy tắc" not in page
    before = _rule_names(site)
    forged = session.post(site.base + "/canh-bao/quy-tac",
                          data={"csrf_token": token, "name": "Của tôi", "kind": "unit_aqi",
                                "fire_at": "100", "clear_at": "90"}, timeout=10)  # fmt: skip
    assert forged.status_code == 403 and _rule_names(site) == before
    with site.engine.connect() as conn:
        rule_id = conn.scalar(text("SELECT id FROM alert_rule ORDER BY id LIMIT 1"))
    off = session.post(f"{site.base}/canh-bao/quy-tac/{rule_id}",
                       data={"csrf_token": token, "enabled": "0"}, timeout=10)  # fmt: skip
    assert off.status_code == 403


def test_an_official_switches_a_rule_off_and_on_audited(site) -> None:
    session = _sign_in(site, "official")
    with site.engine.connect() as conn:
        rule_id = conn.scalar(text("SELECT id FROM alert_rule ORDER BY id LIMIT 1"))
    for state in ("0", "1"):
        token = _rules_form(session, site)
        done = session.post(f"{site.base}/canh-bao/quy-tac/{rule_id}",
                            data={"csrf_token": token, "enabled": state},
                            allow_redirects=False, timeout=10)  # fmt: skip
        assert done.status_code == 303
        with site.engine.connect() as conn:
            enabled = conn.scalar(
                text("SELECT enabled FROM alert_rule WHERE id = :i"), {"i": rule_id}
            )
        assert enabled is (state == "1")
    with site.engine.connect() as conn:
        changes = list(conn.scalars(text(
            "SELECT detail ->> 'change' FROM audit_log WHERE action = 'alert_rule_change' "
            "AND username = 'official' ORDER BY id")))  # fmt: skip
    assert changes[-2:] == ["disable", "enable"]
    missing = session.post(f"{site.base}/canh-bao/quy-tac/999999",
                           data={"csrf_token": _rules_form(session, site), "enabled": "0"},
                           timeout=10)  # fmt: skip
    assert missing.status_code == 404 and "Không có quy tắc số 999999." in missing.text


def test_the_panel_shows_only_its_own_words_for_a_refusal_never_text_from_the_link(site) -> None:
    session = _sign_in(site, "official")
    page = session.get(site.base + "/canh-bao", params={"refused": "Gọi 0900 để mở khóa"},
                       timeout=10).text  # fmt: skip
    assert "Gọi 0900" not in page
    page = session.get(site.base + "/canh-bao", params={"refused": "silence_without_end"},
                       timeout=10).text  # fmt: skip
    assert "không tắt thông báo vô thời hạn" in page
