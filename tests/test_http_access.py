"""Who sees what, over real HTTP against gunicorn: sign-in, sessions, and the role × layer × unit
matrix of callbacks, including hand-made (forged) callback requests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
import requests
from sqlalchemy import text

from geodata.accounts import users
from geodata.demo.sample import write_sample
from tests.dashreq import DRILL_OUTPUTS, FLOOD_AIR_OUTPUTS, callback_body
from tests.dbutil import truncate_all

PASSWORD = "a long password 1"
ALL_LAYERS = ["Ngập lụt", "Chất lượng không khí", "Giao thông", "Dịch vụ công"]
LIVE = {"at": None, "play": None}
NINH_KIEU, CO_DO = "916", "925"


@pytest.fixture(scope="module")
def city(engine):
    """Two days of demo monitoring data, one official and one Ninh Kiều ward_staff."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", [NINH_KIEU])
    return engine


def _csrf(session: requests.Session, base: str) -> str:
    page = session.get(base + "/login", timeout=10)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:300]
    return match.group(1)


def _sign_in(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    token = _csrf(session, base)
    response = session.post(
        base + "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": "/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def _callback(
    session: requests.Session,
    base: str,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] = (),  # type: ignore[assignment]
) -> requests.Response:
    """POST a callback request exactly as the browser would (or as a forger could)."""
    body = callback_body(outputs, inputs, state)
    return session.post(base + "/_dash-update-component", json=body, timeout=30)


def _layers(session: requests.Session, base: str, unit: str) -> dict[str, Any]:
    response = _callback(
        session,
        base,
        FLOOD_AIR_OUTPUTS,
        [("url", "search", f"?unit={unit}"), ("time-store", "data", LIVE),
         ("refresh-interval", "n_intervals", 0), ("layers-control", "overlays", ALL_LAYERS)],
        [("flood-air-sent", "data", None)],
    )  # fmt: skip
    assert response.status_code in (200, 204), response.text[:300]
    return response.json().get("response", {}) if response.status_code == 200 else {}


def _kpis(session: requests.Session, base: str, unit: str) -> requests.Response:
    return _callback(
        session,
        base,
        [("kpis", "children")],
        [("url", "search", f"?unit={unit}"), ("time-store", "data", LIVE),
         ("refresh-interval", "n_intervals", 0)],
    )  # fmt: skip


def _layout_csrf(node: Any) -> str | None:
    """The sign-out form's CSRF token in a Dash layout (JSON)."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props, dict) and props.get("name") == "csrf_token":
            return str(props["value"])
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _layout_csrf(child)
        if found:
            return found
    return None


def _denials(engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'")))


# --- sign-in ------------------------------------------------------------------------------------


def test_sign_in_needs_the_forms_csrf_token(server, city) -> None:
    session = requests.Session()
    response = session.post(
        server + "/login", data={"username": "official", "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 400


def test_a_wrong_password_is_refused_clearly_and_audited(server, city) -> None:
    session = requests.Session()
    token = _csrf(session, server)
    response = session.post(
        server + "/login",
        data={"csrf_token": token, "username": "official", "password": "wrong one"},
        timeout=10,
    )
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    with city.connect() as conn:
        assert conn.scalar(
            text(
                "SELECT count(*) FROM audit_log WHERE username = 'official' AND outcome = 'failed'"
            )
        )


def test_repeated_failures_are_rate_limited_with_retry_after(server, city) -> None:
    with city.begin() as conn:
        users.add_user(conn, "target", PASSWORD, "official", [])
    session = requests.Session()
    for _ in range(users.MAX_FAILURES_PER_ACCOUNT):
        token = _csrf(session, server)
        session.post(server + "/login", data={"csrf_token": token, "username": "target",
                                              "password": "guess"}, timeout=10)  # fmt: skip
    token = _csrf(session, server)
    response = session.post(
        server + "/login",
        data={"csrf_token": token, "username": "target", "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Quá nhiều lần đăng nhập sai" in response.text


def test_the_session_cookie_is_httponly_samesite_and_renewed_at_sign_in(server, city) -> None:
    session = requests.Session()
    token = _csrf(session, server)
    before = session.cookies.get("session")
    response = session.post(
        server + "/login",
        data={"csrf_token": token, "username": "official", "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    after = session.cookies.get("session")
    assert after and after != before
    # A cookie from before sign-in (what a fixation attack would plant) identifies nobody.
    planted = requests.Session()
    planted.cookies.set("session", before)
    assert "official" not in planted.get(server + "/_dash-layout", timeout=10).text


def test_sign_out_needs_its_token_and_ends_the_session(server, city) -> None:
    session = _sign_in(server, "official")
    assert "Cán bộ IOC" in json.dumps(
        session.get(server + "/_dash-layout", timeout=10).json(), ensure_ascii=False
    )
    assert session.post(server + "/logout", timeout=10).status_code == 400
    token = _layout_csrf(session.get(server + "/_dash-layout", timeout=10).json())
    assert token
    session.post(server + "/logout", data={"csrf_token": token}, timeout=10)
    layout = json.dumps(
        session.get(server + "/_dash-layout", timeout=10).json(), ensure_ascii=False
    )
    assert "Khách (dữ liệu công khai)" in layout


def _props(node: Any, component: str) -> dict[str, Any]:
    """The props of the component ``component`` in a Dash layout (JSON)."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props, dict) and props.get("id") == component:
            return props
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return {}
    for child in children:
        if found := _props(child, component):
            return found
    return {}


def _layout_for(session: requests.Session, base: str, page: str) -> Any:
    """The layout the page ``page`` asks for (its address travels in the Referer)."""
    response = session.get(base + "/_dash-layout", headers={"Referer": base + page}, timeout=10)
    assert response.status_code == 200
    return response.json()


def _unit_names(layout: Any) -> set[str]:
    return {f["properties"]["name"] for f in _props(layout, "units-layer")["data"]["features"]}


def test_the_layout_already_holds_the_units_of_the_page_it_is_for(server, city) -> None:
    public = requests.Session()
    home = _layout_for(public, server, "/")
    # The city's districts, drawn without waiting for a callback; the selection callback is
    # told which query the layout holds, so its first call has nothing to add.
    assert "Ninh Kiều" in _unit_names(home) and "Cái Khế" not in _unit_names(home)
    assert _props(home, "prefilled")["data"] == ""
    assert _props(home, "map-fit")["data"]["bounds"]
    district = _layout_for(public, server, f"/?unit={NINH_KIEU}&layers=flood")
    assert "Cái Khế" in _unit_names(district) and "Ninh Kiều" not in _unit_names(district)
    assert _props(district, "prefilled")["data"] == f"?unit={NINH_KIEU}&layers=flood"


def test_the_selections_first_call_is_skipped_only_for_the_query_the_layout_holds(
    server, city
) -> None:
    search = f"?unit={NINH_KIEU}"
    public = requests.Session()

    def select(prefilled: str, first_call: bool) -> requests.Response:
        body = callback_body(
            DRILL_OUTPUTS, [("url", "search", search)], [("prefilled", "data", prefilled)]
        )
        if first_call:  # the page's first round of callbacks names no changed input
            body["changedPropIds"] = []
        return public.post(server + "/_dash-update-component", json=body, timeout=30)

    assert select(search, first_call=True).status_code == 204  # nothing to add
    for prefilled, first_call in ((search, False), ("", True)):
        answer = select(prefilled, first_call)
        assert answer.status_code == 200
        assert answer.json()["response"]["units-layer"]["data"]["features"]


def test_the_layout_decides_on_the_server_what_ward_staff_may_see(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    refused = _layout_for(staff, server, f"/?unit={CO_DO}")
    assert _props(refused, "units-layer")["data"]["features"] == []
    assert "Bạn không có quyền xem đơn vị này" in json.dumps(refused, ensure_ascii=False)
    names = _unit_names(_layout_for(staff, server, "/"))
    assert "Cái Khế" in names and "Trung An" not in names


def test_a_callback_post_that_is_not_json_is_refused(server, city) -> None:
    response = requests.post(
        server + "/_dash-update-component", data="output=x", timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 415


# --- the role × layer × unit matrix --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "unit", "sees_unit", "sees_reports"),
    [
        ("public", NINH_KIEU, True, False),
        ("public", CO_DO, True, False),
        ("official", NINH_KIEU, True, True),
        ("official", CO_DO, True, True),
        ("ward_staff", NINH_KIEU, True, True),
        ("ward_staff", CO_DO, False, False),
    ],
)
def test_role_layer_unit_matrix(
    server, city, role: str, unit: str, sees_unit: bool, sees_reports: bool
) -> None:
    session = {
        "public": requests.Session,
        "official": lambda: _sign_in(server, "official"),
        "ward_staff": lambda: _sign_in(server, "nk.staff"),
    }[role]()
    denied_before = _denials(city)
    # What a page load asks for: the selection (which audits a refusal), then the layers.
    _callback(session, server, DRILL_OUTPUTS, [("url", "search", f"?unit={unit}")])
    response = _layers(session, server, unit)
    gauges = (response.get("gauges-layer") or {}).get("data", {}).get("features", [])
    air = (response.get("air-layer") or {}).get("data", {}).get("features", [])
    reports = (response.get("reports-layer") or {}).get("data", {}).get("features", [])
    if sees_unit:
        assert gauges or air, "the unit's public layers are served"
    else:
        assert not gauges and not air and not reports, "nothing of another district leaks"
        assert _denials(city) == denied_before + 1, "the refusal is audited, once"
    if not sees_reports:
        assert reports == []  # citizens' reports never reach the public
    kpis = _kpis(session, server, unit)
    text_of_kpis = json.dumps(kpis.json(), ensure_ascii=False) if kpis.status_code == 200 else ""
    assert ("Trạm vượt báo động" in text_of_kpis) is sees_unit


def test_ward_staff_cannot_read_another_districts_units_via_a_forged_callback(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    response = _callback(staff, server, DRILL_OUTPUTS, [("url", "search", f"?unit={CO_DO}")])
    body = response.json()["response"]
    assert body["units-layer"]["data"]["features"] == []
    assert "Bạn không có quyền xem đơn vị này" in json.dumps(body, ensure_ascii=False)
    # The city view asked for by a forger gives ward staff their own district, nothing more.
    home = _callback(staff, server, DRILL_OUTPUTS, [("url", "search", "")])
    names = {
        f["properties"]["name"] for f in home.json()["response"]["units-layer"]["data"]["features"]
    }
    assert "Cái Khế" in names and "Trung An" not in names


def test_ward_staff_get_no_choropleth_values_or_chart_of_other_districts(server, city) -> None:
    with city.connect() as conn:
        co_do_wards = list(conn.scalars(text(
            "SELECT id FROM admin_unit WHERE parent_id = (SELECT id FROM admin_unit "
            "WHERE code = '925')")))  # fmt: skip
        own = list(conn.scalars(text(
            "SELECT id FROM admin_unit WHERE parent_id = (SELECT id FROM admin_unit "
            "WHERE code = '916')")))  # fmt: skip
        outside_sensor = conn.scalar(text(
            "SELECT s.id FROM sensor s, admin_unit u WHERE u.code = '925' "
            "AND ST_Covers(u.geom, s.geom) LIMIT 1"))  # fmt: skip
    staff = _sign_in(server, "nk.staff")
    forged_units = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "properties": {}, "geometry": None}
        for i in co_do_wards + own]}  # fmt: skip
    response = _callback(
        staff, server, [("units-layer", "hideout")],
        [("units-layer", "data", forged_units), ("choropleth-indicator", "value", "coverage"),
         ("service-kind", "value", "health_station"), ("time-store", "data", LIVE),
         ("refresh-interval", "n_intervals", 0)],
    )  # fmt: skip
    values = response.json()["response"]["units-layer"]["hideout"]["values"]
    assert set(values) == {str(i) for i in own}
    denied_before = _denials(city)
    chart = _callback(
        staff, server, [("chart", "figure")],
        [("url", "search", f"?unit={NINH_KIEU}"), ("time-store", "data", LIVE),
         ("selected-sensor", "data", outside_sensor)],
    )  # fmt: skip
    assert chart.status_code == 204 or "figure" not in chart.text
    assert _denials(city) > denied_before


# --- the audit log viewer ------------------------------------------------------------------------


def test_officials_read_the_audit_log_newest_first_and_filtered(server, city) -> None:
    requests.Session().post(server + "/login", data={}, timeout=10)  # no token: not logged
    stranger = requests.Session()
    token = _csrf(stranger, server)
    stranger.post(server + "/login", data={"csrf_token": token, "username": "official",
                                           "password": "not it"}, timeout=10)  # fmt: skip
    official = _sign_in(server, "official")
    page = official.get(server + "/audit", timeout=10)
    assert page.status_code == 200
    assert "Nhật ký truy cập" in page.text
    table = page.text.split("<tbody>")[1]
    # Newest first: this sign-in, then the stranger's failed one.
    assert table.index("<td>Thành công</td>") < table.index("<td>Sai mật khẩu</td>")
    failed = official.get(server + "/audit", params={"outcome": "failed"}, timeout=10).text
    rows = failed.split("<tbody>")[1]
    assert "<td>Sai mật khẩu</td>" in rows and "<td>Thành công</td>" not in rows
    english = official.get(server + "/audit", cookies={"lang": "en"}, timeout=10).text
    assert "Audit log" in english and "Failed" in english
    # Days as typed in Vietnam (dd/mm/yyyy), or ISO as links carry them.
    from web.request import today

    day = today()
    typed = official.get(server + "/audit", params={"since": f"{day:%d/%m/%Y}"}, timeout=10)
    assert typed.status_code == 200 and "<td>Thành công</td>" in typed.text
    assert 'placeholder="dd/mm/yyyy"' in typed.text and 'type="date"' not in typed.text
    tomorrow = day + dt.timedelta(days=1)
    later = official.get(server + "/audit", params={"since": tomorrow.isoformat()}, timeout=10)
    assert later.status_code == 200 and "<tbody>" not in later.text


def test_a_bad_audit_filter_names_the_field_and_shows_nothing(server, city) -> None:
    official = _sign_in(server, "official")
    page = official.get(server + "/audit", params={"since": "31/02/2026"}, timeout=10)
    assert page.status_code == 400
    assert "Trường “since”: “31/02/2026” không phải ngày hợp lệ" in page.text
    assert "<tbody>" not in page.text
    csv_export = official.get(server + "/audit.csv", params={"page": "x"}, timeout=10)
    assert csv_export.status_code == 400 and "page" in csv_export.text


def test_ward_staff_and_the_public_cannot_read_the_audit_log(server, city) -> None:
    denied_before = _denials(city)
    staff = _sign_in(server, "nk.staff")
    assert staff.get(server + "/audit", timeout=10).status_code == 403
    assert staff.get(server + "/audit.csv", timeout=10).status_code == 403
    assert _denials(city) == denied_before + 2
    public = requests.get(server + "/audit.csv", allow_redirects=False, timeout=10)
    assert public.status_code == 302 and public.headers["Location"].startswith("/login?next=")
    # The link to it is offered to officials only.
    layout = json.dumps(staff.get(server + "/_dash-layout", timeout=10).json())
    assert '"/audit"' not in layout
    official_layout = _sign_in(server, "official").get(server + "/_dash-layout", timeout=10)
    assert '"/audit"' in json.dumps(official_layout.json())


def test_the_details_column_reads_as_words_with_times_in_can_tho_time(server, city) -> None:
    official = _sign_in(server, "official")
    # 10:00 in Cần Thơ is 03:00 UTC, as the log keeps it.
    moment = {"unit": NINH_KIEU, "at": "2026-11-26T10:00"}
    official.get(server + "/download/gauges.csv", params=moment, timeout=10)
    page = official.get(server + "/audit", params={"action": "export"}, timeout=10).text
    detail = re.findall(r'<td class="audit-detail">([^<]*)</td>', page)[0]
    from domain.clock import CITY_TZ
    from layouts.i18n import fmt_datetime

    local = fmt_datetime(dt.datetime(2026, 11, 26, 10, 0, tzinfo=CITY_TZ), "vi")
    assert set(detail.split(" · ")) == {
        "Lớp: gauges", "Định dạng: csv", f"Đơn vị: {NINH_KIEU}", "Số dòng: 1",
        f"Thời điểm số liệu: {local}",
    }  # fmt: skip
    english = official.get(server + "/audit", params={"action": "export"},
                           cookies={"lang": "en"}, timeout=10).text  # fmt: skip
    assert "Layer: gauges · Format: csv" in english
    assert "{" not in detail and "03:00" not in detail and "+00:00" not in detail


# What a browser asks for: it is shown the refusal as a page (a script gets plain text).
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_refusal_opened_in_a_browser_looks_like_the_site_and_leads_home(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    page = staff.get(server + "/audit", headers=BROWSER_ACCEPT, timeout=10)
    assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in page.text
    assert '<link rel="stylesheet" href="/assets/style.css">' in page.text
    assert "Chỉ cán bộ IOC và quản trị viên được xem nhật ký truy cập." in page.text
    assert '<a class="home-link" href="/">← Về bản đồ</a>' in page.text
    english = staff.get(server + "/audit", headers=BROWSER_ACCEPT, cookies={"lang": "en"},
                        timeout=10)  # fmt: skip
    assert '<html lang="en">' in english.text and "Only IOC officials" in english.text
    assert '<a class="home-link" href="/">← Back to the map</a>' in english.text
    # A printed map of another district, opened in a new tab; a sign-out whose form expired.
    printed = staff.get(server + "/print/map.png", params={"unit": CO_DO},
                        headers=BROWSER_ACCEPT, timeout=10)  # fmt: skip
    assert printed.status_code == 403 and "Bạn không có quyền xem đơn vị này." in printed.text
    assert 'href="/"' in printed.text
    expired = staff.post(server + "/logout", headers=BROWSER_ACCEPT, timeout=10)
    assert expired.status_code == 400 and "Phiên làm việc đã hết hạn" in expired.text
    assert 'href="/"' in expired.text
    # Scripts (no Accept, or */*) still get the reason alone, as plain text.
    plain = staff.get(server + "/audit.csv", timeout=10)
    assert plain.status_code == 403 and plain.headers["Content-Type"].startswith("text/plain")
    assert plain.text.strip() == "Chỉ cán bộ IOC và quản trị viên được xem nhật ký truy cập."


def test_an_audit_export_is_a_csv_of_the_filtered_log_and_is_itself_logged(server, city) -> None:
    official = _sign_in(server, "official")
    response = official.get(server + "/audit.csv", params={"action": "sign_in"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Số thứ tự", "Thời điểm", "Người dùng", "Địa chỉ", "Hành động", "Kết quả", "Chi tiết"
    ]  # fmt: skip
    assert len(rows) > 1 and {row[4] for row in rows[1:]} == {"sign_in"}
    with city.connect() as conn:
        logged = conn.execute(text(
            "SELECT username, detail FROM audit_log WHERE action = 'export_audit' "
            "ORDER BY id DESC LIMIT 1")).one()  # fmt: skip
    assert logged.username == "official"
    assert (
        logged.detail["filters"] == {"action": "sign_in"} and logged.detail["rows"] == len(rows) - 1
    )
