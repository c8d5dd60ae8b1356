"""The system's health for officials, ``/he-thong/sao-luu``: when the last good backup finished
and how large it was, the last failed run and why, and whether WAL archiving keeps up (issue 16).

A plain server-written page, as the alerts panel (``routes/alerts.py``). Officials and admins
only (``web.access.may_see_system_health``), decided here on every request and audited when
refused; the database agrees (the reader roles of the public and ward staff have no grant on
``backup_run``). Health is read from the primary (``transaction``), never a replica: the
primary's archiver is the one that must keep up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask

from domain.clock import CITY_TZ
from geodata.db import scope, transaction
from geodata.health.backups import BackupHealth, backup_health
from layouts.i18n import fmt_bytes, fmt_moment, fmt_number, language, t
from routes.errors import Forbidden
from web.access import Caller, current_caller, data_scope, may_see_system_health, refuse
from web.request import current_language

PATH = "/he-thong/sao-luu"
# How an official starts backing up (the backup command's make target).
START_COMMAND = "make backup"
COLOURS = {"ok": "#1e8449", "attention": "#c0392b"}


def read_health(caller: Caller) -> BackupHealth:
    """Backup health as the caller may read it (officials: the owner's rights) on the primary."""
    with scope(data_scope(caller)), transaction() as conn:
        return backup_health(conn)


def _when(value: dt.datetime | None, lang: str) -> str:
    return fmt_moment(value.astimezone(CITY_TZ), lang) if value else "—"


def _words(lang: str) -> dict[str, str]:
    other = "en" if language(lang) == "vi" else "vi"
    return {
        "title": t("health.title", lang), "intro": t("health.intro", lang),
        "back": t("alerts.back", lang), "alerts": t("alerts.title", lang),
        "rules": t("alerts.rules_link", lang), "newest": t("health.newest", lang),
        "failed": t("health.failed", lang), "wal": t("health.wal", lang),
        "none": t("health.none", lang), "other_lang": other,
        "switch": t("staff.language_name", other),
    }  # fmt: skip


def describe(health: BackupHealth, lang: str) -> dict[str, Any]:
    """What the page shows of ``health``, every text in ``lang``."""
    good, failed, wal = health.newest_good, health.last_failed, health.wal
    attention = "attention" if health.needs_attention or health.failed_last else "ok"
    summary = []
    if good is None:
        summary.append(t("health.none", lang))
    elif health.stale:
        summary.append(t("health.stale", lang, hours=fmt_number(health.max_age_h, lang)))
    if not wal.keeps_up:
        summary.append(t(f"health.summary_wal.{wal.state}", lang))
    if health.failed_last:
        summary.append(
            t("health.failures_since", lang, n=fmt_number(health.failures_since_good, lang))
        )
    newest = None
    if good is not None:
        newest = {
            "finished": t("health.finished", lang, time=_when(good.finished_at, lang),
                          hours=fmt_number(health.age_h, lang, 1)),
            "kind": t(f"health.kind.{good.kind}", lang),
            "label": t("health.label", lang, label=good.label or "—", repo=good.repo),
            "sizes": t("health.sizes", lang, db=fmt_bytes(good.db_bytes, lang),
                       repo=fmt_bytes(good.repo_bytes, lang),
                       files=fmt_number(good.files_count, lang),
                       files_size=fmt_bytes(good.files_bytes, lang)),
        }  # fmt: skip
    failure = None
    if failed is not None:
        failure = t("health.failed_at", lang, time=_when(failed.finished_at, lang),
                    kind=t(f"health.kind.{failed.kind}", lang),
                    error=failed.error or "—")  # fmt: skip
    if wal.state == "behind":
        wal_state = t("health.wal.behind", lang, n=fmt_number(wal.waiting, lang))
    else:
        wal_state = t(f"health.wal.{wal.state}", lang)
    wal_lines = [
        t("health.wal.last_archived", lang, wal=wal.last_archived_wal,
          time=_when(wal.last_archived_at, lang), n=fmt_number(wal.archived_count, lang))
        if wal.last_archived_wal else t("health.wal.never", lang),
    ]  # fmt: skip
    if wal.last_failed_wal:
        wal_lines.append(
            t("health.wal.last_failed", lang, wal=wal.last_failed_wal,
              time=_when(wal.last_failed_at, lang), n=fmt_number(wal.failed_count, lang))
        )  # fmt: skip
    wal_lines.append(
        t("health.wal.settings", lang, mode=wal.mode, timeout=fmt_number(wal.timeout_s, lang),
          bound=fmt_number(wal.bound_s, lang))
    )  # fmt: skip
    return {
        "state": attention, "colour": COLOURS[attention],
        "state_label": t(f"health.state.{attention}", lang), "summary": summary,
        "newest": newest, "failure": failure,
        "failures_since": t("health.failures_since", lang,
                            n=fmt_number(health.failures_since_good, lang)),
        "no_failure": t("health.no_failure", lang),
        "running": t("health.running", lang, time=_when(health.running.started_at, lang))
        if health.running else "",
        # The command in its own element (code): the sentence around it, split where it goes.
        "how_to_start": t("health.how_to_start", lang, command="\0").split("\0"),
        "max_age": t("health.max_age", lang, hours=fmt_number(health.max_age_h, lang)),
        "wal_ok": wal.keeps_up, "wal_state": wal_state, "wal_lines": wal_lines,
    }  # fmt: skip


def _official() -> Caller | Any:
    """The caller if they may see the system's health; the public are sent to sign in, ward
    staff refused (and audited)."""
    caller = current_caller()
    if not caller.signed_in:
        return flask.redirect("/login?next=" + PATH)
    if not may_see_system_health(caller):
        refuse(caller, "view_system_health", {})
        raise Forbidden(t("health.forbidden", current_language()))
    return caller


def page() -> Any:
    """GET /he-thong/sao-luu: backups and WAL archiving, now."""
    caller = _official()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    html = flask.render_template(
        "backup_health.html", lang=lang, tr=_words(lang), h=describe(read_health(caller), lang),
        start_command=START_COMMAND,
    )  # fmt: skip
    return flask.Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def panel_line(caller: Caller, lang: str) -> dict[str, str] | None:
    """One line of backup health for the top of the alerts panel, linking to the page; None for
    anyone who may not see it (ward staff) or when it cannot be read (the panel still opens)."""
    if not may_see_system_health(caller):
        return None
    try:
        shown = describe(read_health(caller), lang)
    except Exception:  # the panel never fails for want of this line
        return None
    # What needs attention, in short; else when the newest good backup finished.
    newest = shown["newest"]["finished"] if shown["newest"] else ""
    text = " ".join(shown["summary"]) or f"{t('health.newest', lang)}: {newest}"
    return {"href": PATH, "colour": shown["colour"], "state_label": shown["state_label"],
            "text": text, "title": t("alerts.backup_link", lang)}  # fmt: skip


def header_sign(caller: Caller) -> bool | None:
    """Whether the map's header warns of the backups (too old, or WAL archiving not keeping
    up); None for anyone who may not see the system's health."""
    if not caller.signed_in or not may_see_system_health(caller):
        return None
    try:
        return read_health(caller).needs_attention
    except Exception:  # the header never fails the page: the sign is a convenience
        return None


def init_health(server: flask.Flask) -> None:
    server.add_url_rule(PATH, "system_health", page)
