"""E-mail updates through a real SMTP server on loopback (aiosmtpd, in a thread): Vietnamese
arrives intact, From and To are right, and every failure — e-mail off, the server down, silent,
refusing, asking for TLS or a login — is a False and a log line, never an exception."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from geodata.reports.mail import send_update
from geodata.settings import Settings
from layouts.mail import update_message
from tests.servers import free_port

CITIZEN = "nguyen.van.a@example.vn"
LINK = "https://ioc.cantho.gov.vn/phan-anh/CT-7Q4K"
REPLY = "Đã hút nước, thông cống trên đường 30 Tháng 4 (phường Ninh Kiều). Cảm ơn bạn!"


@dataclass
class Inbox:
    """What the server accepted: the envelope's sender and recipients, and the raw message."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse_recipients: bool = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
            for _, _, raw in self.received
        ]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int

    def settings(self, **overrides: Any) -> Settings:
        return Settings(smtp_host="127.0.0.1", smtp_port=self.port, **overrides)


def _serve(inbox: Inbox, **smtp_parameters: Any) -> Iterator[SmtpServer]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_parameters)
    controller.start()
    try:
        yield SmtpServer(inbox, port)
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, keeping what it is sent."""
    yield from _serve(Inbox())


def _check_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"ioc", b"mat-khau-2026")
    return AuthResult(success=ok, handled=False)  # a refusal answers 535, as servers do


@pytest.fixture
def smtp_with_login() -> Iterator[SmtpServer]:
    """A server that takes mail only after AUTH (over plain TCP: loopback, for the test)."""
    yield from _serve(
        Inbox(), authenticator=_check_login, auth_required=True, auth_require_tls=False
    )


# --- the message ---------------------------------------------------------------------------------


def test_a_vietnamese_update_arrives_intact_from_the_ioc_to_the_citizen(smtp: SmtpServer) -> None:
    text = update_message("vi", "CT-7Q4K", "Đã xử lý", LINK, REPLY)

    assert send_update(CITIZEN, text.subject, text.body, settings=smtp.settings()) is True

    [(envelope_from, envelope_to, _)] = smtp.inbox.received
    assert envelope_from == "no-reply@cantho.gov.vn"
    assert envelope_to == [CITIZEN]
    [message] = smtp.inbox.messages()
    assert message["Subject"] == "Phản ánh CT-7Q4K: Đã xử lý"
    assert message["From"] == "IOC Cần Thơ <no-reply@cantho.gov.vn>"
    assert message["To"] == CITIZEN
    body = message.get_content()
    assert body.replace("\r\n", "\n") == text.body  # lines end in CRLF on the wire
    assert "Trạng thái: Đã xử lý" in body and REPLY in body and LINK in body


def test_an_english_update_says_the_same_in_english(smtp: SmtpServer) -> None:
    text = update_message("en", "CT-7Q4K", "Resolved", LINK, REPLY)
    assert send_update(CITIZEN, text.subject, text.body, settings=smtp.settings())
    [message] = smtp.inbox.messages()
    assert message["Subject"] == "Report CT-7Q4K: Resolved"
    assert "Status: Resolved" in message.get_content()
    assert REPLY in message.get_content()  # the reply is as the staff wrote it


def test_the_message_is_seven_bit_clean_dated_and_marked_automatic(smtp: SmtpServer) -> None:
    assert send_update(
        CITIZEN, "Phản ánh: đã tiếp nhận", "Ngập sâu 30 cm", settings=smtp.settings()
    )
    [(_, _, raw)] = smtp.inbox.received
    raw.decode("ascii")  # any relay passes it on, 8BITMIME or not
    [message] = smtp.inbox.messages()
    assert message["Date"] and message["Message-ID"].endswith("@cantho.gov.vn>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"


def test_the_sender_comes_from_the_settings(smtp: SmtpServer) -> None:
    settings = smtp.settings(mail_from="Phường Ninh Kiều <phananh@ninhkieu.cantho.gov.vn>")
    assert send_update(CITIZEN, "Phản ánh", "Nội dung", settings=settings)
    [(envelope_from, _, _)] = smtp.inbox.received
    assert envelope_from == "phananh@ninhkieu.cantho.gov.vn"
    assert smtp.inbox.messages()[0]["From"] == "Phường Ninh Kiều <phananh@ninhkieu.cantho.gov.vn>"


def test_a_multi_line_subject_becomes_one_line_not_a_new_header(smtp: SmtpServer) -> None:
    assert send_update(CITIZEN, "Phản ánh\r\nBcc: x@example.com", "…", settings=smtp.settings())
    [(_, envelope_to, _)] = smtp.inbox.received
    assert envelope_to == [CITIZEN]
    [message] = smtp.inbox.messages()
    assert message["Subject"] == "Phản ánh Bcc: x@example.com" and message["Bcc"] is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_login_in_the_settings_is_used(smtp_with_login: SmtpServer) -> None:
    settings = smtp_with_login.settings(smtp_user="ioc", smtp_password="mat-khau-2026")
    assert send_update(CITIZEN, "Phản ánh", "Nội dung", settings=settings) is True
    assert len(smtp_with_login.inbox.received) == 1


# --- failures: False and a log line, nothing raised ----------------------------------------------


def test_with_no_smtp_host_e_mail_is_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="geodata.reports.mail"):
        assert (
            send_update(CITIZEN, "Phản ánh", "Nội dung", settings=Settings(smtp_host="")) is False
        )
    assert "e-mail is off" in caplog.text


def test_a_server_that_is_down_gives_false_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="geodata.reports.mail"):
        assert send_update(CITIZEN, "Phản ánh", "Nội dung", settings=settings) is False
    assert "ConnectionRefusedError" in caplog.text


def test_a_server_that_never_answers_is_given_up_after_the_timeout() -> None:
    # A socket that listens but never speaks: the connection opens, the greeting never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1], smtp_timeout_s=0.5
        )
        results: list[bool] = []
        sender = threading.Thread(
            target=lambda: results.append(send_update(CITIZEN, "Phản ánh", "…", settings=settings))
        )
        sender.start()
        # Without the timeout smtplib would wait for the greeting for ever.
        sender.join(timeout=30)
        assert not sender.is_alive()
    assert results == [False]


def test_a_refused_recipient_gives_false(smtp: SmtpServer) -> None:
    smtp.inbox.refuse_recipients = True
    assert send_update(CITIZEN, "Phản ánh", "Nội dung", settings=smtp.settings()) is False
    assert smtp.inbox.received == []


def test_asking_for_starttls_from_a_server_without_it_sends_nothing_in_clear(
    smtp: SmtpServer,
) -> None:
    assert (
        send_update(CITIZEN, "Phản ánh", "…", settings=smtp.settings(smtp_starttls=True)) is False
    )
    assert smtp.inbox.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_wrong_password_gives_false(smtp_with_login: SmtpServer) -> None:
    settings = smtp_with_login.settings(smtp_user="ioc", smtp_password="sai")
    assert send_update(CITIZEN, "Phản ánh", "…", settings=settings) is False
    assert smtp_with_login.inbox.received == []


@pytest.mark.parametrize(
    "to",
    [
        "nguyen.van.a@example.vn, spam@example.com",
        "nguyen.van.a@example.vn\r\nBcc: spam@example.com",
        "Nguyễn Văn A <nguyen.van.a@example.vn>",
        "nguyen.van.a",
        "nguyen.van.a@localhost",
        "",
    ],
)
def test_anything_but_one_plain_address_is_not_sent(
    smtp: SmtpServer, to: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="geodata.reports.mail"):
        assert send_update(to, "Phản ánh", "…", settings=smtp.settings()) is False
    assert smtp.inbox.received == []
    assert "not one plain e-mail address" in caplog.text
