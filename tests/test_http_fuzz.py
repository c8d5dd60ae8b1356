"""Every public API fuzzed from its own OpenAPI description (schemathesis) on a real gunicorn.

The OGC API, the sensor ingestion API and Open311 are loaded from the documents they serve and
run through every schemathesis check with a fixed seed — a few examples per route here, so the
suite stays quick; ``scripts/fuzz_apis.py`` sends a thousand requests and more per API. The
clients hold real credentials (a sensor token, an official's personal token, an Open311 key), so
the bodies behind authentication are fuzzed too, and writes land in the throw-away database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import Engine

from tests.fuzzing import SERVER_ENV, Api, apis, credentials, fuzz, report
from tests.servers import gunicorn

EXAMPLES = {"/ogc/api": 4, "/api/v1/openapi.json": 15, "/open311/v2/openapi.json": 4}


@pytest.fixture(scope="module")
def clients(engine: Engine) -> list[Api]:
    """The demo city, and the three APIs as their clients call them."""
    from geodata.demo.sample import write_sample
    from tests.dbutil import truncate_all

    truncate_all(engine)
    write_sample()
    return apis(*credentials(engine))


@pytest.fixture(scope="module")
def base(clients: list[Api]) -> Iterator[str]:
    with gunicorn(SERVER_ENV) as (root, _):
        yield root


@pytest.mark.parametrize("path", list(EXAMPLES))
def test_the_api_answers_every_generated_request_as_its_description_says(
    base: str, clients: list[Api], path: str
) -> None:
    api = next(a for a in clients if a.openapi_path == path)
    outcome = fuzz(base, api, EXAMPLES[path])
    assert outcome.requests >= 20, report(outcome)
    assert outcome.server_errors == 0, report(outcome)
    assert outcome.failed == 0, report(outcome)


def test_the_ingestion_api_publishes_its_description_and_refuses_other_methods(
    base: str,
) -> None:
    document = requests.get(base + "/api/v1/openapi.json", timeout=30)
    assert document.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    post = document.json()["paths"]["/observations"]["post"]
    assert {"200", "201", "400", "401", "413", "415", "422", "429"} <= set(post["responses"])
    # Without its own rule, a GET fell through to the dashboard's page (200, HTML).
    got = requests.get(base + "/api/v1/observations", timeout=30)
    assert got.status_code == 405 and got.headers["Allow"] == "POST, OPTIONS"
    assert got.headers["Content-Type"] == "application/problem+json"
    assert got.json()["error"] == "method_not_allowed"
    options = requests.options(base + "/api/v1/observations", timeout=30)
    assert options.status_code == 204 and options.headers["Allow"] == "POST, OPTIONS"


def test_open311_options_name_only_the_methods_of_the_route(base: str) -> None:
    discovery = requests.options(base + "/open311/v2/discovery.json", timeout=30)
    assert discovery.headers["Allow"] == "GET, HEAD, OPTIONS"
    service_requests = requests.options(base + "/open311/v2/requests.json", timeout=30)
    assert service_requests.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    document = requests.get(base + "/open311/v2/openapi.json", timeout=30).json()
    assert set(document["paths"]["/requests.{format}"]) == {"get", "post"}


def test_a_lone_surrogate_in_a_batch_is_refused_400_not_a_server_error(
    base: str, clients: list[Api]
) -> None:
    ingestion = next(a for a in clients if a.openapi_path == "/api/v1/openapi.json")
    # Found by the fuzzer: JSON may escape half a surrogate pair, which no UTF-8 can carry.
    body = ('{"observations": [{"quantity": "pm25", "unit": "µg/m³", "value": 12,'
            ' "observed_at": "2026-12-01T08:00:00+07:00", "note\\udafb": 1}]}')  # fmt: skip
    headers = {**ingestion.headers, "Content-Type": "application/json", "Accept-Language": "en"}
    response = requests.post(
        base + "/api/v1/observations", data=body.encode(), headers=headers, timeout=30
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_json"
    assert "lone surrogate \\udafb" in response.json()["detail"]
    # A pair that makes one character is text, and reaches the item checks.
    paired = body.replace("\\udafb", "\\ud83c\\udf0a")
    response = requests.post(
        base + "/api/v1/observations", data=paired.encode(), headers=headers, timeout=30
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "note🌊"


def test_a_nul_character_in_any_parameter_is_refused_400_naming_it(
    base: str, clients: list[Api]
) -> None:
    # Found by hand after the fuzzer's lone surrogate: PostgreSQL text holds no NUL, and these
    # reached the database as 500s.
    english = {"Accept-Language": "en"}
    ogc = requests.get(base + "/ogc/collections/facilities/items", params={"kind": "a\x00b"},
                       headers=english, timeout=30)  # fmt: skip
    assert ogc.status_code == 400 and "“kind”" in ogc.json()["detail"]  # in the site's language
    listed = requests.get(
        base + "/open311/v2/requests.json",
        params={"service_code": "a\x00b"},
        headers=english,
        timeout=30,
    )
    assert listed.status_code == 400, listed.text
    assert "“service_code” contains a NUL" in listed.json()[0]["description"]
    one = requests.get(base + "/open311/v2/requests/a%00b.json", headers=english, timeout=30)
    assert one.status_code == 400 and "service_request_id" in one.json()[0]["description"]
    open311 = next(a for a in clients if a.openapi_path == "/open311/v2/openapi.json")
    form = {**open311.form_fields, "service_code": "flooding", "lat": "10.03",
            "long": "105.775", "attribute[depth_cm]": "30", "phone": "0909\x00"}  # fmt: skip
    sent = requests.post(base + "/open311/v2/requests.json", data=form, headers=english,
                         timeout=30)  # fmt: skip
    assert sent.status_code == 400 and "“phone” contains a NUL" in sent.json()[0]["description"]
    ingestion = next(a for a in clients if a.openapi_path == "/api/v1/openapi.json")
    reading = {"sensor": "a\x00b", "quantity": "pm25", "unit": "µg/m³", "value": 12,
               "observed_at": "2026-12-01T08:00:00+07:00"}  # fmt: skip
    batch = {"observations": [reading]}
    pushed = requests.post(base + "/api/v1/observations", json=batch,
                           headers={**ingestion.headers, **english}, timeout=30)  # fmt: skip
    assert pushed.status_code == 422, pushed.text
    assert pushed.json()["errors"][0]["reason"] == "unknown_sensor"
