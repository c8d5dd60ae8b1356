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
from typing import Any
from urllib.parse import urlencode

import flask
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import text

from domain import indicators
from domain.clock import CITY_TZ
from domain.names import localised
from geodata.accounts.users import audit
from geodata.alerts import actions
from geodata.db import scope, transaction
from layouts.i18n import CATALOG, fmt_moment, fmt_number, language, t
from routes.errors import BadRequest, Forbidden, NotFound
from web.access import Caller, current_caller, data_scope, may_handle_reports, refuse
from web.request import current_language

blueprint = flask.Blueprint("alerts", __name__)
BASE = "/canh-bao"
WORDS = (
    "title", "intro", "back", "queue", "public", "history", "acknowledge", "assign", "assignee",
    "silence", "silence_for", "hours", "unsilence", "note", "add_note", "none",
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


def _when(value: dt.datetime | None, lang: str) -> str:
    return fmt_moment(value.astimezone(CITY_TZ), lang) if value else "—"


def _value(row: actions.AlertRow, lang: str) -> str:
    """The alert's value as its kind reads: a Báo động level, a VN_AQI, a share, a count."""
    if row.value is None:
        return "—"
    if row.kind in ("gauge_level", "gauge_forecast"):
        level = localised(indicators.FLOOD_ALERT_LEVELS[min(int(row.value), 3)], lang)
        if row.kind == "gauge_forecast" and row.detail.get("reached_at"):
            at = dt.datetime.fromisoformat(str(row.detail["reached_at"]))
            return t("alerts.value.forecast", lang, level=level, time=_when(at, lang))
        return level
    if row.kind == "unit_aqi":
        return t("alerts.value.aqi", lang, value=fmt_number(row.value, lang))
    if row.kind in ("unit_congestion", "unit_coverage"):
        return fmt_number(row.value * 100, lang) + " %"
    return t("alerts.value.reports", lang, n=fmt_number(row.value, lang))


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
                "public": a.public, "subject": f"{a.subject_name} ({a.subject_code})",
                "value": _value(a, lang), "times": times, "handled": " · ".join(handled),
                "acknowledged": a.acknowledged_at is not None, "assignee": a.assignee or "",
                "silenced": t("alerts.silenced_until", lang, time=_when(a.silenced_until, lang))
                if a.silenced(now) else "",
                "history": _history(conn, a, lang),
            })  # fmt: skip
    firing = sum(1 for a in found if a.state == "firing")
    other = "en" if language(lang) == "vi" else "vi"
    html = flask.render_template(
        "alerts.html", lang=lang, rows=rows, base=BASE, csrf=generate_csrf(), me=caller.username,
        count=t("alerts.count", lang, firing=fmt_number(firing, lang),
                total=fmt_number(len(found), lang)),
        refused=flask.request.args.get("refused", ""),
        tr={w: t(f"alerts.{w}", lang) for w in WORDS}
        | {"other_lang": other, "switch": t("staff.language_name", other)},
    )  # fmt: skip
    return flask.Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def act(alert_id: int) -> Any:
    """POST /canh-bao/<id>: one action, then back to the panel (with the refusal, if any)."""
    caller = _caller()
    if not isinstance(caller, Caller):
        return caller
    lang = current_language()
    form = flask.request.form
    try:
        validate_csrf(form.get("csrf_token", ""))
    except Exception:
        raise BadRequest(t("auth.csrf", lang)) from None
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
        message = t(f"alerts.refused.{refused.reason}", lang)
        query = urlencode({"refused": message})
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


def init_alerts(server: flask.Flask) -> None:
    blueprint.add_url_rule(BASE, "panel", panel)
    blueprint.add_url_rule(f"{BASE}/<int:alert_id>", "act", act, methods=["POST"])
    server.register_blueprint(blueprint)
