"""One table from our exceptions to HTTP answers, registered once on the Flask server.

A route that refuses a request raises one of the exceptions below, its message saying in the
caller's language what was wrong. :data:`ANSWERS` gives each kind of refusal its status and, for
401 and 429, its headers; :func:`answer` writes it in the form the caller reads:

- ``application/problem+json`` (RFC 9457: ``type``, ``title``, ``status``, ``detail``, and
  ``code``, the kind of problem by name) for programs: paths under ``/ogc`` and ``/api``, or any
  request whose Accept header prefers JSON. Clients written before kept reading their own
  members: the OGC API's exception (``code``, ``description``) and the ingestion API's
  (``error``, the reason code, and ``message``);
- the shared page (``templates/error.html`` on ``templates/base.html``) for a browser: a link
  followed, a form sent. An area may show its refusals in a frame of its own (the OGC API's
  pages, :func:`page_for`);
- the message alone as plain text for scripts on the site's other paths (curl, spreadsheets);
- an area's own error format, when its blueprint registers one (:func:`body_for`): Open311's
  list of ``{code, description}`` in XML or JSON.

The templates of every page the server writes apart from the map live in ``templates/``; they
are registered here, with the table, by :func:`init_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import flask
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError

from layouts.i18n import CATALOG, t
from web.request import current_language

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PROBLEM = "application/problem+json"
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
TEXT = "text/plain"
# Paths whose callers are programs: JSON unless they ask for a page.
API_PATHS = ("/ogc", "/api")
OGC_PATH = "/ogc"


class Refused(Exception):
    """A request this server refuses. ``detail`` (also ``str(exc)``) says what was wrong, in the
    caller's language; ``reason`` is a code for programs that never changes with the language;
    ``lang`` is the language the detail is written in, when the route chose it (else the page's);
    ``members`` are more members of the problem document (the ingestion API's list of errors)."""

    def __init__(
        self, detail: str, *, reason: str | None = None, lang: str | None = None, **members: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason
        self.lang = lang
        self.members = members


class BadRequest(Refused):
    """400: a request that cannot be read (a form whose token expired, a body that is not JSON)."""


class InvalidParameter(BadRequest):
    """400: a query parameter whose value cannot be used; the message names it."""


class Unauthorized(Refused):
    """401: no credential, or one that is no good; ``challenge`` is the WWW-Authenticate value."""

    def __init__(self, detail: str, *, challenge: str, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.challenge = challenge


class Forbidden(Refused):
    """403: the caller is known and may not have this."""


class NotFound(Refused):
    """404: no such thing (a layer, a unit, a collection, a feature)."""


class MethodNotAllowed(Refused):
    """405: a method the URL does not take; ``allowed`` are the ones it does."""

    def __init__(self, detail: str, *, allowed: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.allowed = allowed


class PayloadTooLarge(Refused):
    """413: a body or a batch over the limit."""


class UnsupportedMediaType(Refused):
    """415: a body of another type than the route reads."""


class Unprocessable(Refused):
    """422: a body that reads but whose content is refused (every problem listed in ``members``)."""


class TooManyRequests(Refused):
    """429: too many requests (or bad tokens) lately; ``retry_after`` seconds to wait."""

    def __init__(self, detail: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


def _no_headers(_exc: Any) -> dict[str, str]:
    return {}


def _challenge(exc: Unauthorized) -> dict[str, str]:
    return {"WWW-Authenticate": exc.challenge}


def _allow(exc: MethodNotAllowed) -> dict[str, str]:
    return {"Allow": ", ".join(exc.allowed)}


def _retry_after(exc: TooManyRequests) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}


def _retry_soon(_exc: Any) -> dict[str, str]:
    # A database restart or failover takes seconds (scripts/faults.py: under one).
    return {"Retry-After": "5"}


@dataclass(frozen=True)
class Answer:
    """How one kind of refusal is answered: its status, its name in a problem document, the
    headers it carries, and (for an exception that is not ours) the catalog key of its message."""

    status: int
    code: str
    headers: Callable[[Any], dict[str, str]] = field(default=_no_headers)
    message_key: str | None = None


# The table. A subclass not listed is answered as its nearest listed ancestor.
ANSWERS: dict[type[Exception], Answer] = {
    BadRequest: Answer(400, "BadRequest"),
    InvalidParameter: Answer(400, "InvalidParameterValue"),
    Unauthorized: Answer(401, "Unauthorized", _challenge),
    Forbidden: Answer(403, "Forbidden"),
    NotFound: Answer(404, "NotFound"),
    MethodNotAllowed: Answer(405, "MethodNotAllowed", _allow),
    PayloadTooLarge: Answer(413, "PayloadTooLarge"),
    UnsupportedMediaType: Answer(415, "UnsupportedMediaType"),
    Unprocessable: Answer(422, "UnprocessableContent"),
    TooManyRequests: Answer(429, "TooManyRequests", _retry_after),
    # The OGC API's rate limit (Flask-Limiter adds Retry-After to the answer itself).
    RateLimitExceeded: Answer(429, "TooManyRequests", message_key="ogc.error.rate_limited"),
    # The database away for a moment (restarting, failing over, a connection cut): the request
    # may be sent again, and says so, instead of Flask's bare 500 page.
    OperationalError: Answer(503, "ServiceUnavailable", _retry_soon, "error.database"),
}


def answer_for(exc: BaseException) -> Answer:
    """The table's row for ``exc``: its own class's, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in ANSWERS:
            return ANSWERS[cls]
    raise LookupError(f"no answer for {type(exc).__name__}")


# Pages of their own for an area's refusals, by blueprint name: (message, status) → HTML.
_PAGES: dict[str, Callable[[str, int], str]] = {}


def page_for(blueprint: flask.Blueprint, render: Callable[[str, int], str]) -> None:
    """Show the refusals of ``blueprint``'s routes to browsers with ``render`` (its own frame)."""
    _PAGES[blueprint.name] = render


# Formats of their own for an area's refusals, by blueprint name: (exception, its row of the
# table, its message) → the answer's body, its whole Content-Type and any headers of its own
# (Open311's list of errors, in XML or JSON as its URL asks). The table still gives the status
# and its headers.
Writer = Callable[[BaseException, Answer, str], tuple[str, str, dict[str, str]]]
_BODIES: dict[str, Writer] = {}


def body_for(blueprint: flask.Blueprint, write: Writer) -> None:
    """Write every refusal of ``blueprint``'s routes with ``write`` (its own error format)."""
    _BODIES[blueprint.name] = write


def _is_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PATHS)


def wanted() -> Literal["json", "html", "text"]:
    """The form the caller reads. Under the APIs: a page for ``?f=html`` or a browser's Accept
    header, JSON otherwise (any other ``f``, even one the API refuses, gets JSON). Elsewhere: a
    page for a browser, JSON when asked for, plain text for the rest (no Accept, or ``*/*``)."""
    request = flask.request
    if _is_api(request.path):
        asked = request.args.get("f")
        if asked is not None:
            return "html" if asked == "html" else "json"
        best = request.accept_mimetypes.best_match([PROBLEM, JSON, GEOJSON, HTML], PROBLEM)
        return "html" if best == HTML else "json"
    best = request.accept_mimetypes.best_match([TEXT, HTML, PROBLEM, JSON], TEXT)
    return "html" if best == HTML else "text" if best == TEXT else "json"


def nul_parameter() -> str | None:
    """The first query parameter (or path segment) of this request with a NUL in its name or
    value, for a message (the NUL shown as ``\\0``); None when there is none."""
    request = flask.request
    pairs = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    for name, value in pairs:
        if "\x00" in name or "\x00" in str(value):
            return name.replace("\x00", "\\0")[:80]
    return None


def _title(status: int, lang: str) -> str:
    key = f"refusal.title.{status}"
    return t(key if key in CATALOG else "refusal.title", lang)


def problem(exc: BaseException, row: Answer, detail: str, lang: str) -> dict[str, Any]:
    """The RFC 9457 problem document of a refusal, with the members older clients read."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(row.status, lang),
        "status": row.status,
        "detail": detail,
        "code": row.code,
    }
    if flask.request.path.startswith(OGC_PATH):
        document["description"] = detail  # OGC API – Features' exception schema
    if isinstance(exc, Refused):
        if exc.reason is not None:
            document |= {"error": exc.reason, "message": detail}
        document |= exc.members
    return document


def error_page(status: int, message: str, lang: str) -> str:
    """The shared page of a refusal: the site, the kind of refusal, its reason, a way home."""
    return flask.render_template(
        "error.html",
        lang=lang,
        site=t("app.title", lang),
        title=_title(status, lang),
        message=message,
        home=t("refusal.home", lang),
    )


def answer(exc: BaseException) -> flask.Response:
    """The HTTP answer to a refused request, as the table says, in the form the caller reads."""
    row = answer_for(exc)
    lang = (exc.lang if isinstance(exc, Refused) else None) or current_language()
    detail = str(exc) if isinstance(exc, Refused) else t(row.message_key or "refusal.title", lang)
    form = wanted()
    write = _BODIES.get(flask.request.blueprint or "")
    if write is not None:
        body, content_type, headers = write(exc, row, detail)
        response = flask.Response(body, status=row.status, content_type=content_type)
        response.headers.update(headers)
    elif form == "json":
        body = json.dumps(problem(exc, row, detail, lang), ensure_ascii=False)
        response = flask.Response(body, status=row.status, mimetype=PROBLEM)
    elif form == "html":
        render = _PAGES.get(flask.request.blueprint or "")
        page = render(detail, row.status) if render else error_page(row.status, detail, lang)
        response = flask.Response(page, status=row.status, mimetype=HTML)
    else:
        response = flask.Response(detail + "\n", status=row.status, mimetype=TEXT)
    response.headers.update(row.headers(exc))
    # A refusal is about this request at this moment: no cache keeps it.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_errors(server: flask.Flask) -> None:
    """Register the table's answers and the pages' templates on the app's Flask server."""
    # A blueprint without routes: its template folder is searched by every render_template.
    server.register_blueprint(flask.Blueprint("pages", __name__, template_folder=str(TEMPLATES)))
    for exception in ANSWERS:
        server.register_error_handler(exception, answer)
