"""E-mail updates to a citizen who left an address with a report: one plain-text message through
the SMTP server in the settings (``CANTHO_SMTP_*``, ``CANTHO_MAIL_FROM``; no host, no e-mail).

Only the sending is here. The words are the caller's: geodata knows no translation catalog, so a
route or callback writes the subject and body in the citizen's language with
``layouts.mail.update_message`` (catalog keys ``mail.*``) and hands them to :func:`send_update`.

Sending happens inside the request that changed the report, so it must neither hang nor fail it:
each step with the server waits at most ``smtp_timeout_s``, and whatever goes wrong (e-mail off,
the server down or refusing, a bad address) is logged and answered with ``False``, never raised.
The message is 7-bit clean (Vietnamese headers as RFC 2047 encoded words, the body UTF-8 in
quoted-printable), so it survives any relay, and marked ``Auto-Submitted`` so that holiday
auto-replies do not answer a no-reply address.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from domain.clock import CITY_TZ
from geodata.settings import Settings, get_settings

log = logging.getLogger(__name__)

# One plain address (local@domain.tld), nothing that could add a recipient or a header: the
# address comes from a citizen's form, and our server must not become a relay for lists.
_ADDRESS = re.compile(r"[^\s@,;:<>()\[\]\"\\]+@[^\s@,;:<>()\[\]\"\\.]+(\.[^\s@,;:<>()\[\]\"\\.]+)+")


def plain_address(text: str) -> bool:
    """Whether ``text`` is one plain e-mail address (nothing that could add a recipient)."""
    return bool(_ADDRESS.fullmatch(text))


def send_update(to: str, subject: str, body: str, *, settings: Settings | None = None) -> bool:
    """Send ``subject`` and ``body`` (plain text, any language) to the one address ``to``.
    True once the server accepted the message; False, logged, when e-mail is off, the address
    is not one plain address, or the server is down, slow, refuses or asks for what the settings
    cannot give (STARTTLS, a login)."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        log.info("e-mail update not sent: e-mail is off (CANTHO_SMTP_HOST is empty)")
        return False
    if not _ADDRESS.fullmatch(to):
        # The address itself stays out of the log: it is a citizen's personal data.
        log.warning("e-mail update not sent: the recipient is not one plain e-mail address")
        return False
    try:
        message = _message(settings.mail_from, to, subject, body)
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                # Raises when the server offers no STARTTLS: the message is not sent in clear.
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message, to_addrs=[to])
    except Exception as error:  # whatever it is, the caller's request goes on without e-mail
        log.warning(
            "e-mail update not sent through %s:%s: %s: %s",
            settings.smtp_host,
            settings.smtp_port,
            type(error).__name__,
            error,
            # A network or SMTP failure is an everyday event; anything else is a bug to trace.
            exc_info=not isinstance(error, OSError),
        )
        return False
    return True


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """The message: From, To, Subject (one line), Date in Cần Thơ time, a Message-ID in the
    sender's domain, the body as UTF-8 quoted-printable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(dt.datetime.now(CITY_TZ))
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message
