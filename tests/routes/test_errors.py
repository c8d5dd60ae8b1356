"""The one table from our exceptions to HTTP answers (routes/errors.py): each kind of refusal gets
its status and headers, as problem+json for programs, the shared page for a browser and plain
text for a script, its message saying what was wrong."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import flask
import pytest
from flask_limiter.errors import RateLimitExceeded
from markupsafe import escape

from routes import errors
from routes.audit import BadFilter
from routes.ogc import BadRequest as OgcBadRequest
from routes.printmap import BadParameter

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MARKUP = '<script>alert("x")</script> & <b>'

# Every kind of refusal: (the exception raised, its status, its name in a problem document).
KINDS = [
    (errors.BadRequest("The form's token expired"), 400, "BadRequest"),
    (errors.InvalidParameter("“limit”: “many” is not a number"), 400, "InvalidParameterValue"),
    (errors.Unauthorized("A token is needed", challenge='Bearer realm="x"'), 401, "Unauthorized"),
    (errors.Forbidden("Unit 917 is not yours"), 403, "Forbidden"),
    (errors.NotFound("No layer “rivers”"), 404, "NotFound"),
    (errors.PayloadTooLarge("Over 1,000 readings"), 413, "PayloadTooLarge"),
    (errors.UnsupportedMediaType("Send application/json"), 415, "UnsupportedMediaType"),
    (errors.Unprocessable("3 readings are wrong"), 422, "UnprocessableContent"),
    (errors.TooManyRequests("Too many bad tokens", retry_after=90), 429, "TooManyRequests"),
]
IDS = [type(exc).__name__ for exc, _, _ in KINDS]


@pytest.fixture(scope="module")
def raised() -> Iterator[dict[str, BaseException]]:
    """A Flask app with the table registered, whose routes raise what the test puts here:
    ``/api/...`` and ``/ogc/...`` (the APIs' paths, the latter in a blueprint with a page of its
    own for refusals) and ``/download/...`` (a path of the site a browser opens)."""
    app = flask.Flask(__name__)
    errors.init_errors(app)
    to_raise: dict[str, BaseException] = {}

    def view(**_: str) -> str:
        raise to_raise["exc"]

    app.add_url_rule("/api/v1/<path:rest>", "api", view, methods=["GET", "POST"])
    app.add_url_rule("/download/<path:rest>", "download", view)
    ogc = flask.Blueprint("ogc_like", __name__, url_prefix="/ogc")
    ogc.add_url_rule("/<path:rest>", "ogc", view)
    errors.page_for(ogc, lambda message, status: f"<p>own frame {status}: {message}</p>")
    app.register_blueprint(ogc)
    own = flask.Blueprint("own_format", __name__, url_prefix="/own")
    own.add_url_rule("/<path:rest>", "own", view)
    errors.body_for(
        own, lambda exc, row, detail: (f"{row.status}|{detail}", "text/x-own", {"X-Own": "1"})
    )
    app.register_blueprint(own)
    to_raise["app"] = app  # type: ignore[assignment]
    yield to_raise


def _get(raised: dict, exc: BaseException, path: str, **headers: str) -> flask.Response:
    raised["exc"] = exc
    return raised["app"].test_client().get(path, headers=headers)


@pytest.mark.parametrize(("exc", "status", "code"), KINDS, ids=IDS)
def test_an_api_caller_gets_problem_json_with_the_status_and_what_was_wrong(
    raised, exc, status, code
) -> None:
    response = _get(raised, exc, "/api/v1/observations")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    document = response.get_json(force=True)
    assert document["type"] == "about:blank"
    assert document["status"] == status and document["code"] == code
    assert document["detail"] == str(exc)
    assert document["title"]  # the kind of refusal in words, from the catalog
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("exc", "status", "code"), KINDS, ids=IDS)
def test_a_browser_gets_the_shared_page_with_the_status_and_what_was_wrong(
    raised, exc, status, code
) -> None:
    response = _get(raised, exc, "/download/x.csv", **BROWSER)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert '<link rel="stylesheet" href="/assets/style.css">' in page
    assert f'<p class="error" role="alert">{escape(str(exc))}</p>' in page
    assert '<a class="home-link" href="/">← Về bản đồ</a>' in page
    assert "<script" not in page


@pytest.mark.parametrize(("exc", "status", "code"), KINDS, ids=IDS)
def test_a_script_on_the_sites_pages_gets_the_message_as_plain_text(
    raised, exc, status, code
) -> None:
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "text/plain"}):
        response = _get(raised, exc, "/download/x.csv", **accept)
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.get_data(as_text=True) == f"{exc}\n"


def test_asking_for_json_gets_problem_json_on_any_path(raised) -> None:
    response = _get(raised, errors.Forbidden("Not yours"), "/download/x.csv",
                    Accept="application/json")  # fmt: skip
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json(force=True)["detail"] == "Not yours"


def test_a_401_carries_its_challenge_and_a_429_when_to_come_back(raised) -> None:
    challenge = 'Bearer realm="cantho-ioc", error="invalid_token"'
    for path, headers in (("/api/v1/x", {}), ("/download/x", BROWSER), ("/download/x", {})):
        refused = _get(raised, errors.Unauthorized("No", challenge=challenge), path, **headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == challenge
        limited = _get(raised, errors.TooManyRequests("Wait", retry_after=90), path, **headers)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "90"
    # Without a wait to tell, no header that would make one up.
    unknown = _get(raised, errors.TooManyRequests("Wait"), "/api/v1/x")
    assert unknown.status_code == 429 and "Retry-After" not in unknown.headers


def test_the_ogc_api_keeps_code_and_description_and_shows_browsers_its_own_page(raised) -> None:
    exc = errors.NotFound("No collection “rivers”")
    document = _get(raised, exc, "/ogc/collections/rivers").get_json(force=True)
    assert document["code"] == "NotFound" and document["description"] == str(exc)
    assert "error" not in document  # the ingestion API's members are the ingestion API's
    page = _get(raised, exc, "/ogc/collections/rivers", **BROWSER)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert page.get_data(as_text=True) == f"<p>own frame 404: {exc}</p>"
    # ?f= decides over the Accept header; a value the API does not know gets JSON.
    asked = _get(raised, exc, "/ogc/collections/rivers?f=html")
    assert asked.headers["Content-Type"].startswith("text/html")
    unknown_f = _get(raised, exc, "/ogc/collections/rivers?f=xml", **BROWSER)
    assert unknown_f.headers["Content-Type"] == "application/problem+json"


def test_the_ingestion_api_keeps_its_reason_code_message_and_listed_problems(raised) -> None:
    items = [{"index": 0, "field": "value", "reason": "not_number", "message": "Not a number"}]
    exc = errors.Unprocessable("1 reading is wrong", reason="invalid_observations", lang="en",
                               error_count=1, errors=items)  # fmt: skip
    document = _get(raised, exc, "/api/v1/observations").get_json(force=True)
    assert document["error"] == "invalid_observations"
    assert document["message"] == document["detail"] == "1 reading is wrong"
    assert document["error_count"] == 1 and document["errors"] == items
    # The title in the language the route wrote the detail in (the API's Accept-Language).
    assert document["title"] == "Unprocessable content"


def test_a_subclass_is_answered_as_its_nearest_listed_ancestor(raised) -> None:
    for exc in (OgcBadRequest("“bbox”"), BadFilter("“since”"), BadParameter("“layers”")):
        document = _get(raised, exc, "/api/v1/x").get_json(force=True)
        assert (document["status"], document["code"]) == (400, "InvalidParameterValue")
        assert document["detail"] == str(exc)


def test_the_rate_limiters_refusal_is_answered_from_the_table(raised) -> None:
    class Limit:  # what Flask-Limiter passes: the limit that was reached
        error_message = None
        limit = "10 per minute"

    response = _get(raised, RateLimitExceeded(Limit()), "/ogc/conformance")  # type: ignore[arg-type]
    assert response.status_code == 429
    document = response.get_json(force=True)
    assert document["code"] == "TooManyRequests"
    assert document["detail"] == "Quá nhiều yêu cầu: hãy thử lại sau ít phút."


@pytest.mark.parametrize(("exc", "status", "code"), KINDS, ids=IDS)
def test_an_area_with_a_format_of_its_own_writes_the_body_the_table_the_status(
    raised, exc, status, code
) -> None:
    response = _get(raised, exc, "/own/thing", **BROWSER)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/x-own"
    assert response.get_data(as_text=True) == f"{status}|{exc}"
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Own"] == "1"
    if status == 429:
        assert response.headers["Retry-After"] == "90"


def test_a_message_with_markup_is_shown_as_text(raised) -> None:
    page = _get(raised, errors.NotFound(MARKUP), "/download/x", **BROWSER).get_data(as_text=True)
    assert MARKUP not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_the_page_and_the_problem_are_in_the_callers_language(raised) -> None:
    raised["exc"] = errors.Forbidden("Not yours")
    client = raised["app"].test_client()
    client.set_cookie("lang", "en")
    page = client.get("/download/x", headers=BROWSER).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Access denied</h1>" in page
    assert '<a class="home-link" href="/">← Back to the map</a>' in page
    assert client.get("/api/v1/x").get_json(force=True)["title"] == "Access denied"


def test_every_refusal_defined_beside_the_table_has_a_row() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.Refused) and cls.__module__ == errors.__name__
    }
    assert defined - {errors.Refused} <= set(errors.ANSWERS)
    with pytest.raises(LookupError):
        errors.answer_for(errors.Refused("not a kind of refusal"))
