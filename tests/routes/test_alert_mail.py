"""Alert e-mail end to end: staff subscribe on the alerts panel, and the server's own mailer
sends the firing alerts of their scope to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from typing import Any

from aiosmtpd.controller import Controller
from dash.testing.wait import until
from sqlalchemy import text

from geodata.accounts import users
from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import add_rule
from geodata.monitoring.readings import Reading, write_readings
from tests.gauges import add_river_gauge
from tests.servers import free_port, gunicorn, sign_in

PASSWORD = "a long password 1"


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def test_staff_subscribe_on_the_panel_and_the_server_mails_their_alerts(demo_db) -> None:
    now = dt.datetime.now(dt.UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    with demo_db.begin() as conn:
        users.add_user(conn, "nk.duty", PASSWORD, "ward_staff", ["916"])
        sensor = add_river_gauge(conn, "g-mail", name="Trạm thư")
        quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
        write_readings(conn, [Reading(sensor, quantity, hour, 2.1)])
        add_rule(conn, "Báo động III", "gauge_level", 3, 2)
        evaluate(conn, now)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"CANTHO_SMTP_HOST": "127.0.0.1", "CANTHO_SMTP_PORT": str(port),
           "CANTHO_ALERT_MAIL_CHECK_S": "1", "CANTHO_ALERT_MAIL_WAIT_S": "0",
           "CANTHO_PUBLIC_URL": "https://ioc.example"}  # fmt: skip
    try:
        with gunicorn(env) as (base, _):
            session = sign_in(base, "nk.duty", PASSWORD)
            panel = session.get(base + "/canh-bao", timeout=10).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', panel).group(1)  # type: ignore[union-attr]
            done = session.post(base + "/canh-bao/email",
                                data={"csrf_token": token, "email": "nk.duty@ioc.example"},
                                timeout=10)  # fmt: skip
            assert "Đang gửi e-mail cảnh báo tới nk.duty@ioc.example." in done.text
            until(lambda: inbox.received, timeout=30, msg="no alert e-mail arrived")
    finally:
        controller.stop()
    (to, raw), *_ = inbox.received
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert to == ["nk.duty@ioc.example"]
    assert message["Subject"] == "[IOC Cần Thơ] Cảnh báo: 1 đang phát, 0 đã kết thúc"
    assert "Báo động III — Trạm thư (g-mail)" in message.get_content()
    assert "https://ioc.example/canh-bao" in message.get_content()
