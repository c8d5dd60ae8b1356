"""The words of an e-mail update to a citizen about a report, in the citizen's language, from the
catalog's ``mail.*`` keys.

geodata knows no catalog, so the caller (a route or callback, which may import both) writes the
message here and sends it with ``geodata.reports.mail.send_update(to, text.subject, text.body)``.
The status's name comes translated from the caller too: the report's statuses and their names
belong to the reports themselves, not to the e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from layouts.i18n import t


@dataclass(frozen=True)
class MailText:
    """An e-mail's subject (one line) and plain-text body."""

    subject: str
    body: str


def update_message(
    lang: str, code: str, status_label: str, link: str, reply: str | None = None
) -> MailText:
    """The update on report ``code``: its status (``status_label``, already in ``lang``), the
    public reply if there is one, and the ``link`` to its tracking page. An unsupported
    ``lang`` gets Vietnamese."""
    subject = " ".join(t("mail.subject", lang, code=code, status=status_label).split())
    parts = [
        t("mail.greeting", lang),
        t("mail.updated", lang, code=code) + "\n" + t("mail.status", lang, status=status_label),
    ]
    if reply and reply.strip():
        parts.append(t("mail.reply", lang) + "\n" + reply.strip())
    parts.append(t("mail.link", lang, link=link))
    parts.append("-- \n" + t("mail.footer", lang) + "\n" + t("mail.signature", lang))
    return MailText(subject=subject, body="\n\n".join(parts) + "\n")
