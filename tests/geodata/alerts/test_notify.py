"""Alert e-mail to subscribed staff through a real SMTP server on loopback (aiosmtpd): grouped
(a wait before the first message, at most one per interval, a reminder for alerts still firing),
each subscriber told only of their scope, silenced alerts left out, nothing recorded as told
when the server did not take the message."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, text

from geodata.accounts import users
from geodata.alerts.actions import AlertRefused, act
from geodata.alerts.evaluate import evaluate
from geodata.alerts.notify import notify, subscribe, unsubscribe
from geodata.alerts.rules import add_rule
from geodata.monitoring.readings import Reading, write_readings
from geodata.settings import get_settings
from layouts.alert_mail import alert_mail
from tests.gauges import add_river_gauge
from tests.servers import free_port

T = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
PASSWORD = "a long password 1"


@dataclass
class Inbox:
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    down: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.down:
            return "451 4.3.0 Try again later"
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def take(self) -> dict[str, list[email.message.EmailMessage]]:
        """The messages received since the last look, by recipient."""
        out: dict[str, list[Any]] = {}
        for to, raw in self.received:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            for address in to:
                out.setdefault(address, []).append(message)
        self.received.clear()
        return out


@pytest.fixture
def inbox(monkeypatch) -> Iterator[Inbox]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CANTHO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CANTHO_SMTP_PORT", str(port))
    get_settings.cache_clear()
    try:
        yield box
    finally:
        controller.stop()
        monkeypatch.undo()
        get_settings.cache_clear()


def _level(engine: Engine, sensor: int, hour: dt.datetime, metres: float) -> None:
    with engine.begin() as conn:
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
        write_readings(conn, [Reading(sensor, quantity, hour + dt.timedelta(minutes=5), metres)])


def _write(changes: list, lang: str, firing: int) -> tuple[str, str]:
    return alert_mail(changes, lang, firing, "https://ioc.example/canh-bao")


def _turn(engine: Engine, now: dt.datetime) -> int:
    with engine.begin() as conn:
        return notify(conn, now, _write)


@dataclass
class City:
    engine: Engine
    ninh_kieu: int  # the gauge in Ninh Kiều (916)
    cai_rang: int  # the gauge in Cái Răng (919)


@pytest.fixture
def city(demo_db: Engine, inbox: Inbox) -> City:
    """Two gauges over Báo động II from T, a rule firing for both, an official and Ninh Kiều's
    ward staff subscribed."""
    with demo_db.begin() as conn:
        users.add_user(conn, "duty", PASSWORD, "official", [])
        users.add_user(conn, "nk", PASSWORD, "ward_staff", ["916"])
        subscribe(conn, "duty", "duty@ioc.example")
        subscribe(conn, "nk", "nk@ioc.example", "en")
        nk, cr = add_river_gauge(conn, "g-nk"), add_river_gauge(conn, "g-cr", 105.77, 9.99)
        add_rule(conn, "Báo động II", "gauge_level", 2, 1)
    for sensor in (nk, cr):
        _level(demo_db, sensor, T, 1.95)
    with demo_db.begin() as conn:
        assert evaluate(conn, T).firing == 2
    return City(demo_db, nk, cr)


def test_changes_wait_then_go_out_together_each_subscriber_told_their_scope(city, inbox) -> None:
    assert _turn(city.engine, T + dt.timedelta(seconds=10)) == 0  # still waiting for more
    assert _turn(city.engine, T + dt.timedelta(seconds=31)) == 2
    mail = inbox.take()
    (official,) = mail["duty@ioc.example"]
    assert official["Subject"] == "[IOC Cần Thơ] Cảnh báo: 2 đang phát, 0 đã kết thúc"
    body = official.get_content()
    assert "ĐANG PHÁT" in body and "g-nk (g-nk)" in body and "g-cr (g-cr)" in body
    assert "https://ioc.example/canh-bao" in body
    (ward,) = mail["nk@ioc.example"]  # in English, as subscribed; their district only
    assert ward["Subject"] == "[Cần Thơ IOC] Alerts: 1 firing, 0 resolved"
    assert "g-nk" in ward.get_content() and "g-cr" not in ward.get_content()
    assert _turn(city.engine, T + dt.timedelta(seconds=40)) == 0  # nothing new


def test_a_resolution_waits_for_the_interval_and_reminders_follow_the_repeat(city, inbox) -> None:
    _turn(city.engine, T + dt.timedelta(seconds=31))
    inbox.take()
    _level(city.engine, city.cai_rang, T + dt.timedelta(hours=1), 1.2)
    with city.engine.begin() as conn:
        assert evaluate(conn, T + dt.timedelta(hours=1, minutes=1)).resolved == 1
    # Resolved at T+1h01: the last message went at T+0:31, the interval (5 min) is over.
    assert _turn(city.engine, T + dt.timedelta(hours=1, minutes=1, seconds=20)) == 0  # waiting
    assert _turn(city.engine, T + dt.timedelta(hours=1, minutes=2)) == 1
    (official,) = inbox.take()["duty@ioc.example"]
    assert official["Subject"] == "[IOC Cần Thơ] Cảnh báo: 0 đang phát, 1 đã kết thúc"
    assert "ĐÃ KẾT THÚC" in official.get_content()
    # Four hours after they were told, Ninh Kiều's alert, still firing, is told again to both.
    assert _turn(city.engine, T + dt.timedelta(hours=4, minutes=2)) == 2
    mail = inbox.take()
    assert "VẪN ĐANG PHÁT" in mail["duty@ioc.example"][0].get_content()
    assert "STILL FIRING" in mail["nk@ioc.example"][0].get_content()


def test_a_silenced_alert_is_not_mailed_until_its_silence_ends(city, inbox) -> None:
    with city.engine.begin() as conn:
        alert = conn.scalar(
            # The gauge's own alert: the demo's alerts have subjects too, and a unit's id may
            # equal the gauge's.
            text("SELECT id FROM alert WHERE subject_kind = 'sensor' AND subject_id = :s"),
            {"s": city.ninh_kieu},
        )
        act(conn, alert, "duty", "silence", T, until=T + dt.timedelta(hours=2))
    _turn(city.engine, T + dt.timedelta(seconds=31))
    mail = inbox.take()
    assert "g-nk" not in mail["duty@ioc.example"][0].get_content()
    assert "nk@ioc.example" not in mail  # their only alert is silenced
    assert _turn(city.engine, T + dt.timedelta(hours=1)) == 0
    assert _turn(city.engine, T + dt.timedelta(hours=2, minutes=1)) == 2  # the silence is over
    assert "g-nk" in inbox.take()["nk@ioc.example"][0].get_content()


def test_a_message_the_server_refused_is_sent_again_on_the_next_turn(city, inbox) -> None:
    inbox.down = True
    assert _turn(city.engine, T + dt.timedelta(seconds=31)) == 0
    with city.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alert_notice")) == 0
    inbox.down = False
    assert _turn(city.engine, T + dt.timedelta(seconds=45)) == 2


def test_a_bad_address_is_refused_and_unsubscribing_stops_the_mail(city, inbox) -> None:
    with pytest.raises(AlertRefused) as refused, city.engine.begin() as conn:
        subscribe(conn, "duty", "duty@ioc.example, boss@elsewhere.example")
    assert refused.value.reason == "email_invalid"
    with city.engine.begin() as conn:
        assert unsubscribe(conn, "nk")
    assert _turn(city.engine, T + dt.timedelta(seconds=31)) == 1
    assert set(inbox.take()) == {"duty@ioc.example"}


def test_a_backup_alert_is_mailed_to_officials_only_named_and_valued(city, inbox) -> None:
    with city.engine.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
        assert evaluate(conn, T).firing == 1  # no backup on record at all
    assert _turn(city.engine, T + dt.timedelta(seconds=31)) == 2
    mail = inbox.take()
    (official,) = mail["duty@ioc.example"]
    body = official.get_content()
    assert "Sao lưu quá hạn — Cơ sở dữ liệu chính: chưa có bản sao lưu nào" in body
    (ward,) = mail["nk@ioc.example"]  # their gauge's alert, never the system's
    assert "g-nk" in ward.get_content()
    assert "backup" not in ward.get_content() and "Primary database" not in ward.get_content()
