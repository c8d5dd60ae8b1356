"""Public warnings in CAP 1.2 (OASIS Common Alerting Protocol): ``/cap/`` and ``/cap/<id>.xml``.

- ``GET /cap/``: an Atom feed of the warnings (``geodata.alerts.warnings``): those firing, and
  those over in the last day; each entry links to its CAP document.
- ``GET /cap/<id>.xml``: one warning as a CAP ``<alert>``, with a Vietnamese and an English
  ``<info>`` block and the affected unit's polygons as ``<area>``. A warning that is over is a
  ``Cancel`` message referring to the one that raised it, as CAP readers expect.

Flood (Báo động II or III, observed or forecast) is CAP category ``Met``; air quality ``Env``
and ``Health``. Severity follows the level: Báo động II ``Moderate``, III ``Severe``; VN_AQI
"Xấu" ``Moderate``, "Rất xấu" ``Severe``, "Nguy hại" ``Extreme``. Observed values are
``Immediate``/``Observed``, forecasts ``Expected``/``Likely``. Read through the public's
database scope: only public rules' alerts exist for it. Both documents are cacheable for a
minute (a reader polls; a warning is at most a worker turn old).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import flask

from domain.clock import CITY_TZ
from geodata.alerts.warnings import PublicWarning, current, one
from geodata.db import Scope, scope, transaction
from geodata.settings import get_settings
from layouts.i18n import t
from layouts.warnings import FLOOD_KINDS, warning_words
from routes.errors import NotFound
from web.request import current_language

blueprint = flask.Blueprint("cap", __name__)
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
LANGS = (("vi", "vi-VN"), ("en", "en-US"))
CAP_TYPE = "application/cap+xml"


def _iso(moment: dt.datetime) -> str:
    """CAP's time: to the second, with the offset (Cần Thơ's), never "Z"."""
    return moment.astimezone(CITY_TZ).replace(microsecond=0).isoformat()


def identifier(w: PublicWarning, cancel: bool = False) -> str:
    return f"urn:cantho-ioc:warning:{w.id}" + (":cancel" if cancel else "")


def _severity(w: PublicWarning) -> str:
    value = w.value or 0
    if w.kind in FLOOD_KINDS:
        return "Severe" if value >= 3 else "Moderate"
    return "Extreme" if value > 300 else "Severe" if value > 200 else "Moderate"


def _texts(w: PublicWarning, lang: str) -> dict[str, str]:
    """Event, headline, description and instruction in ``lang``."""
    return warning_words(
        w.kind, w.value, w.detail, w.area_name, w.subject_name, w.rule_name, w.fired_at,
        w.resolved_at if w.state == "resolved" else None, lang,
    )  # fmt: skip


def _sub(parent: ET.Element, tag: str, value: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if value is not None:
        element.text = value
    return element


def cap_document(w: PublicWarning, base: str) -> bytes:
    """The warning as a CAP 1.2 ``<alert>`` (a ``Cancel`` once it is over)."""
    settings = get_settings()
    cancel = w.state == "resolved"
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier(w, cancel))
    _sub(alert, "sender", settings.cap_sender)
    _sub(alert, "sent", _iso(w.resolved_at if cancel and w.resolved_at else w.fired_at))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Cancel" if cancel else "Alert")
    _sub(alert, "scope", "Public")
    if cancel:
        _sub(alert, "references", f"{settings.cap_sender},{identifier(w)},{_iso(w.fired_at)}")
    flood = w.kind in FLOOD_KINDS
    forecast = w.kind == "gauge_forecast"
    for lang, tag in LANGS:
        words = _texts(w, lang)
        info = _sub(alert, "info")
        _sub(info, "language", tag)
        for category in ("Met",) if flood else ("Env", "Health"):
            _sub(info, "category", category)
        _sub(info, "event", words["event"])
        _sub(info, "responseType", "AllClear" if cancel else "Prepare" if forecast else "Monitor")
        _sub(info, "urgency", "Past" if cancel else "Expected" if forecast else "Immediate")
        _sub(info, "severity", _severity(w))
        _sub(info, "certainty", "Likely" if forecast else "Observed")
        if forecast and w.detail.get("reached_at"):
            _sub(info, "onset", _iso(dt.datetime.fromisoformat(str(w.detail["reached_at"]))))
        _sub(info, "senderName", settings.cap_sender_name)
        _sub(info, "headline", words["headline"])
        _sub(info, "description", words["description"])
        _sub(info, "instruction", words["instruction"])
        _sub(info, "web", f"{base}/?unit={w.area_code}")
        area = _sub(info, "area")
        _sub(area, "areaDesc", w.area_name)
        for ring in w.polygons:
            _sub(area, "polygon", ring)
        code = _sub(area, "geocode")
        _sub(code, "valueName", "cantho-ioc:unit")
        _sub(code, "value", w.area_code)
    ET.register_namespace("", CAP_NS)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def feed(warnings: list[PublicWarning], base: str, lang: str, now: dt.datetime) -> bytes:
    """The Atom index: one entry per warning, linking to its CAP document."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if value is not None:
            element.text = value
        return element

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(root, "id", f"{base}/cap/")
    sub(root, "title", t("cap.feed_title", lang))
    updated = max([w.resolved_at or w.fired_at for w in warnings], default=now)
    sub(root, "updated", _iso(updated))
    author = sub(root, "author")
    sub(author, "name", get_settings().cap_sender_name)
    sub(root, "link", rel="self", href=f"{base}/cap/")
    for w in warnings:
        entry = sub(root, "entry")
        sub(entry, "id", identifier(w, w.state == "resolved"))
        sub(entry, "title", _texts(w, lang)["headline"])
        sub(entry, "updated", _iso(w.resolved_at or w.fired_at))
        sub(entry, "link", rel="alternate", type=CAP_TYPE, href=f"{base}/cap/{w.id}.xml")
        sub(entry, "summary", _texts(w, lang)["description"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _base() -> str:
    return flask.request.url_root.rstrip("/")


def _answer(body: bytes, mimetype: str) -> Any:
    response = flask.Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def index() -> Any:
    now = dt.datetime.now(dt.UTC)
    with scope(Scope.public()), transaction() as conn:
        warnings = current(conn, now)
    return _answer(feed(warnings, _base(), current_language(), now), "application/atom+xml")


def document(alert_id: int) -> Any:
    now = dt.datetime.now(dt.UTC)
    with scope(Scope.public()), transaction() as conn:
        warning = one(conn, alert_id, now)
    if warning is None:
        raise NotFound(t("cap.not_found", current_language(), id=alert_id))
    return _answer(cap_document(warning, _base()), CAP_TYPE)


def not_a_warning(rest: str) -> Any:
    """Any other path under /cap/ (a warning's id is a number): a clear 404, not the map."""
    raise NotFound(t("cap.not_found", current_language(), id=rest[:40]))


def init_cap(server: flask.Flask) -> None:
    blueprint.add_url_rule("/cap/", "index", index)
    blueprint.add_url_rule("/cap/<int:alert_id>.xml", "document", document)
    blueprint.add_url_rule("/cap/<path:rest>", "other", not_a_warning)
    server.register_blueprint(blueprint)
