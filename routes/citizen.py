"""The citizens' side of "Thành phố của tôi": report a problem, follow it, rate it or reopen it —
phone first, Vietnamese first (English by the language switch or ``?lang=en``), no account.

Routes (the blueprint ``citizen``, set up by :func:`init_citizen`):

- ``GET/POST /phan-anh`` (alias ``/report``): the form — category, a pin (the phone's location or
  a tap on the map; latitude/longitude fields without JavaScript), description, up to three
  photos, contact details only when "ẩn danh" is unticked, the category's attributes. A POST
  stores the report and answers ``303`` to its tracking page; a refusal shows the form again with
  the entries kept and one message naming the field (400 broken form, 413 too large, 422 refused
  content, 429 too many), and stores nothing. A filled honeypot gets a plain thank-you, nothing
  stored.
- ``GET /phan-anh/ban-do.geojson``: the city's units, outline and rivers for the form's map.
- ``GET /phan-anh/gan-day?category=&lat=&lon=``: the open reports of the category within 250 m
  ("Đã có người phản ánh?"), as JSON.
- ``GET /phan-anh/tra-cuu?ma=``: to the tracking page of a typed code.
- ``GET /phan-anh/<code>``: the tracking page — status, public history, published description
  and photos, unit, agency; rating and reopening once closed. An unknown code is a 404 page.
- ``POST /phan-anh/<code>/cung-phan-anh``, ``/danh-gia``, ``/mo-lai``: add yourself, rate, reopen.
- ``GET /phan-anh/<code>/anh/<sha256>`` and ``…/nho``: a photo and its thumbnail, only if it is
  published, or to staff whose scope holds the report (``web.access``, row-level security).

What the public reads is read through the public's reader role; what a citizen writes goes
through ``geodata.reports`` with the owner's rights once this module has checked the request
(CSRF token, honeypot, rate limit per address, sizes). Every POST counts against
``report_rate_limit`` per address, in the OGC API's rate-limit storage (routes/ogc.py).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import IO, Any, cast
from urllib.parse import urlencode

import flask
from flask_limiter import Limiter
from flask_wtf.csrf import generate_csrf, validate_csrf
from limits import RateLimitItem, parse
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from domain import reports as rules
from domain.clock import CITY_TZ
from domain.tolerance import frame_tolerance
from geodata.db import Scope, get_engine, scope, transaction
from geodata.monitoring.queries import children, context_geojson, root_unit, units_geojson
from geodata.reports import intake, service
from geodata.reports import photos as files
from geodata.reports.mail import send_update
from geodata.reports.photos import Photo, PhotoRefused
from geodata.reports.service import Category, NewReport, ReportNotFound, ReportRefused
from geodata.settings import get_settings
from layouts.i18n import CATALOG, LANGUAGES, fmt_date, fmt_moment, fmt_number, language, t
from layouts.mail import update_message
from routes import errors
from routes.limits import limiter
from web.access import current_caller, data_scope, may_read
from web.request import LANG_COOKIE, current_language, today

log = logging.getLogger(__name__)

blueprint = flask.Blueprint("citizen", __name__)

PREFIX = "/phan-anh"
HONEYPOT = "website"  # a field people never see; bots fill every field they find
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"[0-9A-Za-z -]{1,20}")
# Catalog keys of the fields a refusal may name.
_FIELD_LABELS = {
    "category": "citizen.category",
    "location": "citizen.location",
    "description": "citizen.description",
    "email": "citizen.email",
    "phone": "citizen.phone",
    "name": "citizen.name",
    "photos": "citizen.photos",
    "rating": "citizen.rating",
    "comment": "citizen.comment",
    "reopen": "citizen.reopen",
}


# --- the page's language --------------------------------------------------------------------------


def page_language() -> str:
    """``?lang=`` when the URL names a language (a shared English link), else the site's switch
    (the ``lang`` cookie)."""
    asked = flask.request.args.get("lang")
    return asked if asked in LANGUAGES else current_language()


@blueprint.after_request
def _remember_language(response: flask.Response) -> flask.Response:
    """A URL that names the language sets the site's switch too, so the next page follows it.
    Pages carry a form token and depend on the language cookie: no shared cache keeps them."""
    asked = flask.request.args.get("lang")
    if asked in LANGUAGES and asked != flask.request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE, asked, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
        )
    response.vary.add("Cookie")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _switch_url(lang: str) -> str:
    """This page in the other language (the switch sets the cookie through ``?lang=``), with
    the rest of its query (a citizen who just sent a report keeps the code's banner)."""
    query = {k: v for k, v in flask.request.args.items() if k != "lang"}
    other = "en" if lang == "vi" else "vi"
    return flask.request.path + "?" + urlencode({**query, "lang": other})


def _lang_query() -> str:
    """``?lang=xx`` to carry on in a redirect when this request named its language."""
    asked = flask.request.args.get("lang")
    return f"lang={asked}" if asked in LANGUAGES else ""


def _render(template: str, lang: str, status: int = 200, **values: Any) -> flask.Response:
    def tr(key: str, **fill: Any) -> str:
        return t(key, lang, **fill)

    html = flask.render_template(
        template,
        lang=lang,
        tr=tr,
        site=t("app.title", lang),
        switch_label=t("lang.switch", lang),
        switch_url=_switch_url(lang),
        **values,
    )
    return flask.Response(html, status=status, mimetype="text/html")


def _refusal_page(message: str, status: int) -> str:
    """A refused request on these pages (an unknown code, a photo not published): the reason,
    and the ways on — the report form, a code to look up, the map."""
    lang = page_language()
    title_key = f"refusal.title.{status}"
    title = t(title_key if title_key in CATALOG else "refusal.title", lang)
    return _render("citizen_refused.html", lang, status, title=title, message=message).get_data(
        as_text=True
    )


# --- rate limit -----------------------------------------------------------------------------------


def _rate_limit() -> tuple[Limiter, RateLimitItem]:
    return flask.current_app.extensions["citizen_rate_limit"]


def _wait_seconds() -> int | None:
    """Count this POST against the address's limit: None when it is within, else the seconds to
    wait (the window's reset)."""
    limiter, item = _rate_limit()
    counted_as = ("citizen", flask.request.remote_addr or "?")
    strategy = limiter.limiter
    if strategy.hit(item, *counted_as):
        return None
    reset = strategy.get_window_stats(item, *counted_as).reset_time
    return max(1, math.ceil(reset - time.time()))


def _too_many(lang: str, wait: int) -> str:
    return t("citizen.error.rate_limited", lang, minutes=max(1, math.ceil(wait / 60)))


# --- the form -------------------------------------------------------------------------------------


@dataclass
class Entries:
    """What the citizen typed, as typed, to show the form again after a refusal."""

    category: str = ""
    lat: str = ""
    lon: str = ""
    description: str = ""
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    email: str = ""
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Any) -> Entries:
        return cls(
            category=form.get("category", "").strip(),
            lat=form.get("lat", "").strip(),
            lon=form.get("lon", "").strip(),
            description=form.get("description", ""),
            anonymous=form.get("anonymous") is not None,
            name=form.get("name", ""),
            phone=form.get("phone", ""),
            email=form.get("email", ""),
            attributes={
                key[len("attr-") :]: value.strip()
                for key, value in form.items()
                if key.startswith("attr-") and value.strip()
            },
        )

    def report(self, categories: list[Category], lang: str) -> NewReport:
        """The report these entries describe: contact only when not anonymous, and only the
        chosen category's attributes (the form shows every category's)."""
        chosen = next((c for c in categories if c.code == self.category), None)
        wanted = {a["code"] for a in chosen.attributes} if chosen else set()
        attributes = {}
        for key, value in self.attributes.items():  # "flooding.depth_cm": the field's name
            category, _, code = key.partition(".")
            if category == self.category and code in wanted:
                attributes[code] = value
        return NewReport(
            category=self.category or None,
            lon=_coordinate(self.lon),
            lat=_coordinate(self.lat),
            description=self.description.replace("\r\n", "\n"),
            name=None if self.anonymous else self.name.strip() or None,
            phone=None if self.anonymous else self.phone.strip() or None,
            email=None if self.anonymous else self.email.strip() or None,
            language=lang,
            source="web",
            attributes=attributes,
        )


def _coordinate(raw: str) -> float | None:
    """A typed coordinate, with a decimal point or comma; None when it is no number."""
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


def _categories(conn: Any = None) -> list[Category]:
    if conn is not None:
        return service.categories(conn)
    with scope(Scope.public()), get_engine().connect() as own:
        return service.categories(own)


def _megabytes(size: int) -> int | float:
    """A size in megabytes for a message: 10, 31 or 0.5."""
    value = round(size / 1_000_000, 1)
    return int(value) if value.is_integer() else value


def _body_limit() -> int:
    """The largest form taken: every photo at its largest, and a megabyte for the rest."""
    return get_settings().photo_max_bytes * rules.MAX_PHOTOS + 1_000_000


def _form(
    lang: str,
    entries: Entries | None = None,
    *,
    error: str | None = None,
    error_field: str | None = None,
    status: int = 200,
    photos_again: bool = False,
    categories: list[Category] | None = None,
) -> flask.Response:
    settings = get_settings()
    response = _render(
        "citizen_form.html",
        lang,
        status,
        title=t("citizen.title", lang),
        entries=entries or Entries(),
        categories=categories if categories is not None else _categories(),
        error=error,
        error_field=error_field,
        photos_again=photos_again,
        csrf=generate_csrf(),
        action=PREFIX + f"?lang={lang}",
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        max_photos=rules.MAX_PHOTOS,
        max_photo_bytes=settings.photo_max_bytes,
        max_photo_mb=_megabytes(settings.photo_max_bytes),
        max_body_bytes=_body_limit(),
        max_description=rules.MAX_DESCRIPTION,
        nearby_metres=rules.NEARBY_METRES,
        honeypot=HONEYPOT,
    )
    # The form asks for the phone's position (Geolocation API): this page only.
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
    return response


def _field_message(
    lang: str, field_name: str, message: str, categories: list[Category], entries: Entries
) -> str:
    """One message naming the field: "Vị trí: Vị trí nằm ngoài địa bàn Cần Thơ."."""
    label_key = _FIELD_LABELS.get(field_name)
    if label_key is not None:
        label = t(label_key, lang)
    elif field_name.startswith("attribute["):
        code = field_name[len("attribute[") : -1]
        chosen = next((c for c in categories if c.code == entries.category), None)
        spec = next((a for a in (chosen.attributes if chosen else []) if a["code"] == code), {})
        label = str(spec.get(lang) or spec.get("vi") or code)
    else:
        return message
    return t("citizen.error.field", lang, field=label, message=message)


def _report_refused(exc: ReportRefused, lang: str) -> str:
    values = dict(exc.values)
    if "value" in values:
        values["value"] = str(values["value"])[:80]
    return t(exc.key, lang, **values)


class _Discard(io.RawIOBase):
    """Where the files of a form too large to take go: nowhere (their bytes are only read)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0


def _discarded(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    """werkzeug's stream factory for a file part: a sink."""
    return cast(IO[bytes], _Discard())


def _typed_fields_only() -> Entries | None:
    """The typed fields of a form too large to take, its files read and dropped, so that the
    form comes back with them (and the browser gets the answer rather than a connection reset
    while it is still sending). A body beyond eight times the limit is not read at all."""
    if (flask.request.content_length or 0) > 8 * _body_limit():
        return None
    _, form, _ = parse_form_data(
        flask.request.environ,
        stream_factory=_discarded,
        max_form_memory_size=1_000_000,  # the typed fields: a description is at most 4,000 chars
        silent=True,
    )
    return Entries.from_form(form)


def report_form() -> flask.Response:
    """GET: the form. POST: check everything, store the report, go to its tracking page."""
    lang = page_language()
    if flask.request.method == "GET":
        return _form(lang)
    wait = _wait_seconds()
    if wait is not None:
        entries = _entries_or_none()
        response = _form(lang, entries, error=_too_many(lang, wait), status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    flask.request.max_content_length = _body_limit()
    try:
        form, uploads = flask.request.form, flask.request.files.getlist("photos")
    except RequestEntityTooLarge:
        mb = _megabytes(_body_limit())
        message = t("citizen.error.too_large", lang, mb=mb)
        return _form(lang, _typed_fields_only(), error=message, status=413, photos_again=True)
    entries = Entries.from_form(form)
    uploads = [u for u in uploads if u.filename]  # a file input left empty sends an empty part
    if form.get(HONEYPOT):
        log.info("report form with its honeypot filled from %s: dropped", flask.request.remote_addr)
        return _render("citizen_thanks.html", lang, title=t("citizen.thanks", lang))
    try:
        validate_csrf(form.get("csrf_token"))
    except Exception:  # flask-wtf raises ValidationError for a missing, wrong or expired token
        return _form(
            lang, entries, error=t("citizen.error.csrf", lang), status=400,
            photos_again=bool(uploads),
        )  # fmt: skip
    return _submit(lang, entries, uploads)


def _entries_or_none() -> Entries | None:
    """The entries of a form refused before it was read (its files dropped)."""
    flask.request.max_content_length = _body_limit()
    try:
        return Entries.from_form(flask.request.form)
    except RequestEntityTooLarge:
        return _typed_fields_only()


def _submit(lang: str, entries: Entries, uploads: list[Any]) -> Any:
    with scope(Scope.public()), get_engine().connect() as conn:
        categories = _categories(conn)
        new = entries.report(categories, lang)

        def refused(field_name: str, message: str, status: int = 422) -> flask.Response:
            text = _field_message(lang, field_name, message, categories, entries)
            return _form(
                lang, entries, error=text, error_field=field_name, status=status,
                photos_again=bool(uploads), categories=categories,
            )  # fmt: skip

        # The cheap refusals first (category, place, texts): no photo is decoded for nothing.
        try:
            service.check(conn, new, today())
        except ReportRefused as exc:
            return refused(exc.field, _report_refused(exc, lang))
    if len(uploads) > rules.MAX_PHOTOS:
        return refused("photos", t("report.error.photos", lang, limit=rules.MAX_PHOTOS))
    photos: list[Photo] = []
    for upload in uploads:
        try:
            photos.append(files.accept(upload.read(), upload.filename))
        except PhotoRefused as exc:
            status = 413 if exc.reason_key == "photo.too_big" else 422
            return refused("photos", t(exc.reason_key, lang, **exc.values), status)
    try:
        sent = intake.submit_with_photos(
            new, photos, dt.datetime.now(CITY_TZ), today(), flask.request.remote_addr
        )
    except ReportRefused as exc:  # the city's units changed between the check and now
        return refused(exc.field, _report_refused(exc, lang))
    if new.email:
        _mail_received(new.email, sent.code, lang)
    query = "sent=1" + (f"&{_lang_query()}" if _lang_query() else "")
    return flask.redirect(f"{PREFIX}/{sent.code}?{query}", code=303)


def _mail_received(address: str, code: str, lang: str) -> None:
    """The "received" e-mail, after the commit; a failure to send fails nothing."""
    link = flask.url_for("citizen.track", code=code, _external=True)
    text = update_message(lang, code, t("report.status.received", lang), link)
    try:
        send_update(address, text.subject, text.body)
    except Exception:  # send_update answers False rather than raise; this is belt and braces
        log.exception("the received e-mail for %s was not sent", code)


# --- the map's outline and the reports nearby -----------------------------------------------------


def outline() -> flask.Response:
    """The city's units, outline and rivers as GeoJSON, with the city's bounds as ``bbox``."""
    day = today()
    with scope(Scope.public()), get_engine().connect() as conn:
        root = root_unit(conn, day)
        units = units_geojson(conn, children(conn, root, day), frame_tolerance(root.bounds))
        context = context_geojson(conn, root, day)
    for feature in units["features"]:
        feature["properties"] = {"kind": "unit", "name": feature["properties"]["name"]}
    payload = {
        "type": "FeatureCollection",
        "bbox": list(root.bounds),
        "features": context["features"] + units["features"],
    }
    response = flask.jsonify(payload)
    response.mimetype = errors.GEOJSON
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def nearby() -> flask.Response:
    """The open reports of ``category`` within 250 m of ``lat``/``lon``, nearest first."""
    lang = page_language()
    args = flask.request.args
    lat, lon = _coordinate(args.get("lat", "")), _coordinate(args.get("lon", ""))
    category = args.get("category", "")
    if lat is None or lon is None or not all(map(math.isfinite, (lat, lon))):
        raise errors.InvalidParameter(t("report.error.no_location", lang), lang=lang)
    with scope(Scope.public()), get_engine().connect() as conn:
        found = service.nearby_open(conn, category, lon, lat) if category else []
    now = dt.datetime.now(CITY_TZ)
    reports = [
        {
            "code": r.code,
            "url": flask.url_for("citizen.track", code=r.code),
            "status": t(f"report.status.{r.status}", lang),
            "colour": rules.status_colour(r.status, r.resolution),
            "reported": fmt_moment(r.reported_at.astimezone(CITY_TZ), lang),
            "description": r.description,
            "supporters": r.supporters,
            "overdue": rules.is_overdue(r.status, r.ack_due, r.resolve_due, now),
            "support_url": flask.url_for("citizen.support", code=r.code),
        }
        for r in found
    ]
    response = flask.jsonify({"metres": rules.NEARBY_METRES, "reports": reports})
    response.headers["Cache-Control"] = "no-store"
    return response


def lookup() -> Any:
    """A code typed in the look-up box: to its tracking page (which says if there is none)."""
    code = "".join(flask.request.args.get("ma", "").split()).upper()
    if not code or not _CODE.fullmatch(code):
        return flask.redirect(PREFIX)
    return flask.redirect(flask.url_for("citizen.track", code=rules.normal_code(code)))


# --- the tracking page ----------------------------------------------------------------------------


def _public_report(code: str, lang: str) -> service.PublicReport:
    found = None
    if _CODE.fullmatch(code):
        with scope(Scope.public()), get_engine().connect() as conn:
            found = service.public_report(conn, code)
    if found is None:
        raise errors.NotFound(t("citizen.error.not_found", lang, code=code[:20]), lang=lang)
    return found


def _track_page(
    code: str,
    lang: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    comment: str = "",
    reason: str = "",
) -> flask.Response:
    report = _public_report(code, lang)
    with scope(Scope.public()), get_engine().connect() as conn:
        history = service.public_history(conn, report.id)
        categories = {c.code: c for c in service.categories(conn, active_only=False)}
        agencies = service.agency_names(conn)
    now = dt.datetime.now(CITY_TZ)
    category = categories.get(report.category)
    agency = agencies.get(report.agency_code or "")

    def moment(value: dt.datetime | None) -> str | None:
        return fmt_moment(value.astimezone(CITY_TZ), lang) if value else None

    reopen_until = None
    may_reopen = (
        report.resolution not in ("spam", rules.DUPLICATE)
        and rules.may_reopen(report.status, report.resolved_at, now)
    )  # fmt: skip
    if may_reopen and report.resolved_at is not None:
        until = report.resolved_at + dt.timedelta(days=rules.REOPEN_DAYS)
        reopen_until = fmt_date(until.astimezone(CITY_TZ).date(), lang)
    return _render(
        "citizen_track.html",
        lang,
        status,
        title=t("citizen.track.title", lang, code=report.code),
        report=report,
        link=flask.url_for("citizen.track", code=report.code, _external=True),
        sent=flask.request.args.get("sent") == "1",
        notice=notice,
        error=error,
        csrf=generate_csrf(),
        category_name=(category.name_en if lang == "en" else category.name_vi)
        if category
        else report.category,
        agency_name=(agency[1] if lang == "en" else agency[0]) if agency else None,
        status_label=t(f"report.status.{report.status}", lang),
        status_colour=rules.status_colour(report.status, report.resolution),
        resolution_label=t(f"report.resolution.{report.resolution}", lang)
        if report.resolution
        else None,
        overdue=rules.is_overdue(report.status, report.ack_due, report.resolve_due, now),
        received=moment(report.reported_at),
        ack_due=moment(report.ack_due) if report.status == "received" else None,
        resolve_due=moment(report.resolve_due) if report.status != "resolved" else None,
        resolved=moment(report.resolved_at),
        answers=_answers(report, category, lang),
        history=[(moment(e.at), t(f"citizen.event.{e.kind}", lang), e.body) for e in history],
        may_rate=report.status == "resolved" and report.rating is None,
        may_reopen=may_reopen,
        reopen_until=reopen_until,
        reopen_days=rules.REOPEN_DAYS,
        comment=comment,
        reason=reason,
    )


def _answers(
    report: service.PublicReport, category: service.Category | None, lang: str
) -> list[tuple[str, str]]:
    """The published answers to the category's questions, labelled and in the page's language
    (numbers as the locale writes them)."""
    labels = category.questions(language(lang) == "en") if category else {}
    return [
        (labels.get(code, code),
         fmt_number(value, lang) if isinstance(value, int | float) and not isinstance(value, bool)
         else str(value))
        for code, value in report.attributes.items() if value not in (None, "")
    ]  # fmt: skip


def track(code: str) -> Any:
    """The tracking page of ``code`` (a code typed in lower case goes to its canonical URL)."""
    lang = page_language()
    report = _public_report(code, lang)
    if report.code != code:
        query = flask.request.query_string.decode()
        return flask.redirect(flask.url_for("citizen.track", code=report.code) + (
            f"?{query}" if query else ""
        ))  # fmt: skip
    notices = {
        "supported": "citizen.track.supported",
        "rated": "citizen.track.rated",
        "reopened": "citizen.track.reopened",
    }
    args = flask.request.args
    notice = next((t(msg, lang) for arg, msg in notices.items() if arg in args), None)
    return _track_page(code, lang, notice=notice)


def _citizen_post(code: str, lang: str, **kept: str) -> flask.Response | None:
    """The checks of a POST on a tracking page (rate limit, form token): None when it may go
    on, else the page again with why not."""
    wait = _wait_seconds()
    if wait is not None:
        response = _track_page(code, lang, error=_too_many(lang, wait), status=429, **kept)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        validate_csrf(flask.request.form.get("csrf_token"))
    except Exception:  # a missing, wrong or expired token
        return _track_page(code, lang, error=t("citizen.error.csrf", lang), status=400, **kept)
    return None


def _after(code: str, what: str) -> Any:
    lang_query = _lang_query()
    return flask.redirect(
        flask.url_for("citizen.track", code=code) + f"?{what}=1"
        + (f"&{lang_query}" if lang_query else ""),
        code=303,
    )  # fmt: skip


def support(code: str) -> Any:
    """Add yourself ("I have this problem too") instead of sending a duplicate report."""
    lang = page_language()
    report = _public_report(code, lang)
    refused = _citizen_post(report.code, lang)
    if refused is not None:
        return refused
    try:
        with scope(None), transaction() as conn:
            service.support(conn, report.code, dt.datetime.now(CITY_TZ), flask.request.remote_addr)
    except ReportNotFound:  # closed in the meantime: its page says so
        return _track_page(report.code, lang)
    return _after(report.code, "supported")


def rate(code: str) -> Any:
    """The citizen's 1–5 rating and comment of a closed report, once."""
    lang = page_language()
    report = _public_report(code, lang)
    comment = flask.request.form.get("comment", "")
    refused = _citizen_post(report.code, lang, comment=comment)
    if refused is not None:
        return refused
    raw = flask.request.form.get("rating", "")
    rating = int(raw) if raw.isdigit() and len(raw) == 1 else 0
    try:
        with scope(None), transaction() as conn:
            service.rate(conn, report.code, rating, comment or None, dt.datetime.now(CITY_TZ),
                         flask.request.remote_addr)  # fmt: skip
    except ReportRefused as exc:
        message = _field_message(lang, exc.field, _report_refused(exc, lang), [], Entries())
        return _track_page(report.code, lang, error=message, status=422, comment=comment)
    return _after(report.code, "rated")


def reopen(code: str) -> Any:
    """Reopen ("Chưa được xử lý? Mở lại") within 14 days of the report being closed."""
    lang = page_language()
    report = _public_report(code, lang)
    reason = flask.request.form.get("reason", "")
    refused = _citizen_post(report.code, lang, reason=reason)
    if refused is not None:
        return refused
    if len(reason) > rules.MAX_DESCRIPTION:
        message = t("report.error.too_long", lang, length=len(reason), limit=rules.MAX_DESCRIPTION)
        return _track_page(report.code, lang, error=message, status=422, reason=reason)
    try:
        with scope(None), transaction() as conn:
            now, address = dt.datetime.now(CITY_TZ), flask.request.remote_addr
            service.reopen_by_citizen(conn, report.code, reason or None, now, address)
    except ReportRefused as exc:
        message = _field_message(lang, exc.field, _report_refused(exc, lang), [], Entries())
        return _track_page(report.code, lang, error=message, status=422, reason=reason)
    return _after(report.code, "reopened")


# --- photos ---------------------------------------------------------------------------------------


def photo(code: str, sha256: str, thumbnail: bool = False) -> flask.Response:
    """A report's photo (or its thumbnail): to anyone once it is published, else only to staff
    whose data scope holds the report (row-level security decides for ward staff)."""
    lang = page_language()
    missing = errors.NotFound(t("citizen.error.no_photo", lang), lang=lang)
    if not _SHA256.fullmatch(sha256) or not _CODE.fullmatch(code):
        raise missing
    with scope(Scope.public()), get_engine().connect() as conn:
        report = service.public_report(conn, code)
    published = report is not None and sha256 in report.photos
    caller = current_caller()
    if published:
        reader: Scope | None = None  # the photo is public: its file's name is the owner's to read
    elif may_read(caller, "personal"):
        reader = data_scope(caller)
    else:
        raise missing
    with scope(reader), get_engine().connect() as conn:
        stored = next((p for p in service.report_photos(conn, code) if p.sha256 == sha256), None)
    if stored is None:
        raise missing
    path = files.path_of(stored.thumb_sha256 if thumbnail else stored.sha256, stored.mime)
    if not path.is_file():
        raise missing
    response = flask.send_file(path, mimetype=stored.mime, conditional=True, etag=True)
    # Content-addressed, but its publication may be withdrawn: caches ask again after a while.
    response.headers["Cache-Control"] = "public, max-age=300" if published else "private, no-store"
    return response


def thumbnail(code: str, sha256: str) -> flask.Response:
    return photo(code, sha256, thumbnail=True)


# --- registration ---------------------------------------------------------------------------------

blueprint.add_url_rule(PREFIX, "report", report_form, methods=["GET", "POST"])
blueprint.add_url_rule("/report", "report_en", report_form, methods=["GET", "POST"])
blueprint.add_url_rule(f"{PREFIX}/ban-do.geojson", "outline", outline)
blueprint.add_url_rule(f"{PREFIX}/gan-day", "nearby", nearby)
blueprint.add_url_rule(f"{PREFIX}/tra-cuu", "lookup", lookup)
blueprint.add_url_rule(f"{PREFIX}/<code>", "track", track)
blueprint.add_url_rule(f"{PREFIX}/<code>/cung-phan-anh", "support", support, methods=["POST"])
blueprint.add_url_rule(f"{PREFIX}/<code>/danh-gia", "rate", rate, methods=["POST"])
blueprint.add_url_rule(f"{PREFIX}/<code>/mo-lai", "reopen", reopen, methods=["POST"])
blueprint.add_url_rule(f"{PREFIX}/<code>/anh/<sha256>", "photo", photo)
blueprint.add_url_rule(f"{PREFIX}/<code>/anh/<sha256>/nho", "thumbnail", thumbnail)


def init_citizen(server: flask.Flask) -> None:
    """Serve the citizens' pages. Reports sent are counted by the app's rate limiter
    (``routes.limits``) against ``report_rate_limit`` per address."""
    server.extensions["citizen_rate_limit"] = (
        limiter(server),
        parse(get_settings().report_rate_limit),
    )
    errors.page_for(blueprint, _refusal_page)
    server.register_blueprint(blueprint)
