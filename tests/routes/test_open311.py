"""Open311 GeoReport v2 over real HTTP: gunicorn on loopback against the demo city.

Every endpoint in JSON and XML; a report sent with an API key and read back once published;
every refusal in the specification's error format with its status, and nothing stored; the
caller's language; the rate limit per key and the lockout after bad keys; and two Open311 client
libraries from PyPI talking to the server: ``georeport`` (reads, JSON and XML) and ``civicbot``
(its Open311 client sends the specification's form).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, text

from domain.clock import CITY_TZ
from geodata.accounts.open311_keys import add_key, revoke_key
from geodata.reports import service
from geodata.reports.service import Action
from tests.dbutil import add_flood_report, locked_out_address
from tests.servers import clear_of_window_edge, gunicorn

NINH_KIEU = (105.775, 10.03)  # lon, lat of a point in Ninh Kiều
HCMC = (106.7, 10.78)  # Hồ Chí Minh City: outside Cần Thơ
KEY_LIMIT = 15  # reports per key and minute on the test server
FORMATS = ("json", "xml")


@pytest.fixture(scope="module")
def city(engine: Engine) -> Engine:
    from geodata.demo.sample import write_sample
    from tests.dbutil import truncate_all

    truncate_all(engine)
    write_sample()
    return engine


@pytest.fixture(scope="module")
def base(city: Engine) -> Iterator[str]:
    """The server's Open311 root. The limit per address is high (every test comes from
    127.0.0.1); the one per key is low enough to reach."""
    env = {"CANTHO_OPEN311_RATE_LIMIT": "100000 per minute",
           "CANTHO_OPEN311_KEY_RATE_LIMIT": f"{KEY_LIMIT} per minute"}  # fmt: skip
    with gunicorn(env) as (root, _):
        yield root + "/open311/v2"


def _key(city: Engine, label: str = "Ứng dụng phường Tân An") -> str:
    with city.begin() as conn:
        return add_key(conn, label)[1]


@pytest.fixture
def key(city: Engine) -> str:
    return _key(city)


def _form(key: str | None, **changes: Any) -> dict[str, Any]:
    form = {"api_key": key, "jurisdiction_id": "cantho.gov.vn", "service_code": "flooding",
            "lat": NINH_KIEU[1], "long": NINH_KIEU[0], "attribute[depth_cm]": "35",
            "description": "Nước ngập tới đầu gối trước số 12 Mậu Thân",
            "first_name": "An", "last_name": "Nguyễn", "email": "an@example.vn",
            "phone": "0909 123 456"} | changes  # fmt: skip
    return {k: v for k, v in form.items() if v is not None}


def _xml(response: requests.Response) -> ET.Element:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def _json(response: requests.Response) -> Any:
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def _errors(response: requests.Response, fmt: str) -> list[tuple[int, str]]:
    """The specification's error list: (code, description) pairs."""
    if fmt == "json":
        return [(e["code"], e["description"]) for e in _json(response)]
    root = _xml(response)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]


def _stored(city: Engine) -> tuple[int, ...]:
    """Rows of every report table."""
    with city.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM citizen_report), "
                    "(SELECT count(*) FROM report_contact), (SELECT count(*) FROM report_event), "
                    "(SELECT count(*) FROM report_photo)"
                )
            ).one()
        )


def _post(base: str, fmt: str, form: dict[str, Any], **kwargs: Any) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=form, timeout=30, **kwargs)


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_names_the_v2_endpoint_and_both_formats(base) -> None:
    document = _json(requests.get(f"{base}/discovery.json", timeout=30))
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == base and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] and document["contact"] and document["key_service"]
    root = _xml(requests.get(f"{base}/discovery.xml", timeout=30))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"]  # fmt: skip
    assert root.findtext("endpoints/endpoint/url") == base


def test_the_services_are_the_report_categories(base, city) -> None:
    with city.connect() as conn:
        categories = service.categories(conn)
    listed = _json(requests.get(f"{base}/services.json", timeout=30))
    assert [s["service_code"] for s in listed] == [c.code for c in categories]
    flooding = next(s for s in listed if s["service_code"] == "flooding")
    assert flooding["service_name"] == "Ngập nước" and flooding["type"] == "realtime"
    # metadata: true exactly when the category asks for attributes (flooding's water depth).
    assert {s["service_code"] for s in listed if s["metadata"]} == {
        c.code for c in categories if c.attributes} == {"flooding"}  # fmt: skip
    root = _xml(requests.get(f"{base}/services.xml", params={"lang": "en"}, timeout=30))
    assert [s.findtext("service_code") for s in root.findall("service")] == [
        c.code for c in categories]  # fmt: skip
    waste = next(s for s in root if s.findtext("service_code") == "waste")
    assert waste.findtext("service_name") == "Waste" and waste.findtext("metadata") == "false"


@pytest.mark.parametrize("fmt", FORMATS)
def test_flooding_s_definition_asks_for_the_water_depth(base, fmt) -> None:
    response = requests.get(f"{base}/services/flooding.{fmt}", params={"lang": "en"}, timeout=30)
    if fmt == "json":
        definition = _json(response)
        (depth,) = definition["attributes"]
        assert definition["service_code"] == "flooding"
    else:
        root = _xml(response)
        assert root.tag == "service_definition" and root.findtext("service_code") == "flooding"
        (element,) = root.findall("attributes/attribute")
        depth = {child.tag: child.text for child in element}
        flags = {"variable": depth["variable"] == "true", "required": depth["required"] == "true"}
        depth |= flags | {"order": int(depth["order"])}
    assert depth["code"] == "depth_cm" and depth["datatype"] == "number"
    assert depth["variable"] is True and depth["required"] is False and depth["order"] == 1
    assert depth["description"] == "Water depth (cm)" and depth["datatype_description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_definition_is_not_found(base, fmt) -> None:
    response = requests.get(f"{base}/services/unicorns.{fmt}", timeout=30)
    assert response.status_code == 404
    ((code, description),) = _errors(response, fmt)
    assert code == 404 and "unicorns" in description


# --- a report sent, then read back ----------------------------------------------------------------


def _report_id(city: Engine, code: str) -> int:
    with city.connect() as conn:
        return int(conn.scalar(text("SELECT id FROM citizen_report WHERE code = :c"), {"c": code}))


def _act(city: Engine, code: str, action: Action) -> None:
    with city.begin() as conn:
        service.act(conn, _report_id(city, code), action, "official", dt.datetime.now(CITY_TZ))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_sent_with_a_key_is_stored_with_its_contact_and_audited(base, city, key, fmt):
    response = _post(base, fmt, _form(key, media_url="https://example.org/p.jpg"))
    assert response.status_code == 201
    if fmt == "json":
        (answer,) = _json(response)
    else:
        root = _xml(response)
        assert root.tag == "service_requests"
        answer = {child.tag: child.text for child in root.find("request")}  # type: ignore[union-attr]
    code = answer["service_request_id"]
    assert code.startswith("PA-") and "token" not in answer
    assert code in answer["service_notice"] and "media_url" in answer["service_notice"]
    with city.connect() as conn:
        row = conn.execute(
            text(
                "SELECT r.source, r.category, r.depth_cm, r.attributes, c.name, c.email, c.phone "
                "FROM citizen_report r JOIN report_contact c ON c.report_id = r.id "
                "WHERE r.code = :c"
            ),
            {"c": code},
        ).one()
        logged = conn.execute(
            text("SELECT detail FROM audit_log WHERE action = 'report_submit' "
                 "AND detail ->> 'report' = :c"), {"c": code},
        ).scalar_one()  # fmt: skip
    assert (row.source, row.category, row.depth_cm) == ("open311", "flooding", 35)
    assert row.attributes == {"depth_cm": "35"}
    assert (row.name, row.email, row.phone) == ("Nguyễn An", "an@example.vn", "0909 123 456")
    assert logged["api_key"] == "Ứng dụng phường Tân An" and logged["source"] == "open311"


def _get_one(base: str, code: str, fmt: str, **params: str) -> dict[str, Any]:
    response = requests.get(f"{base}/requests/{code}.{fmt}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    if fmt == "json":
        (found,) = _json(response)
        return dict(found)
    root = _xml(response)
    (request,) = root.findall("request")
    return {child.tag: child.text for child in request}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sent_report_shows_only_what_is_published(base, city, key, fmt) -> None:
    description = "Ngập sâu\x0b trước chợ"  # a control character XML cannot carry
    (answer,) = _post(base, "json", _form(key, description=description)).json()
    code = answer["service_request_id"]
    shown = _get_one(base, code, fmt)
    assert shown["service_request_id"] == code and shown["status"] == "open"
    assert shown["service_code"] == "flooding" and shown["service_name"] == "Ngập nước"
    assert shown["agency_responsible"] == "Công ty Cấp thoát nước Cần Thơ"
    assert not shown["description"] and not shown["media_url"] and not shown["status_notes"]
    assert shown["requested_datetime"].endswith("+07:00")
    assert shown["expected_datetime"].endswith("+07:00")
    assert float(shown["lat"]) == NINH_KIEU[1] and float(shown["long"]) == NINH_KIEU[0]
    text_shown = str(shown)
    assert (
        "Nguyễn" not in text_shown and "example.vn" not in text_shown and "0909" not in text_shown
    )

    photo = SimpleNamespace(sha256="a" * 64, mime="image/jpeg", width=4, height=3, size=99,
                            thumb_sha256="b" * 64)  # fmt: skip
    with city.begin() as conn:
        service.add_photos(conn, _report_id(city, code), [photo])
    _act(city, code, Action("publish", description_public=True, photos_public=True))
    _act(city, code, Action("reply", text="Đã cử đội bơm nước tới."))
    shown = _get_one(base, code, fmt)
    expected = description if fmt == "json" else description.replace("\x0b", "")
    assert shown["description"] == expected
    assert shown["media_url"].endswith(f"/phan-anh/{code}/anh/" + "a" * 64)  # the photo route
    assert shown["status_notes"] == "Đã cử đội bơm nước tới."

    _act(city, code, Action("resolve", resolution="fixed", text="Đã bơm hết nước."))
    shown = _get_one(base, code, fmt, lang="en")
    assert shown["status"] == "closed" and shown["status_notes"] == "Đã bơm hết nước."
    assert shown["service_name"] == "Flooding"
    assert shown["agency_responsible"] == "Cần Thơ Water Supply and Sewerage"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hidden_report_is_not_found(base, city, key, fmt) -> None:
    (answer,) = _post(base, "json", _form(key)).json()
    code = answer["service_request_id"]
    _act(city, code, Action("publish", hidden=True))
    response = requests.get(f"{base}/requests/{code}.{fmt}", timeout=30)
    assert response.status_code == 404
    assert _errors(response, fmt)[0][0] == 404
    listed = requests.get(f"{base}/requests.json", params={"service_request_id": code}, timeout=30)
    assert listed.json() == []


def test_a_report_kept_from_before_tracking_codes_is_found_by_its_code(base, city) -> None:
    # A flood report written as before issue 12 (through the flood_report view), its own code.
    code = add_flood_report(city, "916", dt.datetime.now(CITY_TZ) - dt.timedelta(days=2))
    assert not code.upper().startswith("PA-")
    for fmt in FORMATS:
        assert _get_one(base, code, fmt)["service_request_id"] == code


def _codes(base: str, fmt: str, **params: str) -> list[str]:
    response = requests.get(f"{base}/requests.{fmt}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    if fmt == "json":
        return [r["service_request_id"] for r in _json(response)]
    return [r.findtext("service_request_id") or "" for r in _xml(response).findall("request")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_filtered_as_the_specification_says(base, city, key, fmt) -> None:
    sent = [
        _post(base, "json", _form(key, service_code=c, **{"attribute[depth_cm]": None})).json()[0][
            "service_request_id"
        ]
        for c in ("waste", "streetlight", "waste")
    ]
    waste_old, light, waste_new = sent
    _act(city, light, Action("resolve", resolution="fixed"))
    with city.begin() as conn:  # the first waste report came in 100 days ago
        conn.execute(
            text("UPDATE citizen_report SET reported_at = now() - interval '100 days' "
                 "WHERE code = :c"), {"c": waste_old},
        )  # fmt: skip
    # By default: the last 90 days, newest first.
    listed = _codes(base, fmt)
    assert waste_old not in listed and listed.index(waste_new) < listed.index(light)
    assert waste_new in _codes(base, fmt, service_code="waste,water_supply")
    assert light not in _codes(base, fmt, service_code="waste")
    assert light in _codes(base, fmt, status="closed") and waste_new not in _codes(
        base, fmt, status="closed")  # fmt: skip
    assert waste_new in _codes(base, fmt, status="open")
    # A range reaches back; a date alone is read in Cần Thơ time.
    start = (dt.datetime.now(CITY_TZ) - dt.timedelta(days=101)).date().isoformat()
    assert waste_old in _codes(base, fmt, start_date=start, service_code="waste")
    # service_request_id overrides every other filter.
    both = _codes(base, fmt, service_request_id=f"{waste_old}, {light}", status="open")
    assert set(both) == {waste_old, light}


@pytest.mark.parametrize(
    ("params", "named"),
    [({"start_date": "yesterday"}, "start_date"), ({"end_date": "2026-13-01"}, "end_date"),
     ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
     ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "start_date"),
     ({"status": "pending"}, "pending"), ({"jurisdiction_id": "sfgov.org"}, "sfgov.org")],
)  # fmt: skip
def test_bad_query_parameters_are_refused_by_name(base, params, named) -> None:
    for fmt in FORMATS:
        response = requests.get(f"{base}/requests.{fmt}", params=params, timeout=30)
        expected = 404 if "jurisdiction_id" in params else 400
        assert response.status_code == expected
        ((code, description),) = _errors(response, fmt)
        assert code == expected and named in description


def test_an_unknown_format_path_or_token_is_not_found(base) -> None:
    response = requests.get(f"{base}/services.csv", timeout=30)
    assert response.status_code == 404 and _errors(response, "xml")[0][0] == 404
    for path, fmt in (("requests/PA-1/notes.json", "json"), ("v3/services.xml", "xml")):
        response = requests.get(f"{base}/{path}", timeout=30)
        assert response.status_code == 404 and path in _errors(response, fmt)[0][1]
    # Request ids are returned at once ("realtime"): no token is ever issued.
    for fmt in FORMATS:
        response = requests.get(f"{base}/tokens/123456.{fmt}", timeout=30)
        assert response.status_code == 404 and "123456" in _errors(response, fmt)[0][1]


# --- refusals: the specification's errors, nothing stored ----------------------------------------


def _broken(key: str) -> dict[str, Any]:
    return {"data": f"api_key={key}&service_code=waste&&lat=%FF".encode(),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"}}  # fmt: skip


CASES = {
    "no key": (lambda key: {"data": _form(None)}, 403, "api_key"),
    "bad key": (lambda key: {"data": _form(key[:-4] + "AAAA")}, 403, "api_key"),
    "wrong jurisdiction": (lambda key: {"data": _form(key, jurisdiction_id="sfgov.org")}, 404,
                           "sfgov.org"),
    "unknown service_code": (lambda key: {"data": _form(key, service_code="unicorns")}, 404,
                             "unicorns"),
    "no service_code": (lambda key: {"data": _form(key, service_code=None)}, 400, "service_code"),
    "no lat/long": (lambda key: {"data": _form(key, lat=None, long=None,
                                               address_string="12 Mậu Thân")}, 400, "geocod"),
    "lat not a number": (lambda key: {"data": _form(key, lat="north")}, 400, "lat"),
    "outside the city": (lambda key: {"data": _form(key, lat=HCMC[1], long=HCMC[0])}, 400,
                         "lat/long"),
    "depth not a number": (lambda key: {"data": _form(key, **{"attribute[depth_cm]": "deep"})},
                           400, "attribute[depth_cm]"),
    "unknown attribute": (lambda key: {"data": _form(key, **{"attribute[colour]": "red"})}, 400,
                          "attribute[colour]"),
    "attribute given twice": (lambda key: {"data": _form(key) | {"attribute[depth_cm]": ["1",
                              "2"]}}, 400, "attribute[depth_cm]"),
    "description too long": (lambda key: {"data": _form(key, description="x" * 4001)}, 400,
                             "description"),
    "bad e-mail": (lambda key: {"data": _form(key, email="an at example")}, 400, "email"),
    "broken form": (_broken, 400, "UTF-8"),
    "XML body": (lambda key: {"data": b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'a'>]><x/>",
                              "headers": {"Content-Type": "text/xml"}}, 400, "text/xml"),
    "JSON body": (lambda key: {"json": _form(key)}, 400, "application/json"),
    "body too large": (lambda key: {"data": _form(key, description="x" * 70_000)}, 413, "65536"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refused_report_gets_the_specification_s_error_and_stores_nothing(
    base, city, key, case, fmt
) -> None:
    make, status, named = CASES[case]
    before = _stored(city)
    response = requests.post(f"{base}/requests.{fmt}", params={"lang": "en"}, timeout=30,
                             **make(key))  # fmt: skip
    assert response.status_code == status, response.text
    ((code, description),) = _errors(response, fmt)
    assert code == status and named in description
    assert _stored(city) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_refused_and_its_refusal_audited(base, city, fmt) -> None:
    with city.begin() as conn:
        key_id, revoked = add_key(conn, "old partner app")
        revoke_key(conn, key_id)
    before = _stored(city)
    response = _post(base, fmt, _form(revoked))
    assert response.status_code == 403
    assert _errors(response, fmt)[0][0] == 403
    assert _stored(city) == before
    with city.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_log WHERE action = 'open311_key' "
                 "AND outcome = 'denied' ORDER BY id DESC LIMIT 1"),
        ).scalar_one()  # fmt: skip
    assert detail == {"reason": "revoked", "key": str(key_id)}
    assert revoked not in str(detail)


def test_errors_speak_the_caller_s_language_vietnamese_by_default(base, key) -> None:
    form = _form(key, service_code="unicorns")
    said = {
        "default": _post(base, "json", form),
        "parameter": _post(base, "json", form, params={"lang": "en"}),
        "cookie": _post(base, "json", form, cookies={"lang": "en"}),
        "header": _post(base, "json", form, headers={"Accept-Language": "en-GB,en;q=0.8"}),
    }
    descriptions = {how: r.json()[0]["description"] for how, r in said.items()}
    assert descriptions["default"] == "Không có loại phản ánh (service_code) “unicorns”."
    assert {descriptions[h] for h in ("parameter", "cookie", "header")} == {
        "service_code “unicorns” was not found."}  # fmt: skip


# --- rate limits and lockout ----------------------------------------------------------------------


def test_a_key_over_its_rate_limit_gets_429_in_the_specification_s_format(base, city) -> None:
    key = _key(city, "busy app")
    clear_of_window_edge(60, margin=10)
    # Each try counts, even one refused for its content (nothing stored by these).
    for _ in range(KEY_LIMIT):
        assert _post(base, "json", _form(key, service_code=None)).status_code == 400
    over = _post(base, "xml", _form(key))
    assert over.status_code == 429 and 0 < int(over.headers["Retry-After"]) <= 60
    assert _errors(over, "xml")[0][0] == 429
    # Another key is counted apart.
    assert _post(base, "json", _form(_key(city, "quiet app"), service_code=None)).status_code == 400


def test_an_address_locked_out_for_bad_tokens_gets_429_even_with_a_good_key(base, city, key):
    before = _stored(city)
    with locked_out_address(city, "open311_key"):
        response = _post(base, "json", _form(key))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert _errors(response, "json")[0][0] == 429
    assert _stored(city) == before


# --- existing Open311 client libraries ------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_georeport_client_reads_services_and_requests(base, city, key, fmt) -> None:
    from georeport import GeoReport

    (answer,) = _post(base, "json", _form(key)).json()
    code = answer["service_request_id"]
    client = GeoReport(base, jurisdiction="cantho.gov.vn", output_format=fmt)
    services = client.get_service_list()
    assert "flooding" in [s["service_code"] for s in services]
    definition = client.get_service_definition("flooding")
    attributes = definition["attributes"]
    # xmltodict reads a lone <attribute> as a mapping, JSON as a list of one.
    depth = attributes["attribute"] if fmt == "xml" else attributes[0]
    assert depth["code"] == "depth_cm"
    found = client.get_service_request(code)
    assert found["service_request_id"] == code and found["status"] == "open"
    listed = client.get_service_requests(service_request_id=code)
    listed = [listed] if isinstance(listed, dict) else listed  # xmltodict again
    assert [r["service_request_id"] for r in listed] == [code]


def test_the_civicbot_client_sends_a_report_checked_against_the_live_definition(base, city, key):
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    endpoint = Endpoint(id="cantho", name="Cần Thơ", base_url=base, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    client = Open311Client(endpoint, transport, jurisdiction_id="cantho.gov.vn")
    before = _stored(city)
    sent = client.create_request(
        "flooding", dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
        lat=NINH_KIEU[1], lng=NINH_KIEU[0], attributes={"depth_cm": 20},
        description="Ngập đường 30/4", email="binh@example.vn",
    )  # fmt: skip
    (answer,) = sent.response
    code = answer["service_request_id"]
    assert _stored(city)[0] == before[0] + 1
    assert client.get_request(code)["service_request_id"] == code  # type: ignore[index]
    assert [r["service_request_id"] for r in client.list_requests(service_request_ids=[code])] == [
        code]  # fmt: skip
    with city.connect() as conn:
        depth = conn.scalar(
            text("SELECT depth_cm FROM citizen_report WHERE code = :c"), {"c": code}
        )
    assert depth == 20
