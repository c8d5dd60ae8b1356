"""Open data over OGC API – Features, Part 1 Core, under ``/ogc/``: Flask routes.

Landing page, ``/conformance``, ``/collections``, ``/collections/{id}``, its ``/queryables``,
``/collections/{id}/items`` and ``/collections/{id}/items/{fid}``. GeoJSON for features, JSON for
metadata, HTML when a browser asks (``Accept: text/html`` or ``?f=html``) in the caller's language.

The public collections are read as the anonymous public (``Scope.public()``) by everyone —
whoever is signed in, whatever token a request carries: they are open data, the same for all,
and the database's reader role is the wall that keeps citizens' reports, accounts and the audit
log out of them.

A restricted collection (``flood-reports``) is served only to a staff member's personal API
token (``Authorization: Bearer <token>``, made with ``python -m geodata users token add``), read
under that account's data scope (``web.access.read_scope``): officials and admins see
every report, ward staff the reports in their units, kept there by the query's own unit filter
and by row-level security, each enough alone. Without a token the collection is left out of
``/collections`` and its URLs answer 401 with ``WWW-Authenticate: Bearer``. A token that is
wrong, revoked, expired or whose account is disabled gets 401 on any URL (audited, and counted
with the ingestion API's bad tokens: an address that sent too many gets 429). A dashboard
session opens nothing restricted here: scripts and GIS tools carry their own revocable
credential. Every answer to a request with a valid token is ``Cache-Control: private,
no-store`` and is not offered to other sites' pages (no CORS).

Requests are rate limited per client — the token's account, else the address — counted once for
all workers in PostgreSQL by default (``geodata.accounts.ratelimit``); 429 carries ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import flask
from flask_limiter.util import get_remote_address

import geodata.accounts.ratelimit  # noqa: F401  (registers the cantho+postgresql:// rate-limit storage)
from domain.clock import CITY_TZ
from geodata.accounts.tokens import TokenHolder, TokenRefused
from geodata.db import Scope, reading, scope
from geodata.monitoring import catalogue
from geodata.monitoring.ogc import (
    Collection,
    Extent,
    Interval,
    ItemsQuery,
    extents,
    feature,
)
from geodata.monitoring.ogc import items_page as query_items
from geodata.settings import get_settings
from layouts.i18n import t
from routes import errors
from routes.bearer import audit_refusal, challenge, retry_after_failures
from routes.limits import limiter
from web.access import (
    AccessDenied,
    api_caller,
    bearer_token,
    may_read,
    personal_token,
    read_scope,
)
from web.request import current_language, today

PREFIX = "/ogc"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# Parameters every items request may carry; a collection adds its queryables.
ITEMS_PARAMETERS = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime"}

blueprint = flask.Blueprint("ogc", __name__, url_prefix=PREFIX)


# Refusals are raised and answered by the table in routes.errors: problem+json with the OGC API's
# ``code`` and ``description``, or for a browser this API's page with the reason on it.


class BadRequest(errors.InvalidParameter):
    """A parameter that cannot be read (400); the message names it."""


class NotFound(errors.NotFound):
    """No such collection or feature (404)."""


class Unauthorized(errors.Unauthorized):
    """A restricted collection asked for without a token, or a token that is no good (401)."""

    def __init__(self, refused: TokenRefused | None = None) -> None:
        self.refused = refused
        lang = current_language()
        message = t("ogc.error.bad_token", lang) if refused else t("ogc.error.token_required", lang)
        super().__init__(message, challenge=challenge(refused))


class TooManyBadTokens(errors.TooManyRequests):
    """This address sent too many bad tokens lately (429 after ``retry_after`` seconds)."""

    def __init__(self, retry_after: int) -> None:
        minutes = math.ceil(retry_after / 60)
        super().__init__(
            t("api.rate_limited", current_language(), minutes=minutes), retry_after=retry_after
        )


# --- who is asking -------------------------------------------------------------------------------


def client_key() -> str:
    """Whom the rate limit counts: the token's account, else the client's address."""
    result = personal_token()
    if isinstance(result, TokenHolder):
        return f"user:{result.user.id}"
    return get_remote_address()


@blueprint.before_request
def _check_token() -> None:
    """A request with a token: refused with 429 while its address is locked out for bad
    tokens, with 401 (audited) when the token is no good — whatever it asks for."""
    if bearer_token() is None:
        return
    wait = retry_after_failures(flask.request.remote_addr)
    if wait is not None:
        raise TooManyBadTokens(wait)
    result = personal_token()
    if isinstance(result, TokenRefused):
        audit_refusal("ogc_token", result, "token")
        raise Unauthorized(result)


@blueprint.before_request
def _refuse_nul() -> None:
    """A parameter or path with a NUL character is refused (400, named): PostgreSQL text cannot
    hold one, so no query could be asked with it."""
    name = errors.nul_parameter()
    if name is not None:
        raise BadRequest(t("ogc.error.nul", current_language(), name=name))


def _may_read(collection: Collection) -> bool:
    return may_read(api_caller(), collection.visibility)


def _reader(collection: Collection) -> tuple[Scope | None, tuple[str, ...] | None]:
    """How to read ``collection`` (``web.access.read_scope``); 401 when the request's token
    may not read it."""
    try:
        return read_scope(api_caller(), collection.visibility)
    except AccessDenied:
        raise Unauthorized() from None


def _visible() -> list[Collection]:
    """The collections this request may see: the public ones, and with a staff token the
    restricted ones."""
    return [c for c in catalogue.collections().values() if _may_read(c)]


# --- what the request asks for -------------------------------------------------------------------


def _wants_html() -> bool:
    """HTML for ``?f=html`` or a browser's Accept header; JSON otherwise."""
    asked = flask.request.args.get("f")
    if asked is not None:
        if asked in ("json", "geojson"):
            return False
        if asked == "html":
            return True
        raise BadRequest(t("ogc.error.bad_f", current_language(), value=asked))
    best = flask.request.accept_mimetypes.best_match([GEOJSON, JSON, HTML], default=GEOJSON)
    return best == HTML


def _integer(args: Any, name: str, default: int, minimum: int, lang: str) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < minimum:
        raise BadRequest(t("ogc.error.bad_integer", lang, name=name, value=raw, min=minimum))
    return int(raw)


def parse_bbox(raw: str, lang: str) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` (or six numbers with heights) in CRS84. A min lon above
    the max lon crosses the antimeridian; a min lat above the max lat is an error."""
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadRequest(t("ogc.error.bad_bbox", lang, value=raw))
    xmin, ymin, xmax, ymax = numbers
    if not (-180 <= xmin <= 180 and -180 <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise BadRequest(t("ogc.error.bbox_range", lang, value=raw))
    return xmin, ymin, xmax, ymax


def _instant(raw: str, lang: str, end: bool = False) -> dt.datetime | None:
    """An RFC 3339 time with its offset, or a date: that whole day in Cần Thơ time (its start,
    or for the end of an interval its last moment)."""
    if raw in ("", ".."):
        return None
    try:
        if len(raw) == 10:
            day = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time(), CITY_TZ)
            return day + dt.timedelta(days=1, microseconds=-1) if end else day
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(t("ogc.error.bad_datetime", lang, value=raw)) from None
    if value.tzinfo is None:
        # RFC 3339 times carry their offset; guessing UTC or Cần Thơ time could be 7 h wrong.
        raise BadRequest(t("ogc.error.datetime_zone", lang, value=raw))
    return value


def parse_datetime(raw: str, lang: str) -> Interval:
    """An instant (``2026-11-25T10:00:00Z``), a day (``2026-11-25``, in Cần Thơ time) or an
    interval (``a/b``, ``../b``, ``a/..``; either end may be a day)."""
    if "/" not in raw:
        if raw in ("", ".."):
            raise BadRequest(t("ogc.error.bad_datetime", lang, value=raw))
        return _instant(raw, lang), _instant(raw, lang, end=True)
    start_text, _, end_text = raw.partition("/")
    if "/" in end_text:
        raise BadRequest(t("ogc.error.bad_datetime", lang, value=raw))
    start, end = _instant(start_text, lang), _instant(end_text, lang, end=True)
    if start is None and end is None:
        raise BadRequest(t("ogc.error.bad_datetime", lang, value=raw))
    if start is not None and end is not None and start > end:
        raise BadRequest(t("ogc.error.datetime_order", lang, value=raw))
    return start, end


def parse_items_query(collection: Collection, args: Any, lang: str) -> ItemsQuery:
    """The items request's parameters, checked; BadRequest names the first bad one."""
    for name in args:
        if name not in ITEMS_PARAMETERS and collection.queryable(name) is None:
            names = ", ".join(q.name for q in collection.queryables)
            raise BadRequest(t("ogc.error.unknown_parameter", lang, name=name, queryables=names))
    settings = get_settings()
    # Above the maximum a client gets the maximum (and the next link for the rest).
    limit = min(
        _integer(args, "limit", settings.ogc_default_limit, 1, lang), settings.ogc_max_limit
    )
    offset = _integer(args, "offset", 0, 0, lang)
    crs = args.get("bbox-crs")
    if crs is not None and crs != CRS84:
        raise BadRequest(t("ogc.error.bad_bbox_crs", lang, value=crs, crs=CRS84))
    bbox = parse_bbox(args["bbox"], lang) if "bbox" in args else None
    interval = None
    if "datetime" in args:
        if collection.time is None:
            raise BadRequest(t("ogc.error.no_time", lang, collection=collection.id))
        interval = parse_datetime(args["datetime"], lang)
    filters: list[tuple[str, str | int]] = []
    for queryable in collection.queryables:
        value = args.get(queryable.name)
        if value is None:
            continue
        if queryable.type == "integer":
            if not value.lstrip("-").isdigit():
                raise BadRequest(t("ogc.error.bad_filter", lang, name=queryable.name, value=value))
            filters.append((queryable.name, int(value)))
        else:
            filters.append((queryable.name, value))
    return ItemsQuery(limit, offset, bbox, interval, tuple(filters))


def _collection(collection_id: str) -> Collection:
    """The collection asked for: 404 when there is none, 401 when it is restricted and the
    request carries no staff token."""
    found = catalogue.collections().get(collection_id)
    if found is None:
        raise NotFound(t("ogc.error.unknown_collection", current_language(), id=collection_id))
    if not _may_read(found):
        raise Unauthorized()
    return found


# --- titles, links, responses --------------------------------------------------------------------


def collection_text(collection_id: str, lang: str) -> tuple[str, str]:
    """A collection's title and description in ``lang``, from the keys its layer declares."""
    found = catalogue.collections().get(collection_id)
    if found is None:
        return collection_id, ""
    return t(found.title, lang), t(found.about, lang)


def _url(path: str = "/", params: dict[str, Any] | None = None, **fixed: Any) -> str:
    """An absolute URL under the API's root, as the client reached this server. A client's own
    parameters come in ``params`` (their names may be anything, even "path")."""
    query = {**(params or {}), **fixed}
    base = flask.request.url_root.rstrip("/") + PREFIX + path
    return base + ("?" + urlencode(query) if query else "")


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _self_and_alternate(
    path: str, html: bool, kind: str = JSON, params: dict[str, Any] | None = None
) -> list[dict]:
    """The page itself and its other format."""
    as_json = _link(_url(path, params, f="json"), "self", kind)
    as_html = _link(_url(path, params, f="html"), "self", HTML)
    if html:
        as_json["rel"] = "alternate"
        return [as_html, as_json]
    as_html["rel"] = "alternate"
    return [as_json, as_html]


def _json_response(document: dict[str, Any], kind: str = JSON, status: int = 200) -> Any:
    body = json.dumps(document, ensure_ascii=False, default=_iso)
    return _respond(body, kind, status)


def _respond(body: str, kind: str, status: int = 200) -> flask.Response:
    return _share(flask.Response(body, status=status, mimetype=kind))


@blueprint.after_request
def _share_refusals(response: flask.Response) -> flask.Response:
    """Refusals (written by routes.errors) go out with the same headers as the API's answers."""
    return _share(response) if response.status_code >= 400 else response


def _share(response: flask.Response) -> flask.Response:
    """Who may keep and read an answer: it depends on the token and the format asked for."""
    if isinstance(personal_token(), TokenHolder):
        # It may hold restricted data: kept by no cache, and read by no other site's page.
        response.headers["Cache-Control"] = "private, no-store"
    else:
        # Open data: any web page may read it (never with the caller's cookies: no credentials).
        response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept, Cookie, Authorization"
    return response


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _extent_json(extent: Extent) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if extent.bbox is not None:
        document["spatial"] = {"bbox": [list(extent.bbox)], "crs": CRS84}
    if extent.interval is not None:
        first, last = extent.interval
        document["temporal"] = {
            "interval": [
                [first.isoformat() if first else None, last.isoformat() if last else None]
            ],
            "trs": TRS,
        }
    return document


def _collection_json(collection: Collection, extent: Extent, lang: str) -> dict[str, Any]:
    title, description = collection_text(collection.id, lang)
    path = f"/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": title,
        "description": description,
        "links": [
            _link(_url(path), "self", JSON),
            _link(_url(path, f="html"), "alternate", HTML),
            _link(_url(path + "/items"), "items", GEOJSON, title),
            _link(_url(path + "/items", f="html"), "items", HTML, title),
            _link(_url(path + "/queryables"), QUERYABLES_REL, "application/schema+json"),
        ],
        "extent": _extent_json(extent),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
    }


# --- HTML ----------------------------------------------------------------------------------------


def _html(
    title: str,
    json_href: str,
    crumbs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    status: int = 200,
    **parts: Any,
) -> flask.Response:
    return _respond(_page(title, json_href, crumbs, **parts), HTML, status)


def _page(
    title: str,
    json_href: str,
    crumbs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **parts: Any,
) -> str:
    """A page of this API for browsers (templates/ogc.html): its title, the way back to the
    landing page, the JSON of the same page, and what it shows."""
    lang = current_language()
    return flask.render_template(
        "ogc.html",
        lang=lang,
        title=title,
        home=_url("/", f="html"),
        json=json_href,
        crumbs=crumbs,
        other_lang="en" if lang == "vi" else "vi",
        tr={"home": t("ogc.title", lang), "switch": t("lang.switch", lang)},
        intro=parts.get("intro", []),
        error=parts.get("error"),
        links=parts.get("links", []),
        table=parts.get("table"),
        pager=parts.get("pager", []),
    )


def _refusal_page(message: str, _status: int) -> str:
    """A refusal shown to a browser: this API's page, its reason on it."""
    return _page(t("ogc.title", current_language()), _url("/", f="json"), error=message)


errors.page_for(blueprint, _refusal_page)


def _cell(value: Any) -> tuple[str, None]:
    if value is None:
        return "—", None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False), None
    return str(value), None


def _features_table(features: list[dict[str, Any]], collection_id: str, lang: str) -> dict:
    columns: list[str] = []
    for item in features:
        columns += [k for k in item.get("properties", {}) if k not in columns]
    rows = [
        [
            (str(item["id"]), _url(f"/collections/{collection_id}/items/{item['id']}", f="html")),
            *(_cell(item["properties"].get(c)) for c in columns),
        ]
        for item in features
    ]
    return {"headers": [t("ogc.id", lang), *columns], "rows": rows}


# --- routes --------------------------------------------------------------------------------------


def landing() -> Any:
    """The landing page: what this is and where to go next."""
    lang = current_language()
    html = _wants_html()
    title = t("ogc.title", lang)
    links = [
        *_self_and_alternate("/", html),
        _link(_url("/api"), "service-desc", OPENAPI, "OpenAPI 3.0"),
        _link(_url("/conformance"), "conformance", JSON, t("ogc.conformance", lang)),
        _link(_url("/collections"), "data", JSON, t("ogc.collections", lang)),
    ]
    if html:
        return _html(
            title,
            _url("/", f="json"),
            intro=[t("ogc.about", lang), t("ogc.licence", lang)],
            links=[
                (_url("/collections", f="html"), t("ogc.collections", lang)),
                (_url("/conformance", f="html"), t("ogc.conformance", lang)),
            ],
        )
    return _json_response({"title": title, "description": t("ogc.about", lang), "links": links})


def conformance() -> Any:
    """The conformance classes this API implements."""
    lang = current_language()
    if _wants_html():
        return _html(
            t("ogc.conformance", lang),
            _url("/conformance", f="json"),
            links=[(uri, uri) for uri in CONFORMANCE],
        )
    return _json_response({"conformsTo": CONFORMANCE})


def _extents(collections: Sequence[Collection]) -> dict[str, Extent]:
    """The collections' extents, each read in the scope it is served in (one transaction per
    scope: the public's, and a token's account's for the restricted ones)."""
    found: dict[str, Extent] = {}
    for restricted in (False, True):
        group = [c for c in collections if c.restricted == restricted]
        if group:
            reader, units = _reader(group[0])
            with scope(reader), reading() as conn:
                found.update(extents(conn, today(), group, units))
    return found


def collections() -> Any:
    """Every collection this request may see, with its extent."""
    lang = current_language()
    html = _wants_html()
    visible = _visible()
    found = _extents(visible)
    if html:
        rows = []
        for c in visible:
            title, description = collection_text(c.id, lang)
            rows.append(
                [
                    (title, _url(f"/collections/{c.id}", f="html")),
                    (description, None),
                    (c.id, _url(f"/collections/{c.id}/items", f="html")),
                ]
            )
        table = {"headers": [t("ogc.name", lang), t("ogc.description", lang), "id"], "rows": rows}
        return _html(t("ogc.collections", lang), _url("/collections", f="json"), table=table)
    return _json_response(
        {
            "links": _self_and_alternate("/collections", html),
            "collections": [_collection_json(c, found[c.id], lang) for c in visible],
        }
    )


def collection(collection_id: str) -> Any:
    """One collection's metadata."""
    lang = current_language()
    found = _collection(collection_id)
    html = _wants_html()
    document = _collection_json(found, _extents([found])[found.id], lang)
    if not html:
        return _json_response(document)
    extent = document["extent"]
    intro = [document["description"]]
    if "spatial" in extent:
        intro.append(
            t("ogc.bbox", lang, bbox=", ".join(f"{v:.4f}" for v in extent["spatial"]["bbox"][0]))
        )
    if "temporal" in extent:
        first, last = extent["temporal"]["interval"][0]
        intro.append(t("ogc.interval", lang, first=first, last=last or ".."))
    intro.append(t("ogc.filters", lang, names=", ".join(q.name for q in found.queryables)))
    return _html(
        document["title"],
        _url(f"/collections/{found.id}", f="json"),
        [(_url("/collections", f="html"), t("ogc.collections", lang))],
        intro=intro,
        links=[(_url(f"/collections/{found.id}/items", f="html"), t("ogc.items", lang))],
    )


def _parameter(name: str, schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema}


def _content(kind: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"schema": schema}, HTML: {"schema": {"type": "string"}}}


def _refusal(description: str, **headers: str) -> dict[str, Any]:
    """A refusal as routes.errors writes it: problem+json, or this API's page for a browser."""
    answer: dict[str, Any] = {
        "description": description,
        "content": _content(errors.PROBLEM, {"$ref": "#/components/schemas/Problem"}),
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


# Every URL may be refused: a bad ``f`` (400), a bad token (401), too many requests (429), and by
# gunicorn before the app sees it, a URL over its request-line limit (414, a page of its own).
_REFUSALS = {
    "400": _refusal("A parameter that cannot be used; the message names it."),
    "401": _refusal("A restricted collection without a staff token, or a token that is no good.",
                    **{"WWW-Authenticate": "Bearer challenge (RFC 6750)."}),
    "414": {"description": "A URL longer than the server reads (4,094 bytes a request line).",
            "content": {HTML: {"schema": {"type": "string"}}}},
    "429": _refusal("Too many requests (or bad tokens) from this client lately.",
                    **{"Retry-After": "Seconds to wait."}),
}  # fmt: skip
_NOT_FOUND = {"404": _refusal("No such collection or feature.")}

_LINK = {
    "type": "object", "required": ["href", "rel"],
    "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                   "type": {"type": "string"}, "title": {"type": "string"}},
}  # fmt: skip
_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
_COLLECTION = {
    "type": "object", "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "links": _LINKS, "extent": {"type": "object"},
        "itemType": {"type": "string"}, "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
    },
}  # fmt: skip
_FEATURE = {
    "type": "object", "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object", "nullable": True},
        "links": _LINKS,
    },
}  # fmt: skip
_SCHEMAS = {
    "Link": _LINK,
    "Landing": {"type": "object", "required": ["links"],
                "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                               "links": _LINKS}},
    "Conformance": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
    "Collections": {"type": "object", "required": ["links", "collections"],
                    "properties": {"links": _LINKS, "collections": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Collection"}}}},
    "Collection": _COLLECTION,
    "Queryables": {"type": "object", "required": ["type", "properties"],
                   "properties": {"type": {"type": "string"}, "properties": {"type": "object"}}},
    "Feature": _FEATURE,
    "FeatureCollection": {
        "type": "object",
        "required": ["type", "features", "numberMatched", "numberReturned", "links"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string"}, "links": _LINKS,
        },
    },
    # RFC 9457 with the OGC API's exception members (code, description).
    "Problem": {"type": "object",
                "required": ["type", "title", "status", "detail", "code", "description"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer", "minimum": 400, "maximum": 599},
                               "detail": {"type": "string"}, "code": {"type": "string"},
                               "description": {"type": "string"}}},
}  # fmt: skip


def api() -> Any:
    """The OpenAPI 3.0 description: every route, its parameters and every answer with its
    schema (GDAL reads the page size it may ask for from it; fuzzers read the rest)."""
    settings = get_settings()
    collection_id = _parameter(
        "collectionId", {"type": "string", "enum": [c.id for c in _visible()]}, "path"
    )
    items_parameters = [
        collection_id,
        # Above the maximum a client gets the maximum, as the standard requires.
        _parameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": settings.ogc_max_limit,
             "default": settings.ogc_default_limit},
        ),
        _parameter("offset", {"type": "integer", "minimum": 0, "default": 0}),
        {**_parameter("bbox", {"type": "array", "items": {"type": "number"}, "minItems": 4,
                               "maxItems": 6}), "style": "form", "explode": False},
        _parameter("bbox-crs", {"type": "string", "enum": [CRS84]}),
        # Only on the collections with time (see each collection's temporal extent).
        _parameter("datetime", {"type": "string", "minLength": 1}),
    ]  # fmt: skip

    def get(
        summary: str,
        kind: str,
        schema: str,
        parameters: list[dict[str, Any]] = (),  # type: ignore[assignment]
        not_found: bool = False,
    ) -> dict[str, Any]:
        ok = {
            "description": "OK",
            "content": _content(kind, {"$ref": f"#/components/schemas/{schema}"}),
        }
        responses = {"200": ok, **_REFUSALS, **(_NOT_FOUND if not_found else {})}
        return {"get": {"summary": summary, "parameters": list(parameters), "responses": responses}}

    feature_id = _parameter("featureId", {"type": "integer"}, "path")
    document = {
        "openapi": "3.0.3",
        "info": {"title": t("ogc.title", "en"), "version": "1.0"},
        "servers": [{"url": _url("").rstrip("/")}],
        "paths": {
            "/": get("Landing page", JSON, "Landing"),
            "/api": {"get": {"summary": "This description", "responses": {
                "200": {"description": "OK", "content": {OPENAPI: {"schema": {"type": "object"}}}},
                **_REFUSALS}}},
            "/conformance": get("Conformance classes", JSON, "Conformance"),
            "/collections": get("Collections", JSON, "Collections"),
            "/collections/{collectionId}": get(
                "A collection", JSON, "Collection", [collection_id], True),
            "/collections/{collectionId}/queryables": get(
                "A collection's queryables", "application/schema+json", "Queryables",
                [collection_id], True),
            "/collections/{collectionId}/items": get(
                "Features", GEOJSON, "FeatureCollection", items_parameters, True),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature", GEOJSON, "Feature", [collection_id, feature_id], True),
        },
        # Restricted collections take a staff member's personal token; public ones need none.
        "components": {
            "securitySchemes": {"personalToken": {"type": "http", "scheme": "bearer"}},
            "schemas": _SCHEMAS,
        },
    }  # fmt: skip
    return _json_response(document, OPENAPI)


def queryables(collection_id: str) -> Any:
    """The properties a client may filter on, as JSON Schema (OGC API – Features Part 3)."""
    found = _collection(collection_id)
    title, _ = collection_text(found.id, current_language())
    return _json_response(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _url(f"/collections/{found.id}/queryables"),
            "type": "object",
            "title": title,
            "properties": {q.name: {"type": q.type} for q in found.queryables},
        },
        "application/schema+json",
    )


def items(collection_id: str) -> Any:
    """A page of features: filtered by bbox, datetime and queryables, paged by limit/offset."""
    lang = current_language()
    found = _collection(collection_id)
    html = _wants_html()
    query = parse_items_query(found, flask.request.args, lang)
    reader, units = _reader(found)
    with scope(reader), reading() as conn:
        page = query_items(conn, found, replace(query, within_units=units), today())
    path = f"/collections/{found.id}/items"
    kept = {k: v for k, v in flask.request.args.items() if k not in ("f", "offset")}
    paging = []
    if query.offset + page.number_returned < page.number_matched:
        paging.append(("next", query.offset + query.limit))
    if query.offset > 0:
        paging.append(("prev", max(query.offset - query.limit, 0)))
    fmt = "html" if html else "json"
    links = [
        *_self_and_alternate(path, html, GEOJSON, {**kept, **_offset(query.offset)}),
        *(_link(_url(path, kept, offset=o, f=fmt), rel, HTML if html else GEOJSON)
          for rel, o in paging),
        _link(_url(f"/collections/{found.id}"), "collection", JSON),
    ]  # fmt: skip
    if html:
        features = json.loads(page.features_json)
        title, _ = collection_text(found.id, lang)
        first = query.offset + 1 if page.number_returned else 0
        count = t(
            "ogc.count", lang, first=first, last=query.offset + page.number_returned,
            matched=page.number_matched,
        )  # fmt: skip
        labels = {"next": t("ogc.next", lang), "prev": t("ogc.prev", lang)}
        return _html(
            title,
            _url(path, {**kept, **_offset(query.offset)}, f="json"),
            [(_url("/collections", f="html"), t("ogc.collections", lang)),
             (_url(f"/collections/{found.id}", f="html"), title)],
            intro=[count],
            table=_features_table(features, found.id, lang),
            pager=[(_url(path, kept, offset=o, f="html"), labels[rel]) for rel, o in paging],
        )  # fmt: skip
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "links": links,
    }
    # PostGIS wrote the features; splice them in rather than parse and re-serialise them.
    body = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":' + page.features_json + "}"
    return _respond(body, GEOJSON)


def _offset(offset: int) -> dict[str, int]:
    return {"offset": offset} if offset else {}


def item(collection_id: str, fid: str) -> Any:
    """One feature by its id."""
    lang = current_language()
    found = _collection(collection_id)
    html = _wants_html()
    text = None
    if fid.isdigit() and len(fid) < 19:
        # A ward's token asking for a report outside its units finds nothing (both walls):
        # 404, as for a report that does not exist.
        reader, units = _reader(found)
        with scope(reader), reading() as conn:
            text = feature(conn, found, int(fid), today(), units)
    if text is None:
        raise NotFound(t("ogc.error.unknown_feature", lang, id=fid, collection=found.id))
    path = f"/collections/{found.id}/items/{fid}"
    title, _ = collection_text(found.id, lang)
    if html:
        properties = json.loads(text)["properties"]
        table = {
            "headers": [t("ogc.property", lang), t("ogc.value", lang)],
            "rows": [[(k, None), _cell(v)] for k, v in properties.items()],
        }
        return _html(
            f"{title} {fid}",
            _url(path, f="json"),
            [(_url("/collections", f="html"), t("ogc.collections", lang)),
             (_url(f"/collections/{found.id}/items", f="html"), title)],
            table=table,
        )  # fmt: skip
    links = [
        *_self_and_alternate(path, html, GEOJSON),
        _link(_url(f"/collections/{found.id}"), "collection", JSON, title),
    ]
    return _respond(text[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}", GEOJSON)


# --- rate limits, registration ------------------------------------------------------------------


ROUTES: list[tuple[str, Callable[..., Any]]] = [
    ("/", landing),
    ("/conformance", conformance),
    ("/api", api),
    ("/collections", collections),
    ("/collections/<collection_id>", collection),
    ("/collections/<collection_id>/queryables", queryables),
    ("/collections/<collection_id>/items", items),
    ("/collections/<collection_id>/items/<fid>", item),
]
for _rule, _view in ROUTES:
    blueprint.add_url_rule(_rule, _view.__name__, _view)


def init_ogc(server: flask.Flask) -> None:
    """Serve the OGC API under /ogc/ with a rate limit per client (token account or address)."""
    limiter(server).limit(get_settings().ogc_rate_limit, key_func=client_key)(blueprint)
    server.register_blueprint(blueprint)
