"""The staff's side of citizens' reports ("Xử lý phản ánh"): the queue, a report's file, actions.

Plain server-written pages (Jinja) rather than a Dash page: a ward officer opens them on a phone
in the street, often on a slow connection. A page is one request of a few kilobytes that works
without scripts (Dash's page is megabytes of JavaScript and several callbacks before the first
row), every filter is a link that can be bookmarked or sent, the back button works, and each
action is an ordinary form (POST, its CSRF token, then a redirect: reloading never repeats it).

- ``GET /xu-ly``: the queue, filtered (status, category, unit within the caller's scope, late
  only, a piece of the tracking code), late reports first, then the oldest; paged.
- ``GET /xu-ly/<code>``: a report's whole file: its photos (published or not, served by the
  citizens' photo route, which shows staff the photos their scope holds), a small map, the
  history with internal notes and who acted, the citizen's contact; the actions' forms.
- ``POST /xu-ly/<code>``: one action of ``geodata.reports.service.act``; after the commit, the
  citizen gets an e-mail update when they left an address and the action is one they should
  hear about. A failed e-mail never fails the action.

Every request is decided on the server (``web.access``): the public are sent to sign in; staff
must be allowed the report (ward staff: inside their units), and the action itself runs under the
caller's database scope, so row-level security refuses it again if a check above missed. A
refusal is audited and shown in the page's language with a way back to the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any
from urllib.parse import urlencode

import flask
from flask_wtf.csrf import generate_csrf, validate_csrf

from domain import reports as rules
from domain.clock import CITY_TZ
from geodata.db import scope, transaction
from geodata.reports import queue as staff_queue
from geodata.reports.mail import send_update
from geodata.reports.service import (
    ACTIONS,
    Action,
    ReportNotFound,
    ReportRefused,
    act,
    categories,
)
from layouts.i18n import CATALOG, LANGUAGES, fmt_moment, fmt_number, language, t
from layouts.mail import update_message
from routes.errors import BadRequest, Forbidden, NotFound, page_for
from web.access import (
    Caller,
    current_caller,
    data_scope,
    may_handle_report,
    may_handle_reports,
    refuse,
)
from web.request import current_language

log = logging.getLogger(__name__)
blueprint = flask.Blueprint("staff", __name__)

QUEUE = "/xu-ly"
# Actions the citizen hears about by e-mail (the others are the staff's own business).
MAILED = {"acknowledge", "assign", "reply", "resolve", "reopen"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _caller_or_sign_in() -> Caller | Any:
    """The caller if they handle reports; else the way to sign in (the public) or Forbidden."""
    caller = current_caller()
    if not caller.signed_in:
        back = flask.request.full_path if flask.request.method == "GET" else QUEUE
        return flask.redirect("/login?" + urlencode({"next": back.rstrip("?")}))
    if not may_handle_reports(caller):
        refuse(caller, "view_reports", {})
        raise Forbidden(t("staff.forbidden", _lang()))
    return caller


def _lang() -> str:
    return current_language()


def _when(value: dt.datetime | None, lang: str) -> str:
    return fmt_moment(value.astimezone(CITY_TZ), lang) if value else "—"


def _label(prefix: str, code: str | None, lang: str) -> str:
    """A status's, outcome's or event's name from the catalog; an unknown code as it is."""
    entry = CATALOG.get(f"{prefix}.{code}")
    return entry[language(lang)] if entry else (code or "—")


def _status_label(status: str, resolution: str | None, lang: str) -> str:
    label = _label("report.status", status, lang)
    if status == "resolved" and resolution:
        label += " · " + _label("report.resolution", resolution, lang)
    return label


def _category_names(lang: str) -> dict[str, str]:
    with transaction() as conn:
        found = categories(conn, active_only=False)
    return {c.code: c.name_en if language(lang) == "en" else c.name_vi for c in found}


def _units(caller: Caller) -> list[staff_queue.UnitChoice]:
    """The units the caller may narrow the queue to: every district and ward valid today for
    officials, a ward's own units and those inside them for ward staff."""
    with scope(data_scope(caller)), transaction() as conn:
        return staff_queue.scope_units(conn, dt.datetime.now(CITY_TZ).date())


def _agency_names(agencies: list[staff_queue.Agency], lang: str) -> dict[str, str]:
    english = language(lang) == "en"
    return {a.code: a.name_en if english else a.name_vi for a in agencies}


def _due(row: staff_queue.QueueRow) -> dt.datetime | None:
    """The deadline that matters now: acknowledging a new report, else resolving it."""
    if row.status == "resolved":
        return None
    return row.ack_due if row.status == "received" else row.resolve_due


def _refusal_page(message: str, status: int) -> str:
    """A refusal inside the staff pages: the reason and a way back to the queue."""
    lang = _lang()
    return flask.render_template(
        "staff_refused.html",
        lang=lang,
        title=t(f"refusal.title.{status}" if f"refusal.title.{status}" in CATALOG
                else "refusal.title", lang),
        message=message,
        queue_label=t("staff.back_queue", lang),
        queue=QUEUE,
        home=t("staff.back", lang),
    )  # fmt: skip


# --- the queue -----------------------------------------------------------------------------------


def _filters(args: Any, units: list[staff_queue.UnitChoice], names: dict[str, str], lang: str,
             caller: Caller) -> tuple[staff_queue.QueueFilter, str | None, int]:  # fmt: skip
    """The queue's filter from the query string (open reports by default), the unit's code, and
    the page; BadRequest names a value that cannot be used, an out-of-scope unit is refused."""

    def bad(field: str, value: str) -> BadRequest:
        return BadRequest(t("staff.bad_filter", lang, field=t(f"staff.{field}", lang),
                            value=value[:60]))  # fmt: skip

    status = args.get("status", staff_queue.OPEN)
    if status not in ("all", staff_queue.OPEN, *rules.STATUSES):
        raise bad("status", status)
    category = args.get("category") or None
    if category is not None and category not in names:
        raise bad("category", category)
    unit_code = args.get("unit") or None
    unit_id = None
    if unit_code is not None:
        unit_id = next((u.id for u in units if u.code == unit_code), None)
        if unit_id is None:
            # Not one of the caller's units (a forged or stale link): refused and audited.
            refuse(caller, "view_unit", {"unit": unit_code[:40]})
            raise Forbidden(t("staff.forbidden_unit", lang))
    page_text = args.get("page", "1") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
        raise bad("page", page_text)
    code = (args.get("code") or "").strip()[:20] or None
    wanted = staff_queue.QueueFilter(
        status=None if status == "all" else status, category=category, unit_id=unit_id,
        overdue=args.get("overdue") == "1", code=code,
        assignee=caller.username if args.get("mine") == "1" else None,
    )  # fmt: skip
    return wanted, unit_code, int(page_text)


def queue_page() -> Any:
    """GET /xu-ly: one page of the caller's queue."""
    caller = _caller_or_sign_in()
    if not isinstance(caller, Caller):
        return caller
    lang = _lang()
    names = _category_names(lang)
    units = _units(caller)
    wanted, unit_code, page = _filters(flask.request.args, units, names, lang, caller)
    now = _now()
    with scope(data_scope(caller)), transaction() as conn:
        found = staff_queue.queue(conn, wanted, now, page)
        agency_names = _agency_names(staff_queue.agencies(conn), lang)
    pages = max(1, math.ceil(found.total / staff_queue.PAGE_SIZE))
    form = {
        "status": flask.request.args.get("status", staff_queue.OPEN),
        "category": wanted.category or "",
        "unit": unit_code or "",
        "overdue": wanted.overdue,
        "mine": wanted.assignee is not None,
        "code": wanted.code or "",
    }
    kept = {k: ("1" if v is True else v) for k, v in form.items() if v}
    rows = [
        {
            "code": r.code,
            "href": f"{QUEUE}/{r.code}",
            "category": names.get(r.category, r.category),
            "status": _status_label(r.status, r.resolution, lang),
            "status_code": r.status,
            "colour": rules.status_colour(r.status, r.resolution),
            "unit": r.unit_name or "—",
            "agency": agency_names.get(r.agency_code or "", r.agency_code or ""),
            "assignee": r.assignee or "",
            "received": _when(r.reported_at, lang),
            "due": _when(due, lang) if (due := _due(r)) else None,
            "due_label": t("staff.ack_due" if r.status == "received" else "staff.resolve_due",
                           lang),
            "overdue": r.overdue,
            "hidden": r.hidden,
            "supporters": r.supporters,
        }
        for r in found.rows
    ]  # fmt: skip
    html = flask.render_template(
        "staff_queue.html",
        lang=lang,
        tr=_words(lang),
        form=form,
        statuses=[("all", t("staff.status.all", lang)), (staff_queue.OPEN,
                  t("staff.status.open", lang))]
        + [(s, _label("report.status", s, lang)) for s in rules.STATUSES],
        categories=sorted(names.items(), key=lambda item: item[1]),
        # Wards under their district, marked by a dot (a <select> cannot indent).
        units=[(u.code, u.name if u.level != "ward" else f"· {u.name}") for u in units],
        count=t("staff.count", lang, total=fmt_number(found.total, lang), page=page,
                pages=pages),
        rows=rows,
        newer=urlencode({**kept, "page": page - 1}) if page > 1 else None,
        older=urlencode({**kept, "page": page + 1}) if page < pages else None,
        queue=QUEUE,
    )  # fmt: skip
    return flask.Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


# The pages' fixed words: catalog keys "staff.<word>".
WORDS = (
    "title", "intro", "back", "back_queue", "status", "category", "unit", "all_units",
    "overdue_only", "mine_only", "take", "code", "filter", "none", "newer", "older", "overdue",
    "received_at",
    "ack_due", "resolve_due", "acknowledged_at", "resolved_at", "agency", "assignee",
    "hidden_badge", "description", "no_description", "published", "unpublished", "photos",
    "no_photos", "map", "open_map", "contact", "anonymous", "contact_note", "name", "phone",
    "email", "language", "history", "internal", "public_event", "citizen", "actions", "save",
    "all_categories", "unchanged", "person", "duplicate_of_code", "publish_description",
    "publish_photos", "hide_report", "reply_text", "note_text", "outcome", "message", "reason",
    "supporters", "rating", "duplicate", "map_alt", "photo_alt",
)  # fmt: skip


def _words(lang: str) -> dict[str, str]:
    other = "en" if language(lang) == "vi" else "vi"
    # The switch is written in the language it switches to, as the map's own.
    return {word: t(f"staff.{word}", lang) for word in WORDS} | {
        "other_lang": other,
        "switch": t("staff.language_name", other),
    }


# --- a report's file and its actions -------------------------------------------------------------


def _authorised(caller: Caller, code: str, what: str) -> int:
    """The id of the report ``code`` if the caller may handle it; NotFound when no report has
    the code, Forbidden (audited) when it lies outside a ward's units."""
    lang = _lang()
    with scope(None), transaction() as conn:  # whether it exists at all: the owner's rights
        report_id = staff_queue.report_id(conn, code)
        allowed = report_id is not None and may_handle_report(conn, caller, report_id)
    if report_id is None:
        raise NotFound(t("staff.not_found", lang, code=code[:40]))
    if not allowed:
        refuse(caller, what, {"report": rules.normal_code(code)})
        raise Forbidden(t("staff.forbidden", lang))
    return report_id


def report_page(code: str) -> Any:
    """GET /xu-ly/<code>: the report's whole file with the actions' forms."""
    caller = _caller_or_sign_in()
    if not isinstance(caller, Caller):
        return caller
    report_id = _authorised(caller, code, "view_report")
    return _render_report(caller, report_id)


def _render_report(
    caller: Caller, report_id: int, error: str | None = None, status: int = 200
) -> flask.Response:
    lang = _lang()
    with scope(data_scope(caller)), transaction() as conn:
        found = staff_queue.report_detail(conn, report_id, _now())
        small_map = staff_queue.mini_map(conn, report_id)
        agencies = staff_queue.agencies(conn)
        cats = categories(conn, active_only=False)
    if found is None:  # gone between the check and now (or row-level security said no)
        raise NotFound(t("staff.not_found", lang, code=str(report_id)))
    english = language(lang) == "en"
    names = {c.code: c.name_en if english else c.name_vi for c in cats}
    attribute_names = next((c.questions(english) for c in cats if c.code == found.category), {})
    agency_names = _agency_names(agencies, lang)
    done = flask.request.args.get("done")
    mail = flask.request.args.get("mail")
    notice = None
    if done in service_kinds():
        notice = t("staff.done", lang, action=t(f"staff.do.{done}", lang))
        if mail == "1":
            notice += " " + t("staff.mail_sent", lang)
        elif mail == "0":
            notice += " " + t("staff.mail_failed", lang)
    history = [
        {
            "when": _when(e.at, lang),
            "what": _label("staff.event", e.kind, lang),
            "who": e.actor or t("staff.citizen", lang),
            "public": e.public,
            "body": e.body,
            "detail": _event_detail(e.kind, e.detail, names, agency_names, lang),
        }
        for e in reversed(found.history)  # newest first: what happened last matters most
    ]
    html = flask.render_template(
        "staff_report.html",
        lang=lang,
        tr=_words(lang),
        r=found,
        me=caller.username,
        queue=QUEUE,
        error=error,
        notice=notice,
        csrf=generate_csrf(),
        category=names.get(found.category, found.category),
        status=_status_label(found.status, found.resolution, lang),
        colour=rules.status_colour(found.status, found.resolution),
        unit=found.unit_name or "—",
        agency=agency_names.get(found.agency_code or "", found.agency_code or "—"),
        dates=[
            (t("staff.received_at", lang), _when(found.reported_at, lang), False),
            (t("staff.ack_due", lang), _when(found.ack_due, lang),
             found.status == "received" and found.overdue),
            (t("staff.acknowledged_at", lang), _when(found.acknowledged_at, lang), False),
            (t("staff.resolve_due", lang), _when(found.resolve_due, lang),
             found.status != "received" and found.overdue),
            (t("staff.resolved_at", lang), _when(found.resolved_at, lang), False),
        ],
        attributes=[(attribute_names.get(k, k), v) for k, v in found.attributes.items()
                    if v not in (None, "")],
        supporters=fmt_number(found.supporters, lang),
        map=small_map,
        map_link=f"/?unit={found.unit_code}" if found.unit_code else "/",
        history=history,
        agencies=sorted(agency_names.items(), key=lambda item: item[1]),
        categories=sorted(names.items(), key=lambda item: item[1]),
        outcomes=[(o, _label("report.resolution", o, lang)) for o in rules.RESOLUTIONS],
        do={kind: t(f"staff.do.{kind}", lang) for kind in service_kinds()},
        contact_language=_language_name(found.contact.language if found.contact else None),
    )  # fmt: skip
    return flask.Response(
        html, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"}
    )


def _language_name(code: str | None) -> str:
    """The citizen's language by its own name (the one their e-mails are written in)."""
    return t("staff.language_name", code) if code in LANGUAGES else (code or "—")


def _event_detail(
    kind: str, detail: dict[str, Any], categories_: dict[str, str], agencies: dict[str, str],
    lang: str,
) -> str:  # fmt: skip
    """What an event changed, in words."""
    if kind == "assigned":
        parts = [agencies.get(detail.get("agency") or "", detail.get("agency") or ""),
                 detail.get("assignee") or ""]  # fmt: skip
        return " · ".join(p for p in parts if p)
    if kind == "recategorised":
        return (f"{categories_.get(detail.get('from', ''), detail.get('from', ''))} → "
                f"{categories_.get(detail.get('to', ''), detail.get('to', ''))}")  # fmt: skip
    if kind == "duplicate":
        return str(detail.get("of", ""))
    if kind == "resolved":
        return _label("report.resolution", detail.get("resolution"), lang)
    if kind in ("published", "hidden"):
        words = {"description_public": "publish_description", "photos_public": "publish_photos",
                 "hidden": "hide_report"}  # fmt: skip
        return " · ".join(
            f"{t('staff.' + words[k], lang)}: {t('audit.yes' if v else 'audit.no', lang)}"
            for k, v in detail.items() if k in words
        )  # fmt: skip
    if kind == "rated":
        return f"{detail.get('rating', '')}/5"
    return ""


def service_kinds() -> tuple[str, ...]:
    return ACTIONS


def _flag(form: Any, name: str) -> bool:
    return form.get(name) == "1"


def _action(form: Any) -> Action:
    """The action a form asks for (service.act refuses what does not make sense)."""
    kind = form.get("action", "")
    text = form.get("text") or None
    match kind:
        case "assign":
            return Action(kind, agency=form.get("agency") or None,
                          assignee=(form.get("assignee") or "").strip()[:200] or None)  # fmt: skip
        case "recategorise":
            return Action(kind, category=form.get("category") or None)
        case "duplicate":
            return Action(kind, duplicate_of=(form.get("duplicate_of") or "").strip()[:40])
        case "publish":
            return Action(kind, description_public=_flag(form, "description_public"),
                          photos_public=_flag(form, "photos_public"),
                          hidden=_flag(form, "hidden"))  # fmt: skip
        case "resolve":
            return Action(kind, resolution=form.get("resolution") or None, text=text)
        case _:
            return Action(kind, text=text)


def report_action(code: str) -> Any:
    """POST /xu-ly/<code>: do one action, then show the report again (or why it was refused)."""
    caller = _caller_or_sign_in()
    if not isinstance(caller, Caller):
        return caller
    lang = _lang()
    try:
        validate_csrf(flask.request.form.get("csrf_token"))
    except Exception:  # flask-wtf raises ValidationError for a missing or wrong token
        raise BadRequest(t("auth.csrf", lang)) from None
    report_id = _authorised(caller, code, "act_report")
    action = _action(flask.request.form)
    address = flask.request.remote_addr
    try:
        # The caller's scope: a ward's row-level security refuses a report outside its units
        # even if the check above had let it through.
        with scope(data_scope(caller)), transaction() as conn:
            act(conn, report_id, action, caller.username or "", _now(), address)
    except ReportRefused as refused:
        message = t(refused.key, lang, **_shown(refused.values, lang))
        return _render_report(caller, report_id, error=message, status=400)
    except ReportNotFound:
        # Row-level security found it outside the caller's units: the second wall held.
        refuse(caller, "act_report", {"report": rules.normal_code(code), "by": "database"})
        raise Forbidden(t("staff.forbidden", lang)) from None
    sent = _mail_citizen(caller, report_id, action) if action.kind in MAILED else None
    query = {"done": action.kind} | ({} if sent is None else {"mail": "1" if sent else "0"})
    return flask.redirect(f"{QUEUE}/{rules.normal_code(code)}?{urlencode(query)}")


def _shown(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """A refusal's values as the message shows them (a status by its name)."""
    return {k: _label("report.status", v, lang) if k == "status" else v
            for k, v in values.items()}  # fmt: skip


def tracking_link(code: str) -> str:
    """The citizen's page of the report, on this site."""
    return f"{flask.request.host_url}phan-anh/{code}"


def _mail_citizen(caller: Caller, report_id: int, action: Action) -> bool | None:
    """E-mail the citizen about the action just committed, in their language, if they left an
    address: True sent, False not sent (logged), None no address. Never raises."""
    try:
        with scope(data_scope(caller)), transaction() as conn:
            found = staff_queue.report_detail(conn, report_id, _now())
        if found is None or found.contact is None or not found.contact.email:
            return None
        lang = found.contact.language
        status = _status_label(found.status, found.resolution, lang)
        text = update_message(lang, found.code, status, tracking_link(found.code),
                              (action.text or "").strip() or None)  # fmt: skip
        return send_update(found.contact.email, text.subject, text.body)
    except Exception:  # the action is done and kept: an e-mail problem is only logged
        log.exception("e-mail update for report %s failed", report_id)
        return False


def init_staff(server: flask.Flask) -> None:
    blueprint.add_url_rule(QUEUE, "queue", queue_page)
    blueprint.add_url_rule(f"{QUEUE}/<code>", "report", report_page)
    blueprint.add_url_rule(f"{QUEUE}/<code>", "act", report_action, methods=["POST"])
    server.register_blueprint(blueprint)
    page_for(blueprint, _refusal_page)
