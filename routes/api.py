"""The sensor ingestion API: ``POST /api/v1/observations``, a JSON batch of one sensor's readings.

Sensors authenticate with their own token (``Authorization: Bearer <sensor code>.<secret>``),
not with a session, so the request's reader role is left aside and the batch is written with the
owner's rights once the token is checked. The answers, in the order they are decided:

- ``401`` (with ``WWW-Authenticate: Bearer``) for a missing, malformed, unknown, rotated or
  disabled token; every refusal is written to the audit log;
- ``415`` unless the body is ``application/json``; ``413`` for a body over
  ``CANTHO_INGEST_MAX_BYTES`` or a batch over ``CANTHO_INGEST_MAX_ITEMS`` readings; ``400`` for
  a body that is not JSON or not ``{"observations": [...]}`` with at least one item;
- ``422`` with every bad item (index, field, reason, message) and nothing written;
- ``201`` when readings were stored, ``200`` when every one was already there, with the counts.

Any other method on the URL is ``405`` with ``Allow: POST, OPTIONS`` (OPTIONS answers that
alone).

Refusals are ``application/problem+json`` (``routes.errors``) with the ``error`` and ``message``
members clients read before. Messages follow the caller's ``Accept-Language`` (Vietnamese unless
English is preferred); the ``reason`` codes are for programs and never change with the language.

``GET /api/v1/openapi.json`` describes all of it in OpenAPI 3.0 (every answer above, with its
body's schema), for client generators and for the fuzzing of ``scripts/fuzz_apis.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import threading
import time
from typing import Any

import flask
from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from domain.clock import CITY_TZ
from geodata.accounts.tokens import TokenRefused
from geodata.db import scope, transaction
from geodata.monitoring.ingest import BatchRejected, ItemError, Limits, authenticate_sensor, ingest
from geodata.monitoring.readings import drain_rollup_queue
from geodata.reports.figures import refresh_rollup
from geodata.settings import get_settings
from layouts.i18n import DEFAULT_LANGUAGE, LANGUAGES, fmt_number, t
from routes.bearer import audit_refusal, challenge, retry_after_failures
from routes.errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    Refused,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from web.access import bearer_token

PATH = "/api/v1/observations"
OPENAPI_PATH = "/api/v1/openapi.json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
_log = logging.getLogger(__name__)
MAX_ERRORS_SHOWN = 500  # a batch of 10,000 bad items need not answer with 10,000 messages
# Concurrent batches update the same city and district indicator rows; when PostgreSQL breaks
# a lock cycle between two of them, the one it chose is simply run again.
ATTEMPTS = 4
_RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


def _lang() -> str:
    return flask.request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def _answer(status: int, body: dict[str, Any], **headers: str) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


def _problem(kind: type[Refused], error: str, lang: str, **values: Any) -> Refused:
    """A refusal of the batch: ``error`` is its reason code, its message the catalog's
    ``api.<error>`` in the caller's language (routes.errors answers it)."""
    return kind(t(f"api.{error}", lang, **values), reason=error, lang=lang)


def _refuse(refused: TokenRefused, lang: str) -> Unauthorized:
    """401 for a token that does not let a sensor in, audited (the reason only goes there)."""
    audit_refusal("ingest", refused, "sensor")
    return Unauthorized(
        t("api.unauthorized", lang), challenge=challenge(refused), reason="unauthorized", lang=lang
    )


def _item_message(error: ItemError, lang: str) -> str:
    values = {
        k: fmt_number(v, lang, 2) if isinstance(v, float) else v for k, v in error.values.items()
    }
    values["field"] = error.field
    return t(f"api.reason.{error.reason}", lang, **values)


def _rejected(exc: BatchRejected, lang: str) -> Unprocessable:
    shown = [
        {"index": e.index, "field": e.field, "reason": e.reason, "message": _item_message(e, lang)}
        for e in exc.errors[:MAX_ERRORS_SHOWN]
    ]
    return Unprocessable(
        t("api.invalid_observations", lang, count=len(exc.errors)),
        reason="invalid_observations",
        lang=lang,
        error_count=len(exc.errors),
        errors=shown,
    )


# JSON may escape a lone surrogate (\udafb with no pair after it): no text, and neither UTF-8 nor
# the database can carry it. Only a body with such an escape is checked whole.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(body: Any, lang: str) -> None:
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        detail = f"lone surrogate \\u{ord(exc.object[exc.start]):04x}"
        raise _problem(BadRequest, "bad_json", lang, detail=detail) from None


def _read_batch(lang: str) -> list[Any]:
    """The batch's items; a body that cannot be one is refused (raised)."""
    settings = get_settings()
    request = flask.request
    if request.mimetype != "application/json":
        raise _problem(UnsupportedMediaType, "unsupported_media_type", lang)
    limit = fmt_number(settings.ingest_max_bytes, lang)
    if request.content_length is not None and request.content_length > settings.ingest_max_bytes:
        raise _problem(PayloadTooLarge, "too_large", lang, limit=limit)
    request.max_content_length = settings.ingest_max_bytes  # a chunked body has no length
    try:
        raw = request.get_data(cache=False)
        body = json.loads(raw)
    except RequestEntityTooLarge:
        raise _problem(PayloadTooLarge, "too_large", lang, limit=limit) from None
    except ValueError as exc:  # also bad UTF-8
        raise _problem(BadRequest, "bad_json", lang, detail=str(exc)) from None
    if _SURROGATE_ESCAPE.search(raw):
        _refuse_lone_surrogates(body, lang)
    items = body.get("observations") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise _problem(BadRequest, "bad_batch", lang)
    if len(items) > settings.ingest_max_items:
        too_many = fmt_number(settings.ingest_max_items, lang)
        raise _problem(PayloadTooLarge, "too_many", lang, limit=too_many)
    return items


def post_observations() -> flask.Response:
    """POST /api/v1/observations: check the token, then the batch; store it whole or not at all."""
    lang = _lang()
    wait = retry_after_failures(flask.request.remote_addr)
    if wait is not None:
        message = t("api.rate_limited", lang, minutes=math.ceil(wait / 60))
        raise TooManyRequests(message, retry_after=wait, reason="rate_limited", lang=lang)
    token = bearer_token()
    # The token first: a caller without one learns nothing about what the body should be.
    with scope(None), transaction() as conn:
        try:
            authenticate_sensor(conn, token)
            refused = None
        except TokenRefused as exc:
            refused = exc
    if refused is not None:
        raise _refuse(refused, lang)
    items = _read_batch(lang)
    settings = get_settings()
    limits = Limits(
        clock_skew=dt.timedelta(seconds=settings.ingest_clock_skew_s),
        max_age=dt.timedelta(days=settings.ingest_max_age_days),
    )
    for attempt in range(ATTEMPTS):
        try:
            with scope(None), transaction() as conn:
                result = ingest(conn, token, items, limits)
            break
        except TokenRefused as exc:  # rotated or disabled since the check above
            raise _refuse(exc, lang) from None
        except BatchRejected as exc:
            raise _rejected(exc, lang) from None
        except DBAPIError as exc:
            if not isinstance(exc.orig, _RETRYABLE) or attempt == ATTEMPTS - 1:
                raise
    body = {"received": result.received, "inserted": result.inserted,
            "duplicates": result.duplicates}  # fmt: skip
    return _answer(201 if result.inserted else 200, body)


def _problem_schema(*required: str, **members: Any) -> dict[str, Any]:
    """An RFC 9457 problem document as routes.errors writes it, with the members this API adds."""
    properties = {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"}, "code": {"type": "string"},
        "error": {"type": "string"}, "message": {"type": "string"}, **members,
    }  # fmt: skip
    return {"type": "object", "required": ["type", "title", "status", "detail", "code", *required],
            "properties": properties}  # fmt: skip


def _refusal(description: str, schema: str = "Problem", **headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        },
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


def openapi_document(root: str) -> dict[str, Any]:
    """The ingestion API in OpenAPI 3.0: its one route, the batch it reads, every answer."""
    settings = get_settings()
    # The example is a reading of this minute (in Cần Thơ time), so that it is one to accept.
    now = dt.datetime.now(CITY_TZ).replace(second=0, microsecond=0)
    moment = now.isoformat()
    item_error = {
        "type": "object", "required": ["index", "field", "reason", "message"],
        "properties": {"index": {"type": "integer", "minimum": 0}, "field": {"type": "string"},
                       "reason": {"type": "string"}, "message": {"type": "string"}},
    }  # fmt: skip
    observation = {
        "type": "object",
        "required": ["quantity", "unit", "value", "observed_at"],
        "additionalProperties": False,
        "properties": {
            "sensor": {"type": "string", "description": "The token's sensor; may be left out."},
            "quantity": {"type": "string", "minLength": 1, "example": "pm25"},
            "unit": {"type": "string", "minLength": 1, "example": "µg/m³"},
            "value": {"type": "number", "example": 12.5},
            "observed_at": {"type": "string", "format": "date-time",
                            "example": moment},
            "quality": {"type": "integer", "enum": [0, 1, 2],
                        "description": "0 good, 1 suspect, 2 bad (kept out of rollups)."},
        },
    }  # fmt: skip
    counts = {
        "type": "object", "required": ["received", "inserted", "duplicates"],
        "additionalProperties": False,
        "properties": {name: {"type": "integer", "minimum": 0}
                       for name in ("received", "inserted", "duplicates")},
    }  # fmt: skip
    stored = {"application/json": {"schema": {"$ref": "#/components/schemas/Counts"}}}
    post = {
        "summary": "Push a batch of one sensor's readings",
        "description": "All or nothing: a batch is stored whole or refused whole. A reading "
        "already stored (same sensor, quantity and time) is left as it was.",
        "security": [{"sensorToken": []}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["observations"],
                        "properties": {
                            "observations": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": settings.ingest_max_items,
                                "items": {"$ref": "#/components/schemas/Observation"},
                            }
                        },
                    }
                }
            },
        },
        "responses": {
            "200": {"description": "Every reading was already stored.", "content": stored},
            "201": {"description": "Readings were stored.", "content": stored},
            "400": _refusal("The body is not JSON, or has no non-empty `observations` list."),
            "401": _refusal(
                "No token, or one that is wrong, rotated or disabled.",
                **{"WWW-Authenticate": "Bearer challenge (RFC 6750)."},
            ),
            "413": _refusal("A body over the byte limit or a batch over the item limit."),
            "415": _refusal("A body that is not `application/json`."),
            "422": _refusal(
                "Readings refused: every problem listed, nothing written.", "InvalidObservations"
            ),
            "429": _refusal(
                "Too many bad tokens from this address lately.",
                **{"Retry-After": "Seconds to wait."},
            ),
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cần Thơ IOC — sensor ingestion API", "version": "1.0"},
        "servers": [{"url": root.rstrip("/") + "/api/v1"}],
        "paths": {"/observations": {"post": post}},
        "components": {
            "securitySchemes": {
                "sensorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`<sensor code>.<secret>` (`geodata sensors add CODE`).",
                }
            },
            "schemas": {
                "Observation": observation,
                "Counts": counts,
                "Problem": _problem_schema(),
                "InvalidObservations": _problem_schema(
                    "errors",
                    "error_count",
                    errors={"type": "array", "items": item_error},
                    error_count={"type": "integer", "minimum": 1},
                ),
            },
        },
    }


def openapi() -> flask.Response:
    """GET /api/v1/openapi.json: this API's OpenAPI 3.0 description."""
    body = json.dumps(openapi_document(flask.request.url_root), ensure_ascii=False)
    response = flask.Response(body, mimetype=OPENAPI)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a description, no data: any page
    return response


ALLOWED = ("POST", "OPTIONS")


def other_method() -> flask.Response:
    """Any other method on the ingestion URL: 405 naming the ones it takes (without this rule
    a GET would fall through to the dashboard's pages), and OPTIONS saying the same."""
    if flask.request.method == "OPTIONS":
        return flask.Response(status=204, headers={"Allow": ", ".join(ALLOWED)})
    lang = _lang()
    message = t("api.method_not_allowed", lang, methods=", ".join(ALLOWED))
    raise MethodNotAllowed(message, allowed=ALLOWED, reason="method_not_allowed", lang=lang)


def _refresh_rollups_forever(interval: float) -> None:
    """Drain the rollup queues every ``interval`` seconds: sensors' hours, and the days of
    citizens' reports that changed (so the figures' readers seldom have to); a failure (database
    down) is logged and the next turn tries again, the work staying queued."""
    while True:
        time.sleep(interval)
        for name, drain in (("readings", drain_rollup_queue), ("reports", refresh_rollup)):
            try:
                with scope(None), transaction() as conn:
                    drain(conn)
            except Exception:  # a background loop must outlive any one failure
                _log.warning(
                    "rollup refresher: %s turn failed; it stays queued", name, exc_info=True
                )


def start_rollup_refresher() -> threading.Thread | None:
    """One daemon thread per server process; the drains take turns through an advisory lock."""
    interval = get_settings().rollup_interval_s
    if interval <= 0:
        return None
    thread = threading.Thread(
        target=_refresh_rollups_forever, args=(interval,), name="rollup-refresher", daemon=True
    )
    thread.start()
    return thread


def init_api(server: flask.Flask) -> None:
    """Register the ingestion API's routes on the app's Flask server, and start the refresher
    that rolls up what sensors push."""
    server.add_url_rule(
        PATH, "post_observations", post_observations, methods=["POST"],
        provide_automatic_options=False,
    )  # fmt: skip
    server.add_url_rule(
        PATH, "observations_other_method", other_method,
        methods=["GET", "PUT", "PATCH", "DELETE", "OPTIONS"], provide_automatic_options=False,
    )  # fmt: skip
    server.add_url_rule(OPENAPI_PATH, "ingestion_openapi", openapi, methods=["GET"])
    start_rollup_refresher()
