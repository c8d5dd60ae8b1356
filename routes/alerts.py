"""The alerts panel, ``/canh-bao``: officials see every alert, ward staff those in their units.

Plain server-written pages, as the staff queue (``routes/staff.py``), for the same reasons: a
phone in the street, no scripts needed, every action an ordinary form (POST with its CSRF
token, then a redirect). What the caller sees is decided by the database under their scope
(migration 0021); an action first finds the alert under that scope, so an alert outside a
ward's units is refused (and the refusal audited) even when its id is guessed. Every action is a
step of the alert under the person's name and a line of the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import flask
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import text

from domain.clock import CITY_TZ
from domain.facilities import FACILITY_KINDS
from geodata.accounts.users import audit
from geodata.alerts import actions, notify
from geodata.alerts import rules as alert_rules
from geodata.db import scope, transaction
from geodata.settings import get_settings
from layouts.alert_mail import alert_mail, alert_subject, alert_value
from layouts.i18n import CATALOG, fmt_moment, fmt_number, language, t
from routes.errors import BadRequest, Forbidden, NotFound
from routes.health import panel_line
from web.access import Caller, current_caller, data_scope, may_handle_reports, refuse
from web.request import current_language

log = logging.getLogger(__name__)
blueprint = flask.Blueprint("alerts", __name__)
BASE = "/canh-bao"
WORDS = (
    "title", "intro", "back", "queue", "public", "history", "acknowledge", "assign", "assignee",
    "silence", "silence_for", "hours", "unsilence", "note", "add_note", "none", "rules_link",
    "rules_title", "rules_intro", "rules_none", "rule_off", "rule_enable", "rule_disable",
    "rule_add", "rule_name", "rule_kind", "rule_fire_at", "rule_clear_at", "rule_pending",
    "rule_units", "rule_hours", "rule_facility", "rule_radius", "rule_window", "rule_public",
    "rule_save", "rule_hint", "subscribe", "unsubscribe", "email",
)  # fmt: skip
RULES = f"{BASE}/quy-tac"
FORM_FIELDS = (
    "name", "kind", "fire_at", "clear_at", "pending_min", "units", "hours", "facility",
    "radius_m", "window_min",
)  # fmt: skip
STATE_COLOURS = {"firing": "#c0392b", "pending": "#d68910", "resolved": "#7f8c8d"}


def _caller() -> Caller | Any:
    caller = current_caller()
    if not caller.signed_in:
        return flask.redirect("/login?next=" + BASE)
    if not may_handle_reports(caller):
        refuse(caller, "view_alerts", {})
        raise Forbidden(t("staff.forbidden", current_language()))
    return caller


def _check_csrf() -> None:
    """The form's CSRF token, or a refusal in the page's language."""
    try:
        validate_csrf(flask.request.form.get("csrf_token", ""))
    except Exception:  # flask-wtf raises ValidationError for a missing or wrong token
        raise BadRequest(t("auth.csrf", current_language())) from None


def _refusal(reason: str, lang: str) -> str:
    """The message of a refused action, from its reason code in the redirect's query: only our
    own words are shown, never text a link carries."""
    known = f"alerts.refused.{reason}" in CATALOG
    return t(f"alerts.refused.{reason}", lang) if known else ""


def _when(value: dt.datetime | None, lang: str) -> str:
    return fmt_moment(value.astimezone(CITY_TZ), lang) if value else "—"


def _value(row: actions.AlertRow, lang: str) -> str:
    return alert_value(row.kind, row.value, row.detail, lang)


def _history(conn: Any, row: actions.AlertRow, lang: str) -> list[str]:
    lines = []
    for e in actions.events(conn, row.id):
        who = e.actor or t("alerts.system", lang)
        what = CATALOG.get(f"alerts.event.{e.action}", {}).get(language(lang), e.action)
        extra = f": {e.note}" if e.note else ""
        if e.action == "assign" and e.detail.get("assignee"):
            extra = f" → {e.detail['assignee']}" + extra
        lines.append(f"{_when(e.at, lang)} · {who} · {what}{extra}")
    return lines


def panel() -> Any:
    """GET /canh-bao: the alerts in the caller's scope."""
    caller = _caller()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    now = dt.datetime.now(dt.UTC)
    with scope(None), transaction() as conn:
        subscribed = notify.subscription_of(conn, caller.username or "")
    with scope(data_scope(caller)), transaction() as conn:
        found = actions.listed(conn, now)
        rows = []
        for a in found:
            handled = []
            if a.acknowledged_at:
                handled.append(t("alerts.acknowledged", lang, who=a.acknowledged_by or "",
                                 time=_when(a.acknowledged_at, lang)))  # fmt: skip
            if a.assignee:
                handled.append(t("alerts.assigned", lang, who=a.assignee))
            times = t("alerts.since", lang, time=_when(a.fired_at or a.started_at, lang))
            if a.resolved_at:
                times += " · " + t("alerts.resolved_at", lang, time=_when(a.resolved_at, lang))
            rows.append({
                "id": a.id, "state": a.state, "colour": STATE_COLOURS[a.state],
                "state_label": t(f"alerts.state.{a.state}", lang), "rule": a.rule_name,
                "public": a.public,
                "subject": alert_subject(a.kind, a.subject_name, a.subject_code, lang),
                "value": _value(a, lang), "times": times, "handled": " · ".join(handled),
                "acknowledged": a.acknowledged_at is not None, "assignee": a.assignee or "",
                "silenced": t("alerts.silenced_until", lang, time=_when(a.silenced_until, lang))
                if a.silenced(now) else "",
                "history": _history(conn, a, lang),
            })  # fmt: skip
    firing = sum(1 for a in found if a.state == "firing")
    backups = panel_line(caller, lang)  # officials only
    html = flask.render_template(
        "alerts.html", lang=lang, rows=rows, base=BASE, csrf=generate_csrf(), me=caller.username,
        count=t("alerts.count", lang, firing=fmt_number(firing, lang),
                total=fmt_number(len(found), lang)),
        refused=_refusal(flask.request.args.get("refused", ""), lang),
        tr=_words(lang),
        subscribed=subscribed,
        subscribed_text=t("alerts.subscribed", lang, email=subscribed) if subscribed else "",
        backups=backups,
    )  # fmt: skip
    return flask.Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def act(alert_id: int) -> Any:
    """POST /canh-bao/<id>: one action, then back to the panel (with the refusal, if any)."""
    caller = _caller()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    form = flask.request.form
    _check_csrf()
    action = form.get("action", "")
    now = dt.datetime.now(dt.UTC)
    until = None
    if action == "silence" and (hours := form.get("hours", "").strip()):
        if not hours.isdigit() or not 1 <= int(hours) <= 168:
            raise BadRequest(t("alerts.refused.silence_too_long", lang))
        until = now + dt.timedelta(hours=int(hours))
    with scope(data_scope(caller)), transaction() as conn:
        try:
            actions.visible(conn, alert_id)
        except actions.AlertNotFound:
            seen = None
        else:
            seen = True
    if seen is None:
        with scope(None), transaction() as conn:
            exists = conn.scalar(
                text("SELECT EXISTS (SELECT 1 FROM alert WHERE id = :id)"), {"id": alert_id}
            )
        if not exists:
            raise NotFound(t("alerts.not_found", lang, id=alert_id))
        refuse(caller, "act_on_alert", {"alert": alert_id})
        raise Forbidden(t("staff.forbidden", lang))
    try:
        with scope(None), transaction() as conn:
            actions.act(conn, alert_id, caller.username or "", action, now,
                        note=form.get("note", ""), assignee=form.get("assignee", ""),
                        until=until)  # fmt: skip
            audit(conn, "alert_action", "success", caller.username, flask.request.remote_addr,
                  {"alert": alert_id, "action": action})  # fmt: skip
    except actions.AlertRefused as refused:
        query = urlencode({"refused": refused.reason})
        return flask.redirect(f"{BASE}?{query}#alert-{alert_id}", code=303)
    return flask.redirect(f"{BASE}#alert-{alert_id}", code=303)


def header_count(caller: Caller) -> int | None:
    """Firing alerts in the caller's scope for the map's header; None for the public."""
    if not caller.signed_in or not may_handle_reports(caller):
        return None
    try:
        with scope(data_scope(caller)), transaction() as conn:
            return actions.firing_count(conn)
    except Exception:  # the header never fails the page: the count is a convenience
        return None


# --- e-mail: staff subscribe on the panel; every server process looks in turn -------------------


def subscription() -> Any:
    """POST /canh-bao/email: subscribe (an address) or stop (``stop=1``) the caller's e-mail."""
    caller = _caller()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    _check_csrf()
    try:
        with scope(None), transaction() as conn:
            if flask.request.form.get("stop") == "1":
                notify.unsubscribe(conn, caller.username or "")
                change = "unsubscribe"
            else:
                notify.subscribe(conn, caller.username or "", flask.request.form.get("email", ""),
                                 language(lang))  # fmt: skip
                change = "subscribe"
            audit(conn, "alert_mail_change", "success", caller.username,
                  flask.request.remote_addr, {"change": change})  # fmt: skip
    except actions.AlertRefused as refused:
        query = urlencode({"refused": refused.reason})
        return flask.redirect(f"{BASE}?{query}", code=303)
    return flask.redirect(BASE, code=303)


def _mail_turn(link: str) -> int:
    """One turn of alert e-mail, on one server process at a time (an advisory lock)."""

    def write(changes: list[notify.Change], lang: str, firing: int) -> tuple[str, str]:
        return alert_mail(changes, lang, firing, link)

    with scope(None), transaction() as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext('cantho.alert_mail'))")):
            return 0
        return notify.notify(conn, dt.datetime.now(dt.UTC), write)


def _mail_forever(interval: float) -> None:
    link = get_settings().public_url.rstrip("/") + BASE
    while True:
        time.sleep(interval)
        try:
            _mail_turn(link)
        except Exception:  # a background loop must outlive any one failure
            log.warning("alert e-mail: a turn failed; the next one tries again", exc_info=True)


def start_mailer() -> threading.Thread | None:
    interval = get_settings().alert_mail_check_s
    if interval <= 0:
        return None
    thread = threading.Thread(target=_mail_forever, args=(interval,), name="alert-mail",
                              daemon=True)  # fmt: skip
    thread.start()
    return thread


# --- the rules: officials manage them, every staff account reads them -----------------------------


def _words(lang: str) -> dict[str, str]:
    other = "en" if language(lang) == "vi" else "vi"
    return {w: t(f"alerts.{w}", lang) for w in WORDS} | {
        "other_lang": other,
        "switch": t("staff.language_name", other),
    }


def _rule_lines(rule: alert_rules.Rule, lang: str) -> tuple[str, str, str]:
    """What the rule watches, its lines and pending time, and its scope, in words."""
    what = t(f"alerts.kind.{rule.kind}", lang)
    if rule.kind == "unit_coverage":
        what += f" · {t('facility.' + str(rule.params.get('facility')), lang)}"
    if rule.kind == "gauge_forecast":
        what += " · " + t("alerts.rule_within", lang, hours=rule.params.get("hours", 48))
    lines = t("alerts.rule_lines", lang, fire=fmt_number(rule.fire_at, lang, 2),
              clear=fmt_number(rule.clear_at, lang, 2),
              pending=fmt_number(rule.pending_s / 60, lang))  # fmt: skip
    scope_text = (
        ", ".join(rule.unit_codes) if rule.unit_codes
        else t("alerts.subject.system", lang) if rule.kind in alert_rules.SYSTEM_KINDS
        else t("alerts.rule_city", lang)
    )  # fmt: skip
    return what, lines, t("alerts.rule_scope", lang, units=scope_text)


def _rules_page(caller: Caller, form: dict[str, Any], refused: str = "", status: int = 200) -> Any:
    lang = current_language()
    with scope(data_scope(caller)), transaction() as conn:
        found = alert_rules.rules(conn)
    rows = []
    for r in found:
        what, lines, where = _rule_lines(r, lang)
        rows.append({"id": r.id, "name": r.name, "public": r.public, "enabled": r.enabled,
                     "what": what, "lines": lines, "scope": where})  # fmt: skip
    html = flask.render_template(
        "alert_rules.html", lang=lang, rules=rows, base=BASE, csrf=generate_csrf(),
        may_manage=caller.sees_everything, form=form, refused=refused, tr=_words(lang),
        kinds=[(k, t(f"alerts.kind.{k}", lang)) for k in alert_rules.KINDS],
        facilities=[(k, t(f"facility.{k}", lang)) for k in FACILITY_KINDS],
    )  # fmt: skip
    return flask.Response(
        html, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"}
    )


def rules_page() -> Any:
    """GET /canh-bao/quy-tac: the rules; officials get the forms too."""
    caller = _caller()
    if not isinstance(caller, Caller):
        return caller
    return _rules_page(caller, {"kind": "gauge_level", "pending_min": "0"})


def _manager() -> Caller | Any:
    """The caller if they may change rules (officials, admins): checked on the server, audited
    when refused."""
    caller = _caller()
    if isinstance(caller, Caller) and not caller.sees_everything:
        refuse(caller, "change_alert_rule", {})
        raise Forbidden(t("staff.forbidden", current_language()))
    _check_csrf()
    return caller


def _number(form: dict[str, Any], field: str, lang: str, required: bool = True) -> float | None:
    raw = str(form.get(field, "")).strip().replace(",", ".")
    if not raw:
        if required:
            raise alert_rules.RuleRefused(field, "number_missing", "a number is needed")
        return None
    try:
        return float(raw)
    except ValueError:
        raise alert_rules.RuleRefused(field, "not_a_number", f"{raw!r} is not a number",
                                      value=raw) from None  # fmt: skip


def _shown(value: object, lang: str) -> object:
    """A number of a refusal in the page's way (0,5 / 0.5; 600, not 600.0)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value, lang, 0 if float(value).is_integer() else 2)
    return value


def add_rule_action() -> Any:
    """POST /canh-bao/quy-tac: a new rule, checked; refused with the field named."""
    caller = _manager()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    form: dict[str, Any] = {k: flask.request.form.get(k, "") for k in FORM_FIELDS}
    form["public"] = flask.request.form.get("public") == "1"
    try:
        fire, clear = _number(form, "fire_at", lang), _number(form, "clear_at", lang)
        assert fire is not None and clear is not None
        pending = _number(form, "pending_min", lang, required=False) or 0
        params: dict[str, Any] = {}
        for key in ("hours", "radius_m", "window_min"):
            if (value := _number(form, key, lang, required=False)) is not None:
                params[key] = value
        if form["facility"]:
            params["facility"] = form["facility"]
        units = tuple(u for u in str(form["units"]).replace(",", " ").split() if u)
        with scope(None), transaction() as conn:
            rule_id = alert_rules.add_rule(
                conn, str(form["name"]), str(form["kind"]), fire, clear,
                pending_s=int(pending * 60), unit_codes=units, params=params,
                public=bool(form["public"]), created_by=caller.username,
            )  # fmt: skip
            audit(conn, "alert_rule_change", "success", caller.username,
                  flask.request.remote_addr,
                  {"rule": rule_id, "change": "add", "name": form["name"]})  # fmt: skip
    except alert_rules.RuleRefused as refused:
        field = t(f"alerts.field.{refused.field.split('.')[-1]}", lang)
        values = {k: _shown(v, lang) for k, v in refused.values.items()}
        reason = t(f"alerts.rule_refused.{refused.reason}", lang, **values)
        message = t("alerts.rule_refused", lang, field=field, reason=reason)
        return _rules_page(caller, form, message, status=400)
    return flask.redirect(RULES, code=303)


def switch_rule(rule_id: int) -> Any:
    """POST /canh-bao/quy-tac/<id>: switch a rule on or off."""
    caller = _manager()
    if not isinstance(caller, Caller):
        return caller
    enabled = flask.request.form.get("enabled") == "1"
    try:
        with scope(None), transaction() as conn:
            alert_rules.set_enabled(conn, rule_id, enabled)
            audit(conn, "alert_rule_change", "success", caller.username,
                  flask.request.remote_addr,
                  {"rule": rule_id, "change": "enable" if enabled else "disable"})  # fmt: skip
    except alert_rules.RuleRefused:
        raise NotFound(t("alerts.rule_not_found", current_language(), id=rule_id)) from None
    return flask.redirect(RULES, code=303)


def init_alerts(server: flask.Flask) -> None:
    blueprint.add_url_rule(f"{BASE}/email", "subscription", subscription, methods=["POST"])
    blueprint.add_url_rule(RULES, "rules", rules_page)
    blueprint.add_url_rule(RULES, "add_rule", add_rule_action, methods=["POST"])
    blueprint.add_url_rule(f"{RULES}/<int:rule_id>", "switch_rule", switch_rule, methods=["POST"])
    blueprint.add_url_rule(BASE, "panel", panel)
    blueprint.add_url_rule(f"{BASE}/<int:alert_id>", "act", act, methods=["POST"])
    server.register_blueprint(blueprint)
    start_mailer()
