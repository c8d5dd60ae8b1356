"""Open311 GeoReport v2 under ``/open311/v2/``: citizens' reports for other apps (a blueprint).

The specification (wiki.open311.org/GeoReport_v2 and its Service Discovery page) in brief:
``discovery``, ``services`` (the report categories, ``service.categories``), ``services/<code>``
(a category's attributes: the flooding category's water depth), ``requests`` (GET: published
reports; POST: a new report), ``requests/<id>`` and ``tokens/<token>``, each as ``.json`` or
``.xml`` — the JSON a Spark-convention mapping of the XML. One jurisdiction,
``cantho.gov.vn``: a request may leave ``jurisdiction_id`` out, and any other is not found.

Reading needs no key and shows published reports only: the queries read the public views under
the public's reader role (``geodata.reports.open311``). A service request's id is the report's
tracking code; its status is ``open`` or ``closed``; its ``status_notes`` the last public reply;
its description only once published; its ``media_url`` the first published photo. Times are
ISO 8601 in Cần Thơ time (+07:00). Without filters, ``requests`` answers the last 90 days, 1,000
reports at most (the specification's default), newest first.

``POST requests`` takes the specification's form (``application/x-www-form-urlencoded``, or
multipart) and nothing else: no XML or JSON body is parsed, so none can attack a parser. It needs
an ``api_key`` issued on the command line (``geodata.accounts.open311_keys``); a bad key is
audited and counts towards the address's lockout with the other APIs' bad tokens
(``routes.bearer``). ``lat`` and ``long`` are required (addresses are not geocoded), attributes
come as ``attribute[code]=value``, the contact as ``first_name``, ``last_name``, ``email`` and
``phone``; ``media_url`` is not fetched (the answer's ``service_notice`` says so). The report is
checked and stored by ``geodata.reports.service.submit`` with source ``open311``, its audit entry
naming the key's label; the answer carries its tracking code at once (``type`` realtime, so no
token is ever issued).

Errors are the specification's list of ``{code, description}`` (``<errors><error>`` in XML),
``code`` being the HTTP status: 403 for a missing or bad ``api_key``, 404 for an unknown
jurisdiction, category, report, token or format, 413 for a body over
``CANTHO_OPEN311_MAX_BYTES``, 429 over a rate limit, 400 for the rest. Each description names
the field and is written in the caller's language (``lang`` parameter, then the ``lang``
cookie, then Accept-Language; Vietnamese by default). Refusals are raised as the exceptions of
``routes.errors``, whose table gives the status; this blueprint writes their body. Nothing is
stored on any refusal but the audit entry of a bad key.

Rate limits (the app's limiter, ``routes.limits``, counted for every worker): every request
per client address (``CANTHO_OPEN311_RATE_LIMIT``), and reports sent per API key
(``CANTHO_OPEN311_KEY_RATE_LIMIT``).

``openapi.json`` describes every route above in OpenAPI 3.0, with each answer's schema in JSON
(the XML is the same content, the specification's mapping), for client generators and fuzzers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl

import flask
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy import Connection
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

import geodata.accounts.ratelimit  # noqa: F401  (registers the cantho+postgresql:// rate-limit storage)
from domain.clock import CITY_TZ
from geodata.accounts.open311_keys import KeyHolder, authenticate_key
from geodata.accounts.tokens import TokenRefused
from geodata.db import Scope, scope, transaction
from geodata.reports import open311 as queries
from geodata.reports import service
from geodata.reports.service import Category, NewReport, ReportRefused
from geodata.settings import get_settings
from layouts.i18n import CATALOG, DEFAULT_LANGUAGE, LANGUAGES, fmt_moment, language, t
from routes import errors
from routes.bearer import audit_refusal, lockout_wait
from routes.limits import limiter
from web.request import LANG_COOKIE, today

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the discovery document, the service list or a definition last changed in a way clients
# should notice (the API, not the data): sortable, as the specification asks.
CHANGESET = "2026-12-01T00:00:00+07:00"
MEDIA_TYPES = {"xml": "text/xml", "json": "application/json"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_DAYS = 90  # the longest start_date..end_date span, and the default window
MAX_REQUESTS = 1000  # the most service requests one GET answers
# A published photo's address on the citizens' pages (their photo route serves it, published
# photos only); media_url is this under the site's root.
PHOTO_PATH = "/phan-anh/{code}/anh/{sha256}"
# How the JSON lists of the Spark convention are written in XML: <services><service>…
ITEMS = {
    "services": "service", "attributes": "attribute", "values": "value",
    "endpoints": "endpoint", "formats": "format", "service_requests": "request",
    "errors": "error",
}  # fmt: skip
# Characters XML 1.0 cannot carry (a control character in a citizen's text): left out of XML.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,100})\](\[\])?")
# The submission's fields and the specification's parameters that carry them.
PARAMETERS = {
    "category": "service_code", "location": "lat/long", "name": "first_name/last_name",
}  # fmt: skip

blueprint = flask.Blueprint("open311", __name__, url_prefix=PREFIX)


# --- the request: language, format, jurisdiction -------------------------------------------------


def current_lang() -> str:
    """The caller's language: ``lang`` parameter, ``lang`` cookie, Accept-Language; else
    Vietnamese."""
    request = flask.request
    for asked in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in LANGUAGES:
            return language(asked)
    return language(request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE))


@blueprint.before_request
def _refuse_nul() -> None:
    """A parameter or path with a NUL character is refused (400, named): PostgreSQL text cannot
    hold one. A report's form is checked once read (:func:`create_request`)."""
    name = errors.nul_parameter()
    if name is not None:
        raise errors.BadRequest(t("open311.error.nul", current_lang(), name=name))


def _format(fmt: str) -> str:
    if fmt not in MEDIA_TYPES:
        raise errors.NotFound(t("open311.error.format", current_lang(), value=fmt[:40]))
    return fmt


def _asked_format() -> str:
    """The format a refusal is written in: the URL's, XML (the required one) when it names
    none we write."""
    fmt = (flask.request.view_args or {}).get("fmt")
    if fmt is None:
        fmt = flask.request.path.rpartition(".")[2]
    return fmt if fmt in MEDIA_TYPES else "xml"


def _jurisdiction(values: MultiDict[str, str]) -> None:
    """One jurisdiction: none named is ours, another is not found (404)."""
    asked = (values.get("jurisdiction_id") or "").strip()
    ours = get_settings().open311_jurisdiction
    if asked and asked.lower() != ours:
        raise errors.NotFound(
            t("open311.error.jurisdiction", current_lang(), value=asked[:80], ours=ours)
        )


# --- writing JSON and XML ------------------------------------------------------------------------


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEMS[name], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


def serialize(fmt: str, root: str, content: Any) -> str:
    """``content`` as JSON (a list stays a bare array, as the specification writes it) or as
    XML under ``root``, with the declaration the specification asks for."""
    if fmt == "json":
        return json.dumps(content, ensure_ascii=False)
    body = ET.tostring(_element(root, content), encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def _respond(fmt: str, root: str, content: Any, status: int = 200) -> flask.Response:
    response = flask.Response(serialize(fmt, root, content), status=status)
    response.headers["Content-Type"] = f"{MEDIA_TYPES[fmt]}; charset=utf-8"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def write_error(
    exc: BaseException, row: errors.Answer, detail: str
) -> tuple[str, str, dict[str, str]]:
    """A refusal as the specification writes errors (``routes.errors`` gives the status)."""
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitExceeded):
        detail = t("open311.error.rate_limited", current_lang())
        # The limit's window: the longest wait (Flask-Limiter adds Retry-After only to the
        # answers it builds itself; this one is ours).
        headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    fmt = _asked_format()
    listed = [{"code": row.status, "description": detail}]
    return serialize(fmt, "errors", listed), f"{MEDIA_TYPES[fmt]}; charset=utf-8", headers


def w3c(moment: dt.datetime | None) -> str | None:
    """A moment as the specification writes it: ISO 8601 with Cần Thơ's offset."""
    return moment.astimezone(CITY_TZ).isoformat(timespec="seconds") if moment else None


# --- discovery, services -------------------------------------------------------------------------


def discovery(fmt: str) -> flask.Response:
    fmt = _format(fmt)
    lang = current_lang()
    settings = get_settings()
    document = {
        "changeset": CHANGESET,
        "contact": settings.open311_contact,
        "key_service": t("open311.key_service", lang),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": flask.request.url_root.rstrip("/") + PREFIX,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(MEDIA_TYPES.values()),
            }
        ],
    }
    return _respond(fmt, "discovery", document)


def _categories() -> tuple[list[Category], dict[str, tuple[str, str]]]:
    with scope(Scope.public()), transaction() as conn:
        return service.categories(conn), queries.agencies(conn)


def _name(category: Category, lang: str) -> str:
    return category.name_en if lang == "en" else category.name_vi


def services(fmt: str) -> flask.Response:
    fmt = _format(fmt)
    _jurisdiction(flask.request.args)
    lang = current_lang()
    categories, agencies = _categories()
    listed = []
    for category in categories:
        agency = agencies.get(category.agency_code or "")
        name = _name(category, lang)
        listed.append({
            "service_code": category.code,
            "service_name": name,
            "description": t("open311.service", lang, name=name,
                             agency=agency[lang == "en"]) if agency else name,
            "metadata": bool(category.attributes),
            "type": "realtime",
            "keywords": f"{category.name_vi}, {category.name_en}",
            "group": None,
        })  # fmt: skip
    return _respond(fmt, "services", listed)


def _attribute(spec: dict[str, Any], order: int, lang: str) -> dict[str, Any]:
    """One of a category's attributes as the specification defines them."""
    datatype = str(spec.get("datatype") or "string")
    return {
        "variable": True,
        "code": spec["code"],
        "datatype": datatype,
        "required": bool(spec.get("required")),
        "datatype_description": (
            t(f"open311.datatype.{datatype}", lang)
            if f"open311.datatype.{datatype}" in CATALOG
            else None
        ),
        "order": order,
        "description": spec.get(lang) or spec.get("vi") or spec["code"],
    }


def service_definition(service_code: str, fmt: str) -> flask.Response:
    fmt = _format(fmt)
    _jurisdiction(flask.request.args)
    lang = current_lang()
    categories, _ = _categories()
    found = next((c for c in categories if c.code == service_code), None)
    if found is None:
        raise errors.NotFound(t("open311.error.service_code", lang, value=service_code[:80]))
    definition = {
        "service_code": found.code,
        "attributes": [_attribute(a, i, lang) for i, a in enumerate(found.attributes, start=1)],
    }
    return _respond(fmt, "service_definition", definition)


# --- reading service requests --------------------------------------------------------------------


def _request(row: queries.RequestRow, lang: str) -> dict[str, Any]:
    """One published report as a service request."""
    notes = row.notes
    if notes is None and row.closed and row.resolution:
        notes = t(f"report.resolution.{row.resolution}", lang)
        if row.duplicate_of:
            notes += f" ({row.duplicate_of})"
    agency = row.agency_en if lang == "en" else row.agency_vi
    photo = (
        flask.request.url_root.rstrip("/") + PHOTO_PATH.format(code=row.code, sha256=row.photo)
        if row.photo
        else None
    )
    return {
        "service_request_id": row.code,
        "status": "closed" if row.closed else "open",
        "status_notes": notes,
        "service_name": row.category_en if lang == "en" else row.category_vi,
        "service_code": row.category,
        "description": row.description,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3c(row.reported_at),
        "updated_datetime": w3c(row.resolved_at if row.closed else row.updated_at),
        "expected_datetime": w3c(row.resolve_due),
        "address": row.unit_name,
        "address_id": None,
        "zipcode": None,
        "lat": round(row.lat, 7),
        "long": round(row.lon, 7),
        "media_url": photo,
    }


def _listed(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def parse_moment(name: str, raw: str, lang: str) -> dt.datetime:
    """A W3C date and time (``2026-12-01T00:00:00Z``, ``…+07:00``; a date alone is its first
    moment): without an offset it is read as Cần Thơ time."""
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise errors.InvalidParameter(
            t("open311.error.date", lang, name=name, value=raw[:40]), lang=lang
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CITY_TZ)


def request_filter(args: MultiDict[str, str], lang: str, now: dt.datetime) -> queries.RequestFilter:
    """GET requests' parameters as the specification reads them: ``service_request_id``
    overrides the others; start_date..end_date spans 90 days at most, the last 90 by default."""
    codes = _listed(args.get("service_request_id"))
    if codes:
        return queries.RequestFilter(codes=codes[:MAX_REQUESTS], limit=MAX_REQUESTS)
    statuses = _listed(args.get("status"))
    for status in statuses:
        if status not in ("open", "closed"):
            raise errors.InvalidParameter(
                t("open311.error.status", lang, value=status[:40]), lang=lang
            )
    start_raw, end_raw = args.get("start_date", ""), args.get("end_date", "")
    start = parse_moment("start_date", start_raw, lang) if start_raw.strip() else None
    end = parse_moment("end_date", end_raw, lang) if end_raw.strip() else None
    span = dt.timedelta(days=MAX_DAYS)
    if start is None and end is None:
        start, end = now - span, None
    elif start is None:
        assert end is not None
        start = end - span
    elif end is None:
        end = start + span
    elif end < start:
        raise errors.InvalidParameter(t("open311.error.date_order", lang), lang=lang)
    elif end - start > span:
        raise errors.InvalidParameter(t("open311.error.date_span", lang, days=MAX_DAYS), lang=lang)
    return queries.RequestFilter(
        categories=_listed(args.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
        limit=MAX_REQUESTS,
    )


def _read(wanted: queries.RequestFilter) -> list[queries.RequestRow]:
    with scope(Scope.public()), transaction() as conn:
        return queries.requests(conn, wanted)


def get_requests(fmt: str) -> flask.Response:
    fmt = _format(fmt)
    _jurisdiction(flask.request.args)
    lang = current_lang()
    wanted = request_filter(flask.request.args, lang, dt.datetime.now(CITY_TZ))
    return _respond(fmt, "service_requests", [_request(r, lang) for r in _read(wanted)])


def get_request(service_request_id: str, fmt: str) -> flask.Response:
    fmt = _format(fmt)
    _jurisdiction(flask.request.args)
    lang = current_lang()
    found = _read(queries.RequestFilter(codes=(service_request_id,), limit=1))
    if not found:
        raise errors.NotFound(t("open311.error.request", lang, value=service_request_id[:40]))
    return _respond(fmt, "service_requests", [_request(found[0], lang)])


def get_token(token: str, fmt: str) -> flask.Response:
    """Every service request id is returned when the request is made (``type`` realtime):
    this server never issues a token, so none is found."""
    _format(fmt)
    _jurisdiction(flask.request.args)
    raise errors.NotFound(t("open311.error.token", current_lang(), value=token[:40]))


# --- creating a service request ------------------------------------------------------------------


def _form() -> MultiDict[str, str]:
    """The POST's form, read once per request (the rate limiter's key asks first) and checked:
    the specification's form encoding (or multipart) within the size limit, well formed UTF-8.
    Raises the refusal; the limiter's key reads it too and must not (:func:`_key_identity`)."""
    if "open311_form" not in flask.g:
        result: MultiDict[str, str] | errors.Refused
        try:
            result = _read_form(current_lang())
        except errors.Refused as refused:
            result = refused
        flask.g.open311_form = result
    if isinstance(flask.g.open311_form, errors.Refused):
        raise flask.g.open311_form
    return flask.g.open311_form


def _read_form(lang: str) -> MultiDict[str, str]:
    request = flask.request
    limit = get_settings().open311_max_bytes
    request.max_content_length = limit  # a chunked body has no length to check first
    too_large = errors.PayloadTooLarge(t("open311.error.too_large", lang, limit=limit), lang=lang)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    try:
        if request.mimetype == "multipart/form-data":
            return MultiDict(request.form)
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if not raw:
        return MultiDict()
    if request.mimetype != FORM_TYPES[0]:
        shown = request.mimetype or "?"
        raise errors.BadRequest(t("open311.error.body", lang, value=shown[:60]), lang=lang)
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        raise errors.BadRequest(t("open311.error.form", lang), lang=lang) from None
    return MultiDict(pairs)


def _key_identity() -> str:
    """Whom the per-key limit counts: the API key sent (its digest: no lookup needed, and a
    key's counter is the same for every worker), else the client's address. Never raises."""
    try:
        key = _form().get("api_key", "")
    except errors.Refused:
        key = ""
    if not key:
        return f"address:{get_remote_address()}"
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _authenticate(conn: Connection, form: MultiDict[str, str], lang: str) -> KeyHolder:
    """The API key's holder, read in ``conn`` (the owner's rights); 403 for a missing or bad key
    (a bad one audited apart, so the entry stays), 429 while this address is locked out for bad
    keys and tokens."""
    key = form.get("api_key", "").strip()
    if not key:
        raise errors.Forbidden(t("open311.error.no_api_key", lang), lang=lang)
    wait = lockout_wait(conn, flask.request.remote_addr)
    if wait is not None:
        raise errors.TooManyRequests(
            t("open311.error.locked", lang, minutes=math.ceil(wait / 60)),
            retry_after=wait, lang=lang,
        )  # fmt: skip
    try:
        return authenticate_key(conn, key)
    except TokenRefused as refused:
        audit_refusal("open311_key", refused, "key")
        raise errors.Forbidden(t("open311.error.api_key", lang), lang=lang) from None


def _number(name: str, raw: str | None, lang: str) -> float:
    try:
        value = float((raw or "").strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        message = t("report.error.number", lang, code=name, value=(raw or "")[:40])
        raise errors.BadRequest(f"{name}: {message}", lang=lang)
    return value


def new_report(form: MultiDict[str, str], lang: str) -> NewReport:
    """The submission a POST's form describes (its content is checked by the service)."""
    if not form.get("service_code", "").strip():
        raise errors.BadRequest(t("open311.error.no_service_code", lang), lang=lang)
    if not (form.get("lat", "").strip() and form.get("long", "").strip()):
        raise errors.BadRequest(t("open311.error.location", lang), lang=lang)
    lat, lon = _number("lat", form.get("lat"), lang), _number("long", form.get("long"), lang)
    attributes: dict[str, Any] = {}
    for name in form:
        found = _ATTRIBUTE.fullmatch(name)
        if found is None:
            continue
        code, many = found.groups()
        values = form.getlist(name)
        if many or len(values) > 1:
            raise errors.BadRequest(t("open311.error.attribute_list", lang, code=code), lang=lang)
        attributes[code] = values[0].strip()
    # Family name first, as Vietnamese names are written and read by the staff.
    name = " ".join(f"{form.get('last_name', '')} {form.get('first_name', '')}".split())
    return NewReport(
        category=form["service_code"].strip(),
        lon=lon,
        lat=lat,
        description=form.get("description", ""),
        name=name or None,
        phone=form.get("phone", "").strip() or None,
        email=form.get("email", "").strip() or None,
        language=lang,
        source="open311",
        attributes=attributes,
    )


def _refused(refused: ReportRefused, lang: str) -> errors.Refused:
    """A refusal of the service as the specification's error: naming the parameter; an unknown
    category is a service_code not found (404)."""
    if refused.key == "report.error.category":
        value = str(refused.values.get("value", ""))[:80]
        return errors.NotFound(t("open311.error.service_code", lang, value=value), lang=lang)
    parameter = PARAMETERS.get(refused.field, refused.field)
    message = t(refused.key, lang, **refused.values)
    return errors.BadRequest(f"{parameter}: {message}", lang=lang)


def create_request(fmt: str) -> flask.Response:
    fmt = _format(fmt)
    lang = current_lang()
    form = _form()
    for name, value in form.items(multi=True):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\0")[:80]
            raise errors.BadRequest(t("open311.error.nul", lang, name=shown), lang=lang)
    _jurisdiction(flask.request.args)
    _jurisdiction(form)
    now = dt.datetime.now(CITY_TZ)
    # With the owner's rights (keys are the owner's to read; a report is stored as the report
    # page stores it, once the request is checked), in one transaction: a refusal at any step
    # rolls back all of it.
    try:
        with scope(None), transaction() as conn:
            holder = _authenticate(conn, form, lang)
            new = new_report(form, lang)
            sent = service.submit(
                conn, new, now, today(), flask.request.remote_addr, api_key=holder.label
            )
    except ReportRefused as refused:
        raise _refused(refused, lang) from None
    notice = t(
        "open311.notice", lang, code=sent.code,
        ack=fmt_moment(sent.deadlines.acknowledge.astimezone(CITY_TZ), lang),
        resolve=fmt_moment(sent.deadlines.resolve.astimezone(CITY_TZ), lang),
    )  # fmt: skip
    if form.get("media_url", "").strip():
        notice += " " + t("open311.notice.media", lang)
    answer = [{"service_request_id": sent.code, "service_notice": notice, "account_id": None}]
    response = _respond(fmt, "service_requests", answer, status=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.before_request
def _options() -> flask.Response | None:
    """OPTIONS names the methods of the route the URL matched (GET and POST for requests):
    Flask's own answer would add the catch-all's POST to every URL."""
    rule = flask.request.url_rule
    if flask.request.method != "OPTIONS" or rule is None:
        return None
    same = [r for r in flask.current_app.url_map.iter_rules() if r.rule == rule.rule]
    methods = sorted({"OPTIONS"}.union(*(r.methods or set() for r in same)))
    return flask.Response(status=204, headers={"Allow": ", ".join(methods)})


def unknown(anything: str) -> flask.Response:
    """Any other path under the API: not found, in the specification's error format."""
    raise errors.NotFound(t("open311.error.path", current_lang(), value=anything[:80]))


# --- the OpenAPI description ---------------------------------------------------------------------

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": "string", "nullable": True}
# Ours, or none named (empty is none): any other is not found. The document is written with
# the setting's value in place of this one (the default's).
_JURISDICTIONS = ["cantho.gov.vn", ""]
_FORMAT = {"name": "format", "in": "path", "required": True,
           "schema": {"type": "string", "enum": list(MEDIA_TYPES)}}  # fmt: skip
_COMMON = [
    {"name": "jurisdiction_id", "in": "query", "required": False,
     "schema": {"type": "string", "enum": _JURISDICTIONS}},
    # Any other value falls back to the cookie, then Accept-Language: a wish, never refused.
    {"name": "lang", "in": "query", "required": False,
     "schema": {"type": "string", "example": "en"}},
]  # fmt: skip


def _path(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }


def _answer(description: str, schema: dict[str, Any], **headers: str) -> dict[str, Any]:
    """An answer in JSON (with its schema) or XML (the same content, as the specification maps
    it), as the URL's format says."""
    answer: dict[str, Any] = {
        "description": description,
        "content": {MEDIA_TYPES["json"]: {"schema": schema}, MEDIA_TYPES["xml"]: {"schema": _TEXT}},
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "required": True, "schema": _TEXT}
            for name, text in headers.items()
        }
    return answer


def _list(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}


_ERRORS = _list("Error")
_REFUSALS = {
    "400": _answer("A parameter that cannot be used; the description names it.", _ERRORS),
    "404": _answer("No such jurisdiction, service, request, token or format.", _ERRORS),
    # By gunicorn, before the app sees the request: a page of its own.
    "414": {"description": "A URL longer than the server reads (4,094 bytes a request line).",
            "content": {"text/html": {"schema": _TEXT}}},
    "429": _answer("Too many requests from this address lately.", _ERRORS,
                   **{"Retry-After": "Seconds to wait."}),
}  # fmt: skip
_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": _TEXT}},
    "Discovery": {"type": "object", "required": ["changeset", "endpoints"],
                  "properties": {"changeset": _TEXT, "contact": _TEXT, "key_service": _TEXT,
                                 "endpoints": {"type": "array", "items": {"type": "object"}}}},
    "Service": {"type": "object",
                "required": ["service_code", "service_name", "metadata", "type"],
                "properties": {"service_code": _TEXT, "service_name": _TEXT,
                               "description": _TEXT, "metadata": {"type": "boolean"},
                               "type": {"enum": ["realtime", "batch", "blackbox"]},
                               "keywords": _MAYBE_TEXT, "group": _MAYBE_TEXT}},
    "ServiceDefinition": {"type": "object", "required": ["service_code", "attributes"],
                          "properties": {"service_code": _TEXT, "attributes": {
                              "type": "array", "items": {"type": "object"}}}},
    "ServiceRequest": {
        "type": "object", "required": ["service_request_id", "status", "lat", "long"],
        "properties": {
            "service_request_id": _TEXT, "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _MAYBE_TEXT, "service_name": _MAYBE_TEXT, "service_code": _TEXT,
            "description": _MAYBE_TEXT, "agency_responsible": _MAYBE_TEXT,
            "service_notice": _MAYBE_TEXT, "requested_datetime": _MAYBE_TEXT,
            "updated_datetime": _MAYBE_TEXT, "expected_datetime": _MAYBE_TEXT,
            "address": _MAYBE_TEXT, "address_id": _MAYBE_TEXT, "zipcode": _MAYBE_TEXT,
            "lat": {"type": "number"}, "long": {"type": "number"}, "media_url": _MAYBE_TEXT,
        },
    },
    "Created": {"type": "object", "required": ["service_request_id"],
                "properties": {"service_request_id": _TEXT, "service_notice": _MAYBE_TEXT,
                               "account_id": _MAYBE_TEXT}},
    "NewRequest": {
        "type": "object", "required": ["api_key", "service_code", "lat", "long"],
        "properties": {
            "api_key": {**_TEXT, "description": "Issued with `geodata open311 keys add`."},
            "jurisdiction_id": {"type": "string", "enum": _JURISDICTIONS},
            # The examples make a report the server accepts: flooding in Ninh Kiều.
            "service_code": {**_TEXT, "minLength": 1, "example": "flooding"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90, "example": 10.03},
            "long": {"type": "number", "minimum": -180, "maximum": 180, "example": 105.775},
            "attribute[depth_cm]": {"type": "number", "minimum": 0, "example": 30},
            "description": _TEXT, "first_name": _TEXT, "last_name": _TEXT,
            # As the service checks it: empty for none, else an @ and a dot and no space.
            "email": {"type": "string", "maxLength": 254,
                      "pattern": r"^$|^[^ ]*@[^ ]*\.[^ ]*$|^[^ ]*\.[^ ]*@[^ ]*$"},
            "phone": _TEXT,
            "media_url": {"type": "string", "description": "Not fetched."},
        },
    },
}  # fmt: skip


def _get(
    summary: str, ok: dict[str, Any], parameters: list[dict[str, Any]], common: bool = True
) -> dict[str, Any]:
    responses = {"200": _answer("OK", ok), **_REFUSALS}
    # Discovery is the same for every jurisdiction: it reads no jurisdiction_id.
    shared = _COMMON if common else _COMMON[1:]
    return {"get": {"summary": summary, "parameters": [*parameters, _FORMAT, *shared],
                    "responses": responses}}  # fmt: skip


def openapi_document(root: str) -> dict[str, Any]:
    """GeoReport v2 as this server serves it, in OpenAPI 3.0."""
    ref = {"$ref": "#/components/schemas/Discovery"}
    moment = {"type": "string", "description": "W3C date and time; Cần Thơ time if no offset."}
    filters = [
        {"name": "service_request_id", "in": "query", "required": False, "schema": _TEXT,
         "description": "Comma-separated tracking codes; overrides every other filter."},
        {"name": "service_code", "in": "query", "required": False, "schema": _TEXT},
        {"name": "start_date", "in": "query", "required": False, "schema": moment},
        {"name": "end_date", "in": "query", "required": False, "schema": moment},
        # A comma-separated list; like every filter, ignored when service_request_id is given.
        {"name": "status", "in": "query", "required": False,
         "schema": {"type": "string", "example": "open,closed"}},
    ]  # fmt: skip
    form = {"$ref": "#/components/schemas/NewRequest"}
    requests_path = _get("Published service requests", _list("ServiceRequest"), filters)
    requests_path["post"] = {
        "summary": "Send a service request (a citizen's report)",
        "parameters": [_FORMAT, _COMMON[1]],
        "requestBody": {"required": True, "content": {FORM_TYPES[0]: {"schema": form},
                                                      FORM_TYPES[1]: {"schema": form}}},
        "responses": {
            "201": _answer("Stored; the tracking code is its id.", _list("Created")),
            **_REFUSALS,
            "403": _answer("No api_key, or one that is wrong or revoked.", _ERRORS),
            "413": _answer("A body over the size limit.", _ERRORS),
        },
    }  # fmt: skip
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Cần Thơ IOC — Open311 GeoReport v2", "version": "2"},
        "externalDocs": {"url": SPECIFICATION},
        "servers": [{"url": root.rstrip("/") + PREFIX}],
        "paths": {
            "/discovery.{format}": _get("Service discovery", ref, [], common=False),
            "/services.{format}": _get("Report categories", _list("Service"), []),
            "/services/{service_code}.{format}": _get(
                "A category's attributes", {"$ref": "#/components/schemas/ServiceDefinition"},
                [_path("service_code")]),
            "/requests.{format}": requests_path,
            "/requests/{service_request_id}.{format}": _get(
                "One service request", _list("ServiceRequest"), [_path("service_request_id")]),
            "/tokens/{token}.{format}": _get(
                "A token (never found: ids are returned at once)", _list("ServiceRequest"),
                [_path("token")]),
        },
        "components": {"schemas": _SCHEMAS},
    }  # fmt: skip
    ours = json.dumps(get_settings().open311_jurisdiction)
    return json.loads(json.dumps(document).replace(json.dumps(_JURISDICTIONS[0]), ours))


def openapi() -> flask.Response:
    """This API's OpenAPI 3.0 description."""
    body = json.dumps(openapi_document(flask.request.url_root), ensure_ascii=False)
    response = flask.Response(body, mimetype="application/vnd.oai.openapi+json;version=3.0")
    response.headers["Access-Control-Allow-Origin"] = "*"  # a description, no data: any page
    return response


# --- registration --------------------------------------------------------------------------------

ROUTES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("/openapi.json", openapi, ("GET",)),
    ("/discovery.<fmt>", discovery, ("GET",)),
    ("/services.<fmt>", services, ("GET",)),
    ("/services/<service_code>.<fmt>", service_definition, ("GET",)),
    ("/requests.<fmt>", get_requests, ("GET",)),
    ("/requests/<service_request_id>.<fmt>", get_request, ("GET",)),
    ("/tokens/<token>.<fmt>", get_token, ("GET",)),
    ("/<path:anything>", unknown, ("GET", "POST")),
]
for _rule, _view, _methods in ROUTES:
    blueprint.add_url_rule(_rule, _view.__name__, _view, methods=list(_methods))


def init_open311(server: flask.Flask) -> None:
    """Serve Open311 under /open311/v2/ with its rate limits and its error format."""
    settings = get_settings()
    limits = limiter(server)
    limits.limit(settings.open311_rate_limit)(blueprint)
    # Reports per key, on top of the blueprint's limit per address (a route's own limit is
    # checked by the view it wraps: the wrapper is what the route serves).
    per_key = limits.limit(
        settings.open311_key_rate_limit, key_func=_key_identity, override_defaults=False
    )
    blueprint.add_url_rule(
        "/requests.<fmt>", "create_request", per_key(create_request), methods=["POST"]
    )
    errors.body_for(blueprint, write_error)
    server.register_blueprint(blueprint)
