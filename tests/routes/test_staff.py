"""Xử lý phản ánh (/xu-ly) over real HTTP against gunicorn: the public are sent to sign in, ward
staff see and act on the reports of their units only (a forged request for another district's
report is refused, audited and changes nothing), every action writes the history and the audit
log, and the citizen's e-mail update reaches a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import text

from geodata.accounts import users
from geodata.demo.sample import write_sample
from geodata.reports import photos, service
from geodata.reports.service import NewReport
from tests.dbutil import truncate_all
from tests.servers import free_port, gunicorn

PASSWORD = "a long password 1"
NINH_KIEU = (105.775, 10.03)  # in Ninh Kiều (916)
CAI_RANG = (105.77, 9.99)  # in Cái Răng (919)
CITIZEN = "an.nguyen@example.vn"


@dataclass
class Inbox:
    """What the SMTP server accepted: recipients and raw messages."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class Site:
    base: str
    engine: Any
    inbox: Inbox
    photo_dir: Path


@pytest.fixture(scope="module")
def site(engine, tmp_path_factory) -> Iterator[Site]:
    """The demo city, three accounts, and gunicorn sending e-mail to aiosmtpd on loopback and
    keeping photos in a folder of its own."""
    truncate_all(engine)
    write_sample()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM citizen_report"))
        users.add_user(conn, "official", PASSWORD, "official", [])
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", ["916"])
        users.add_user(conn, "cr.staff", PASSWORD, "ward_staff", ["919"])
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    photo_dir = tmp_path_factory.mktemp("photos")
    env = {"CANTHO_SMTP_HOST": "127.0.0.1", "CANTHO_SMTP_PORT": str(smtp_port),
           "CANTHO_PHOTO_DIR": str(photo_dir)}  # fmt: skip
    try:
        with gunicorn(env) as (base, _):
            yield Site(base, engine, inbox, photo_dir)
    finally:
        controller.stop()


def _report(site: Site, where=NINH_KIEU, category: str = "waste", **contact) -> str:
    now = dt.datetime.now(dt.UTC)
    new = NewReport(category, *where, description="Rác đổ đầy lề đường", **contact)
    with site.engine.begin() as conn:
        return service.submit(conn, new, now, now.date()).code


def _sign_in(site: Site, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(site.base + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = session.post(
        site.base + "/login",
        data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def _csrf(session: requests.Session, site: Site, code: str) -> str:
    page = session.get(f"{site.base}/xu-ly/{code}", timeout=10)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _act(session: requests.Session, site: Site, code: str, **form: str) -> requests.Response:
    token = _csrf(session, site, code)
    return session.post(f"{site.base}/xu-ly/{code}", data={"csrf_token": token, **form},
                        allow_redirects=False, timeout=30)  # fmt: skip


def _state(site: Site, code: str) -> tuple[Any, ...]:
    with site.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT r.status, r.resolution, r.category, r.agency_code, r.hidden, "
                    "(SELECT count(*) FROM report_event e WHERE e.report_id = r.id) "
                    "FROM citizen_report r WHERE r.code = :c"
                ),
                {"c": code},
            ).one()
        )


def _events(site: Site, code: str) -> list[tuple[str, str | None, bool]]:
    with site.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.kind, e.actor, e.public FROM report_event e "
                "JOIN citizen_report r ON r.id = e.report_id WHERE r.code = :c ORDER BY e.id"
            ),
            {"c": code},
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _audit(site: Site, code: str) -> list[tuple[str, str, str | None]]:
    with site.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, outcome, username FROM audit_log "
                "WHERE detail->>'report' = :c ORDER BY id"
            ),
            {"c": code},
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# --- who may come in -----------------------------------------------------------------------------


def test_the_public_gets_the_sign_in_page_and_changes_nothing(site: Site) -> None:
    code = _report(site)
    before = _state(site, code)
    for path in ("/xu-ly", f"/xu-ly/{code}", f"/xu-ly/{code}?done=acknowledge"):
        response = requests.get(site.base + path, allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    forged = requests.post(f"{site.base}/xu-ly/{code}", data={"action": "acknowledge"},
                           allow_redirects=False, timeout=10)  # fmt: skip
    assert forged.status_code == 302 and forged.headers["Location"].startswith("/login")
    assert _state(site, code) == before
    # The map's top bar offers the queue to staff only.
    public_bar = requests.get(site.base + "/_dash-layout", timeout=10).json()
    staff_bar = _sign_in(site, "nk.staff").get(site.base + "/_dash-layout", timeout=10).json()
    assert '"/xu-ly"' not in json.dumps(public_bar) and '"/xu-ly"' in json.dumps(staff_bar)


def test_ward_staff_see_their_units_reports_only(site: Site) -> None:
    ours, theirs = _report(site), _report(site, CAI_RANG)
    staff = _sign_in(site, "nk.staff")
    page = staff.get(site.base + "/xu-ly?status=all", timeout=10)
    assert page.status_code == 200 and ours in page.text and theirs not in page.text
    # The unit choices are their district and its wards, nothing else.
    units = re.findall(r'<option value="(9\d{2,4})"', page.text)
    assert units and all(code.startswith("916") for code in units)
    official = _sign_in(site, "official").get(site.base + "/xu-ly?status=all", timeout=10)
    assert ours in official.text and theirs in official.text


def test_a_forged_request_for_another_district_s_report_is_refused_audited_and_changes_nothing(
    site: Site,
) -> None:
    theirs = _report(site, CAI_RANG, email=CITIZEN)
    before = _state(site, theirs)
    staff = _sign_in(site, "nk.staff")
    # Its page: refused with a way back to the queue.
    page = staff.get(f"{site.base}/xu-ly/{theirs}", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 403
    assert "nằm ngoài địa bàn bạn phụ trách" in page.text and 'href="/xu-ly"' in page.text
    # A hand-made action with a valid token (taken from one of the staff's own reports).
    token = _csrf(staff, site, _report(site))
    for action in ({"action": "acknowledge"}, {"action": "resolve", "resolution": "spam"},
                   {"action": "note", "text": "x"}):  # fmt: skip
        forged = staff.post(f"{site.base}/xu-ly/{theirs}", data={"csrf_token": token, **action},
                            headers={"Accept": "text/html"}, allow_redirects=False,
                            timeout=10)  # fmt: skip
        assert forged.status_code == 403, forged.text[:300]
    assert _state(site, theirs) == before
    denied = [(a, o, u) for a, o, u in _audit(site, theirs) if o == "denied"]
    assert ("view_report", "denied", "nk.staff") in denied
    assert ("act_report", "denied", "nk.staff") in denied
    assert site.inbox.received == [] or all(CITIZEN not in to for to, _ in site.inbox.received)
    # A unit of another district in the filter: refused and audited as well.
    unit = staff.get(f"{site.base}/xu-ly?unit=919", timeout=10)
    assert unit.status_code == 403
    with site.engine.connect() as conn:
        assert conn.scalar(
            text(
                "SELECT count(*) FROM audit_log WHERE action = 'view_unit' "
                "AND outcome = 'denied' AND username = 'nk.staff' AND detail->>'unit' = '919'"
            )
        )


def test_an_action_without_the_form_s_token_is_refused(site: Site) -> None:
    code = _report(site)
    before = _state(site, code)
    staff = _sign_in(site, "nk.staff")
    response = staff.post(f"{site.base}/xu-ly/{code}", data={"action": "acknowledge"},
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert response.status_code == 400
    assert _state(site, code) == before


# --- the actions ---------------------------------------------------------------------------------

ACTIONS = [
    ({"action": "acknowledge"}, "acknowledged", True, ("acknowledged", None, "waste")),
    ({"action": "assign", "agency": "ubnd-xa-phuong", "assignee": "Trần Bình"}, "assigned",
     True, ("in_progress", None, "waste")),
    ({"action": "recategorise", "category": "encroachment"}, "recategorised", True,
     ("in_progress", None, "encroachment")),
    ({"action": "publish", "description_public": "1"}, "published", False,
     ("in_progress", None, "encroachment")),
    ({"action": "reply", "text": "Đã cử người kiểm tra."}, "reply", True,
     ("in_progress", None, "encroachment")),
    ({"action": "note", "text": "Chủ sạp hẹn dọn trước thứ Sáu."}, "note", False,
     ("in_progress", None, "encroachment")),
    ({"action": "resolve", "resolution": "fixed", "text": "Đã dọn xong."}, "resolved", True,
     ("resolved", "fixed", "encroachment")),
    ({"action": "reopen", "text": "Vẫn còn rác."}, "reopened", True,
     ("acknowledged", None, "encroachment")),
    ({"action": "publish", "hidden": "1"}, "hidden", False,
     ("acknowledged", None, "encroachment")),
]  # fmt: skip


def test_each_action_writes_the_history_and_the_audit_log(site: Site) -> None:
    code = _report(site)
    staff = _sign_in(site, "nk.staff")
    for form, kind, public, (status, resolution, category) in ACTIONS:
        response = _act(staff, site, code, **form)
        assert response.status_code == 302, (form, response.text[:500])
        assert response.headers["Location"].startswith(f"/xu-ly/{code}?done={form['action']}")
        assert _events(site, code)[-1] == (kind, "nk.staff", public)
        assert _audit(site, code)[-1] == (f"report_{form['action']}", "success", "nk.staff")
        assert _state(site, code)[:3] == (status, resolution, category)
    # The file shows it all, notes and who acted included.
    page = staff.get(f"{site.base}/xu-ly/{code}", timeout=10).text
    assert "Chủ sạp hẹn dọn trước thứ Sáu." in page and "Trần Bình" in page
    assert page.count("nk.staff") >= len(ACTIONS)


def test_staff_take_a_report_in_one_tap_and_find_it_under_assigned_to_me(site: Site) -> None:
    mine, other = _report(site), _report(site)
    staff = _sign_in(site, "nk.staff")
    page = staff.get(f"{site.base}/xu-ly/{mine}", timeout=10).text
    assert "Tôi nhận xử lý" in page
    taken = _act(staff, site, mine, action="assign", assignee="nk.staff")
    assert taken.status_code == 302
    assert _events(site, mine)[-1] == ("assigned", "nk.staff", True)
    # Once theirs, the button is gone; the queue narrowed to them lists it and not the other.
    assert "Tôi nhận xử lý" not in staff.get(f"{site.base}/xu-ly/{mine}", timeout=10).text
    listed = staff.get(f"{site.base}/xu-ly?mine=1", timeout=10).text
    assert mine in listed and other not in listed
    assert 'name="mine" value="1"\n checked' in listed
    everyone = staff.get(f"{site.base}/xu-ly", timeout=10).text
    assert mine in everyone and other in everyone


def test_marking_a_duplicate_closes_it_as_part_of_the_other(site: Site) -> None:
    original, copy = _report(site), _report(site)
    staff = _sign_in(site, "nk.staff")
    response = _act(staff, site, copy, action="duplicate", duplicate_of=original.lower())
    assert response.status_code == 302
    assert _state(site, copy)[:2] == ("resolved", "duplicate")
    assert _events(site, copy)[-1] == ("duplicate", "nk.staff", True)
    assert original in staff.get(f"{site.base}/xu-ly/{copy}", timeout=10).text


def test_a_refused_action_says_why_in_the_page_s_language_and_changes_nothing(site: Site) -> None:
    code = _report(site)
    before = _state(site, code)
    staff = _sign_in(site, "nk.staff")
    response = _act(staff, site, code, action="resolve", resolution="forgotten")
    assert response.status_code == 400
    assert "Kết quả xử lý “forgotten” không hợp lệ." in response.text
    assert 'href="/xu-ly"' in response.text  # the way back to the queue
    staff.cookies.set("lang", "en")
    english = _act(staff, site, code, action="reply", text="")
    assert english.status_code == 400 and "Write something first." in english.text
    assert _state(site, code) == before


# --- e-mail to the citizen -----------------------------------------------------------------------


def test_a_public_reply_reaches_the_citizen_by_e_mail_and_a_note_does_not(site: Site) -> None:
    code = _report(site, email=CITIZEN, name="An")
    staff = _sign_in(site, "nk.staff")
    site.inbox.received.clear()
    response = _act(staff, site, code, action="note", text="Nội bộ: gọi lại sau")
    assert response.status_code == 302 and "mail=" not in response.headers["Location"]
    reply = "Đội vệ sinh sẽ thu gom trong sáng mai."
    response = _act(staff, site, code, action="reply", text=reply)
    assert response.status_code == 302 and "mail=1" in response.headers["Location"]
    [(to, raw)] = site.inbox.received
    assert to == [CITIZEN]
    message = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[arg-type]
    assert message["Subject"] == f"Phản ánh {code}: Mới tiếp nhận"
    body = message.get_content()  # type: ignore[attr-defined]
    assert reply in body and f"/phan-anh/{code}" in body and "Nội bộ" not in body
    # The page tells the staff member the citizen was told.
    shown = staff.get(site.base + response.headers["Location"], timeout=10).text
    assert "Đã gửi e-mail cập nhật cho người phản ánh." in shown


def test_an_anonymous_report_is_handled_without_e_mail(site: Site) -> None:
    code = _report(site)
    site.inbox.received.clear()
    response = _act(_sign_in(site, "official"), site, code, action="acknowledge")
    assert response.status_code == 302 and "mail=" not in response.headers["Location"]
    assert site.inbox.received == []


# --- photos --------------------------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_staff_see_the_unpublished_photos_of_their_reports_only(site: Site) -> None:
    ours = _report(site)
    picture = photos.accept(_png(), "anh.png")
    # Stored where the server keeps photos (the test process has its own settings).
    for sha, content in ((picture.sha256, picture.content), (picture.thumb_sha256, picture.thumb)):
        path = site.photo_dir / sha[:2] / sha[2:4] / f"{sha}.{photos.MIMES[picture.mime]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    with site.engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM citizen_report")).all())
        service.add_photos(conn, ids[ours], [picture])
    staff = _sign_in(site, "nk.staff")
    page = staff.get(f"{site.base}/xu-ly/{ours}", timeout=10).text
    assert "chưa công khai" in page  # the photos are marked as not published
    full = re.search(r'<a href="(/phan-anh/[^"]+)"><img\s+src="([^"]+)"', page)
    assert full, page[:2000]
    for link, content in ((full.group(1), picture.content), (full.group(2), picture.thumb)):
        shown = staff.get(site.base + link, timeout=10)
        assert shown.status_code == 200 and shown.content == content
        # Another district's staff and the public: as if there were no such photo.
        assert _sign_in(site, "cr.staff").get(site.base + link, timeout=10).status_code == 404
        assert requests.get(site.base + link, timeout=10).status_code == 404


def test_a_failed_e_mail_never_fails_the_action(site: Site) -> None:
    code = _report(site, email=CITIZEN)
    # Another server on the same database whose SMTP server is down (nothing listens there).
    with gunicorn({"CANTHO_SMTP_HOST": "127.0.0.1", "CANTHO_SMTP_PORT": str(free_port())},
                  workers=1) as (base, _):  # fmt: skip
        broken = Site(base, site.engine, Inbox(), site.photo_dir)
        response = _act(_sign_in(broken, "nk.staff"), broken, code, action="acknowledge")
        assert response.status_code == 302 and "mail=0" in response.headers["Location"]
        shown = _sign_in(broken, "nk.staff").get(base + response.headers["Location"]).text
    assert "Chưa gửi được e-mail cho người phản ánh (thao tác vẫn được ghi)." in shown
    assert _state(site, code)[0] == "acknowledged"
    assert _events(site, code)[-1] == ("acknowledged", "nk.staff", True)
