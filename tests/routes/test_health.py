"""Backup health for officials over real HTTP against gunicorn: the page /he-thong/sao-luu (the
newest good backup, the last failure and why, WAL archiving; why there is nothing yet and how to
start), a line of it on the alerts panel, the backup alert named and valued there, and the
header's sign; the public sent to sign in, ward staff refused (and audited) and shown none of it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import text

from domain.clock import CITY_TZ
from geodata.accounts import users
from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.demo.sample import write_sample
from tests.backup_runs import add_backup_run
from tests.dbutil import truncate_all
from tests.servers import gunicorn, sign_in

PASSWORD = "a long password 1"
PAGE = "/he-thong/sao-luu"
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now_is_when_the_test_starts() -> None:
    """NOW is each test's own start: the pages read the clock, and the suite may run a test many
    minutes after it was collected."""
    global NOW
    NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


@dataclass
class Site:
    base: str
    engine: Any


@pytest.fixture(scope="module")
def site(engine) -> Iterator[Site]:
    """The demo city's units (no monitoring data), an official and Ninh Kiều's ward staff."""
    truncate_all(engine)
    write_sample()
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", ["916"])
    with gunicorn() as (base, _):
        yield Site(base, engine)


@pytest.fixture
def no_backups(site: Site) -> Site:
    with site.engine.begin() as conn:
        conn.execute(text("DELETE FROM backup_run"))
        conn.execute(text("DELETE FROM alert_rule"))
    return site


def _get(session: requests.Session, site: Site, path: str, lang: str = "vi") -> str:
    session.cookies.set("lang", lang)
    page = session.get(site.base + path, timeout=10)
    assert page.status_code == 200, page.text[:300]
    return page.text


def _header(session: requests.Session, site: Site) -> str:
    session.cookies.set("lang", "vi")
    layout = session.get(site.base + "/_dash-layout", timeout=10).json()
    return json.dumps(layout, ensure_ascii=False)


def test_the_public_are_sent_to_sign_in(site) -> None:
    answer = requests.get(site.base + PAGE, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=" + PAGE


def test_ward_staff_are_refused_audited_and_shown_no_sign_of_it(no_backups) -> None:
    site = no_backups
    session = sign_in(site.base, "nk.staff", PASSWORD)
    refused = session.get(site.base + PAGE, timeout=10)
    assert refused.status_code == 403
    assert "Chỉ cán bộ điều hành thành phố được xem tình trạng sao lưu." in refused.text
    assert "Bản sao lưu tốt gần nhất" not in refused.text
    with site.engine.connect() as conn:
        audited = conn.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'view_system_health' "
                 "AND outcome <> 'success' AND username = 'nk.staff'")
        )  # fmt: skip
    assert audited == 1
    panel = _get(session, site, "/canh-bao")
    assert PAGE not in panel and "Sao lưu" not in panel
    assert "Sao lưu cần xem" not in _header(session, site)


def test_with_no_backup_an_official_is_told_why_how_to_start_and_the_way_back(no_backups) -> None:
    site = no_backups
    session = sign_in(site.base, "official", PASSWORD)
    page = _get(session, site, PAGE)
    assert "Chưa có bản sao lưu nào." in page and "<code>make backup</code>" in page
    assert '<a href="/">← Về bản đồ</a>' in page
    assert "Cần xem" in page and "Chưa có lần lỗi nào." in page
    assert "không cũ hơn 26 giờ" in page
    english = _get(session, site, PAGE, "en")
    assert "No backup yet." in english and "then schedule it daily" in english
    # The map's header warns them, and the alerts panel carries a line of it.
    assert "⚠ Sao lưu cần xem" in _header(session, site)
    panel = _get(session, site, "/canh-bao")
    assert f'<a href="{PAGE}">Chưa có bản sao lưu nào.' in panel


def test_an_official_sees_the_newest_good_backup_and_the_last_failure_in_their_language(
    no_backups,
) -> None:
    site = no_backups
    finished = NOW - 3 * HOUR
    add_backup_run(site.engine, finished, label="20261202-031500F")
    add_backup_run(site.engine, NOW - HOUR, ok=False, kind="incr",
                   error="ERROR: [047]: unable to create path '/srv/backup'")  # fmt: skip
    session = sign_in(site.base, "official", PASSWORD)
    page = _get(session, site, PAGE)
    local = finished.astimezone(CITY_TZ)
    assert f"Xong lúc {local:%H:%M %d/%m/%Y}, cách đây 3,0 giờ" in page
    assert "Toàn phần" in page and "Nhãn 20261202-031500F · kho /srv/backup/cantho" in page
    assert "Cơ sở dữ liệu 1,5 GB · trong kho 420,0 MB · 1.234 tệp (2,5 MB)" in page
    assert "(Gia tăng): ERROR: [047]: unable to create path &#39;/srv/backup&#39;" in page
    assert "1 lần lỗi kể từ bản tốt gần nhất." in page
    english = _get(session, site, PAGE, "en")
    assert f"Finished {local:%H:%M %-d %b %Y}, 3.0 hours ago" in english
    assert "Database 1.5 GB · in the repository 420.0 MB · 1,234 files (2.5 MB)" in english
    assert "Failed runs since the newest good backup: 1." in english


def test_the_backup_alert_is_named_and_valued_on_the_panel_for_officials_only(no_backups) -> None:
    site = no_backups
    add_backup_run(site.engine, NOW - 30 * HOUR)
    with site.engine.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
        evaluate(conn, NOW)
    official = sign_in(site.base, "official", PASSWORD)
    panel = _get(official, site, "/canh-bao")
    assert "Sao lưu quá hạn" in panel
    assert "Cơ sở dữ liệu chính · bản sao lưu tốt gần nhất cách đây 30,0 giờ" in panel
    assert "1 đang phát · 1 cảnh báo" in panel
    english = _get(official, site, "/canh-bao", "en")
    assert "Primary database · newest good backup 30.0 hours old" in english
    rules = _get(official, site, "/canh-bao/quy-tac")
    assert "Tuổi của bản sao lưu tốt gần nhất (giờ)" in rules
    assert "phạm vi: Cơ sở dữ liệu chính" in rules
    ward = _get(sign_in(site.base, "nk.staff", PASSWORD), site, "/canh-bao")
    assert "Sao lưu quá hạn" not in ward and "0 đang phát · 0 cảnh báo" in ward


def test_health_is_read_from_the_primary_even_with_a_read_replica_configured(
    no_backups, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geodata.db import read_router, reading
    from geodata.ops.dbadmin import database_url
    from geodata.settings import get_settings
    from routes.health import read_health
    from web.access import Caller

    add_backup_run(no_backups.engine, NOW - HOUR)
    # A "replica" that is another database, holding no backup_run: a read routed there fails.
    other = database_url(get_settings().database_url, "postgres")
    monkeypatch.setenv("CANTHO_READ_DATABASE_URL", other)
    get_settings.cache_clear()
    read_router.cache_clear()
    try:
        missing = pytest.raises(Exception, match='relation "backup_run" does not exist')
        with missing, reading() as conn:
            conn.execute(text("SELECT 1 FROM backup_run"))
        health = read_health(Caller("official", "official"))
        assert health.newest_good is not None and health.age_h == pytest.approx(1.0, abs=0.1)
    finally:
        monkeypatch.delenv("CANTHO_READ_DATABASE_URL")
        get_settings.cache_clear()
        read_router.cache_clear()
