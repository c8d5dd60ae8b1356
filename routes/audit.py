"""The audit log viewer for officials: ``/audit`` (a page with filters) and ``/audit.csv``.

Only officials and administrators may read it, decided on the server from the session: the
public are sent to sign in, ward staff are refused (and the refusal is itself logged). Every
export is logged with its filters. Times are shown in Cần Thơ time, in the user's language.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any
from urllib.parse import urlencode

import flask

from domain.clock import CITY_TZ
from geodata.accounts.users import AuditEntry, AuditQuery, audit, audit_entries
from geodata.db import transaction
from layouts.i18n import CATALOG, fmt_datetime, fmt_number, language, t
from routes.errors import Forbidden, InvalidParameter
from routes.exports import csv_text
from web.access import current_caller
from web.request import current_language

PAGE_SIZE = 100
MAX_EXPORT_ROWS = 50_000
ACTIONS = sorted(k.removeprefix("audit.action.") for k in CATALOG if k.startswith("audit.action."))
OUTCOMES = sorted(
    k.removeprefix("audit.outcome.") for k in CATALOG if k.startswith("audit.outcome.")
)


class BadFilter(InvalidParameter):
    """A filter in the query string that cannot be read; the message names the field."""


# A date as Vietnam writes it (day/month/year): a native date input would show the browser's
# order instead (11/27/2026 in an English browser), whatever the page's language.
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _date(field: str, value: str, lang: str) -> dt.date | None:
    """A filter's day: dd/mm/yyyy as typed, or ISO (yyyy-mm-dd) as links carry it."""
    if not value.strip():
        return None
    try:
        if found := _DAY_MONTH_YEAR.fullmatch(value.strip()):
            day, month, year = (int(part) for part in found.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadFilter(t("audit.bad_date", lang, field=field, value=value)) from None


def parse_filters(args: Any, lang: str) -> tuple[AuditQuery, int]:
    """The query and page number from the request's arguments; BadFilter names a bad field.
    Dates are whole days in Cần Thơ time, ``until`` included."""
    since = _date("since", args.get("since", ""), lang)
    until = _date("until", args.get("until", ""), lang)
    page_text = args.get("page", "1") or "1"
    if not page_text.isdigit() or int(page_text) < 1:
        raise BadFilter(t("audit.bad_page", lang, value=page_text))

    def start_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), CITY_TZ)

    query = AuditQuery(
        username=(args.get("user") or "").strip().lower() or None,
        action=args.get("action") or None,
        outcome=args.get("outcome") or None,
        since=start_of(since) if since else None,
        until=start_of(until + dt.timedelta(days=1)) if until else None,
    )
    return query, int(page_text)


def _label(kind: str, code: str, lang: str) -> str:
    """An action's or outcome's name; a code the catalog does not know is shown as it is."""
    entry = CATALOG.get(f"audit.{kind}.{code}")
    return entry[language(lang)] if entry else code


def _row(entry: AuditEntry, lang: str) -> dict[str, str]:
    return {
        "when": fmt_datetime(entry.at.astimezone(CITY_TZ), lang),
        "user": entry.username or "—",
        "address": entry.address or "—",
        "action": _label("action", entry.action, lang),
        "outcome": _label("outcome", entry.outcome, lang),
        "outcome_code": entry.outcome,
        "detail": readable_detail(entry.detail, lang),
    }


# A moment as the log keeps it in a detail (ISO 8601 with its offset, UTC when written).
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def readable_detail(detail: dict[str, Any] | None, lang: str) -> str:
    """An entry's detail in words, as an official reads it: "Lớp: gauges · Số dòng: 3 · Thời
    điểm số liệu: 1 thg 12, 2026, 22:00:00", names of the fields from the catalog (a field it
    does not know is shown as it is) and moments in Cần Thơ time."""
    if not detail:
        return ""
    return " · ".join(f"{_field(k, lang)}: {_value(v, lang)}" for k, v in detail.items())


def _field(key: str, lang: str) -> str:
    entry = CATALOG.get(f"audit.field.{key}")
    return entry[language(lang)] if entry else key


def _value(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{_field(k, lang)}: {_value(v, lang)}" for k, v in value.items())
        return f"({inner})" if inner else "—"
    if isinstance(value, list):
        return ", ".join(_value(v, lang) for v in value) or "—"
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no", lang)
    if value is None:
        return "—"
    if isinstance(value, int):
        return fmt_number(value, lang)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return fmt_datetime(moment.astimezone(CITY_TZ), lang)
    return str(value)


# The page's fixed words: catalog keys "audit.<word>".
WORDS = ("title", "intro", "when", "user", "address", "action", "outcome", "detail", "since",
         "until", "date_hint", "all", "filter", "export", "none", "newer", "older",
         "back")  # fmt: skip


def _words(lang: str) -> dict[str, str]:
    return {word: t(f"audit.{word}", lang) for word in WORDS}


def _refused() -> Any | None:
    """None when the caller may read the log; else the way to sign in, or Forbidden (raised, and
    the refusal logged)."""
    caller = current_caller()
    if caller.sees_everything:
        return None
    if not caller.signed_in:
        return flask.redirect("/login?" + urlencode({"next": flask.request.full_path}))
    with transaction() as conn:
        audit(conn, "view_audit", "denied", caller.username, flask.request.remote_addr)
    raise Forbidden(t("audit.forbidden", current_language()))


def audit_page() -> Any:
    """GET /audit: one page of the log, filtered, newest first."""
    refused = _refused()
    if refused is not None:
        return refused
    lang = current_language()
    args = flask.request.args
    form = {k: args.get(k, "") for k in ("user", "action", "outcome", "since", "until")}
    error, total, page = None, 0, 1
    entries: list[AuditEntry] = []
    try:
        query, page = parse_filters(args, lang)
        with transaction() as conn:
            total, entries = audit_entries(conn, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    except BadFilter as exc:
        error = str(exc)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    kept = {k: v for k, v in form.items() if v}
    words = _words(lang)
    html = flask.render_template(
        "audit.html",
        lang=lang,
        tr=words,
        back=words["back"],
        error=error,
        form=form,
        actions=[(a, _label("action", a, lang)) for a in ACTIONS],
        outcomes=[(o, _label("outcome", o, lang)) for o in OUTCOMES],
        query=urlencode(kept),
        count=t("audit.count", lang, total=fmt_number(total, lang), page=page, pages=pages),
        rows=[_row(e, lang) for e in entries],
        newer=urlencode({**kept, "page": page - 1}) if page > 1 else None,
        older=urlencode({**kept, "page": page + 1}) if page < pages else None,
    )
    return flask.Response(html, status=400 if error else 200, mimetype="text/html")


def audit_csv() -> Any:
    """GET /audit.csv: the filtered log as CSV (UTF-8 with BOM, for spreadsheets); logged."""
    refused = _refused()
    if refused is not None:
        return refused
    lang = current_language()
    query, _ = parse_filters(flask.request.args, lang)  # BadFilter: 400, naming the field
    caller = current_caller()
    with transaction() as conn:
        total, entries = audit_entries(conn, query, MAX_EXPORT_ROWS)
        # Logged in the same transaction as the read: no export goes unrecorded.
        detail = {"filters": dict(flask.request.args), "rows": len(entries), "matched": total}
        audit(conn, "export_audit", "success", caller.username, flask.request.remote_addr, detail)
    # Headers in the caller's language; the cells stay codes and JSON, for sorting and filtering.
    header = [t(f"audit.{word}", lang) for word in ("id", "when", "user", "address", "action",
                                                     "outcome", "detail")]  # fmt: skip
    rows = ([e.id, e.at.astimezone(CITY_TZ).isoformat(), e.username or "", e.address or "",
             e.action, e.outcome, json.dumps(e.detail, ensure_ascii=False)]
            for e in entries)  # fmt: skip
    stamp = dt.datetime.now(CITY_TZ).strftime("%Y%m%d-%H%M")
    return flask.Response(
        "\ufeff" + csv_text(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def init_audit(server: flask.Flask) -> None:
    server.add_url_rule("/audit", "audit_page", audit_page)
    server.add_url_rule("/audit.csv", "audit_csv", audit_csv)
