"""Open data over OGC API – Features, over real HTTP against gunicorn: the Core conformance
requirements for each endpoint, paging to the end, bbox edge cases, HTML for browsers, rate
limits, and two real clients (OWSLib's Features client and GDAL's OAPIF driver via ogrinfo)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests
from owslib.ogcapi.features import Features
from sqlalchemy import text

from geodata.ogc import COLLECTIONS
from geodata.sample import write_sample
from tests.dbutil import truncate_all
from tests.servers import gunicorn

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def api(engine, server) -> str:
    """Two days of demo monitoring data behind gunicorn; the API's root URL."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    return server + "/ogc/"


def _get(url: str, **params) -> requests.Response:
    return requests.get(url, params=params, timeout=30)


def _rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in document["links"]:
        found.setdefault(link["rel"], []).append(link)
    return found


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(sql)))


# --- landing page, conformance, collections ------------------------------------------------------


def test_landing_page_links_itself_the_conformance_and_the_collections(api) -> None:
    response = _get(api)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    rels = _rels(response.json())
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert requests.get(rels["conformance"][0]["href"], timeout=10).status_code == 200
    assert requests.get(rels["data"][0]["href"], timeout=10).json()["collections"]
    assert any(link["type"] == "text/html" for link in rels["alternate"])
    # The API definition: OpenAPI 3.0, saying how many features a page may hold.
    definition = requests.get(rels["service-desc"][0]["href"], timeout=10)
    assert definition.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    items = definition.json()["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10000 and limit["schema"]["default"] == 100


def test_conformance_declares_core_and_geojson(api) -> None:
    classes = _get(api + "conformance").json()["conformsTo"]
    assert {CORE, GEOJSON_CLASS} <= set(classes)


def test_collections_list_every_public_layer_with_extent_and_items_link(api) -> None:
    document = _get(api + "collections").json()
    assert "self" in _rels(document)
    listed = {c["id"]: c for c in document["collections"]}
    assert set(listed) == {
        "water-level-gauges", "air-stations", "inundation-areas", "roads", "traffic-incidents",
        "cameras", "facilities", "admin-units", "unit-indicators",
    }  # fmt: skip
    for collection in listed.values():
        assert collection["title"] and collection["itemType"] == "feature"
        xmin, ymin, xmax, ymax = collection["extent"]["spatial"]["bbox"][0]
        assert 105.2 <= xmin < xmax <= 105.9 and 9.9 <= ymin < ymax <= 10.35
        items = [link for link in collection["links"] if link["rel"] == "items"]
        assert any(link["type"] == "application/geo+json" for link in items)
    # Collections with time say when: an interval of RFC 3339 instants (open end: null).
    temporal = listed["traffic-incidents"]["extent"]["temporal"]["interval"][0]
    assert temporal[0].startswith("20")


def test_one_collection_and_an_unknown_one(api) -> None:
    response = _get(api + "collections/facilities")
    assert response.status_code == 200
    assert response.json()["id"] == "facilities"
    missing = _get(api + "collections/flood-reports")
    assert missing.status_code == 404
    assert "flood-reports" in missing.json()["description"]


def test_no_collection_publishes_citizens_flood_reports(api, engine) -> None:
    assert _count(engine, "SELECT count(*) FROM flood_report") > 0
    ids = [c["id"] for c in _get(api + "collections").json()["collections"]]
    assert not any("report" in collection_id for collection_id in ids)
    for collection_id in ids:
        body = _get(api + f"collections/{collection_id}/items", limit=10000).text
        assert "reported_at" not in body and "description" not in body, collection_id


# --- items ---------------------------------------------------------------------------------------


def test_items_are_a_geojson_feature_collection_with_counts_and_links(api, engine) -> None:
    response = _get(api + "collections/facilities/items")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/geo+json")
    page = response.json()
    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == _count(engine, "SELECT count(*) FROM facility")
    assert page["numberReturned"] == len(page["features"]) == 100  # the default limit
    rels = _rels(page)
    assert {"self", "alternate", "next", "collection"} <= set(rels)
    assert "prev" not in rels
    assert rels["self"][0]["type"] == "application/geo+json"
    feature = page["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    for coordinate in feature["geometry"]["coordinates"]:
        assert len(str(coordinate).split(".")[-1]) <= 6  # limited precision


def test_limit_above_the_maximum_returns_the_maximum(api) -> None:
    page = _get(api + "collections/roads/items", limit=100000).json()
    assert page["numberReturned"] == min(10000, page["numberMatched"])


def test_paging_by_next_links_reaches_the_end_once_each(api) -> None:
    url: str | None = api + "collections/facilities/items?limit=70"
    seen: list[int] = []
    matched = None
    pages = 0
    while url:
        page = requests.get(url, timeout=30).json()
        matched = page["numberMatched"]
        seen += [feature["id"] for feature in page["features"]]
        pages += 1
        assert pages < 100, "next links never end"
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert len(seen) == matched == len(set(seen))
    assert pages == -(-matched // 70)


def test_prev_link_goes_back_one_page(api) -> None:
    page = _get(api + "collections/facilities/items", limit=10, offset=25).json()
    prev = next(link["href"] for link in page["links"] if link["rel"] == "prev")
    earlier = requests.get(prev, timeout=10).json()
    assert [f["id"] for f in earlier["features"]] == [
        f["id"]
        for f in _get(api + "collections/facilities/items", limit=10, offset=15).json()["features"]
    ]
    past = _get(api + "collections/facilities/items", offset=100000).json()
    assert past["numberReturned"] == 0 and past["features"] == []


def test_bbox_filters_by_intersection_including_the_edges(api, engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO facility (code, source, geom, kind, name) VALUES
                  ('edge-test-on', 'test', 'SRID=4326;POINT(105.9 10.4)', 'hospital', 'On'),
                  ('edge-test-off', 'test', 'SRID=4326;POINT(105.9001 10.4)', 'hospital', 'Off')
                """
            )
        )
    try:
        box = "105.85,10.35,105.9,10.4"  # the point 'on' sits on its north-east corner
        page = _get(api + "collections/facilities/items", bbox=box).json()
        assert [f["properties"]["code"] for f in page["features"]] == ["edge-test-on"]
        assert page["numberMatched"] == 1
        inner = _get(api + "collections/roads/items", bbox="105.76,10.02,105.78,10.04").json()
        assert 0 < inner["numberMatched"] < _count(engine, "SELECT count(*) FROM road_segment")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM facility WHERE source = 'test'"))


@pytest.mark.parametrize(
    ("params", "named"),
    [({"bbox": "105.8,10.1,105.7"}, "bbox"), ({"bbox": "105.7,10.1,105.8,10.0"}, "bbox"),
     ({"bbox": "west,south,east,north"}, "bbox"), ({"limit": "0"}, "limit"),
     ({"limit": "many"}, "limit"), ({"offset": "-3"}, "offset"), ({"kind": "x", "sort": "name"},
     "sort"), ({"datetime": "2026-11-25T10:00:00Z"}, "datetime"), ({"f": "xml"}, "f")],
)  # fmt: skip
def test_invalid_parameters_get_400_naming_the_parameter(api, params, named) -> None:
    response = _get(api + "collections/facilities/items", **params)
    assert response.status_code == 400
    document = response.json()
    assert document["code"] == "InvalidParameterValue"
    assert named in document["description"]


def test_datetime_selects_incidents_open_at_an_instant_or_in_an_interval(api, engine) -> None:
    with engine.connect() as conn:
        first, last = conn.execute(
            text("SELECT min(started_at), max(started_at) FROM traffic_incident")
        ).one()
    total = _count(engine, "SELECT count(*) FROM traffic_incident")
    url = api + "collections/traffic-incidents/items"
    everything = _get(url, datetime=f"{first.isoformat()}/..").json()
    assert everything["numberMatched"] == total
    before = _get(url, datetime=f"../{first.isoformat()}").json()
    expected = _count(
        engine, f"SELECT count(*) FROM traffic_incident WHERE started_at <= '{first.isoformat()}'"
    )
    assert before["numberMatched"] == expected >= 1
    instant = _get(url, datetime=last.isoformat()).json()
    for item in instant["features"]:
        assert item["properties"]["started_at"] <= last.isoformat().replace(" ", "T")
    assert instant["numberMatched"] >= 1
    assert _get(url, datetime="2000-01-01T00:00:00Z").json()["numberMatched"] == 0


def test_property_filters_on_queryables(api, engine) -> None:
    hospitals = _count(engine, "SELECT count(*) FROM facility WHERE kind = 'hospital'")
    page = _get(api + "collections/facilities/items", kind="hospital").json()
    assert page["numberMatched"] == hospitals > 0
    assert {f["properties"]["kind"] for f in page["features"]} == {"hospital"}
    districts = _get(api + "collections/admin-units/items", level="district").json()
    assert districts["numberMatched"] == 9
    queryables = _get(api + "collections/facilities/queryables").json()
    assert set(queryables["properties"]) == {"code", "name", "kind"}


def test_one_feature_by_id_and_404_for_an_unknown_one(api) -> None:
    first = _get(api + "collections/water-level-gauges/items", limit=1).json()["features"][0]
    response = _get(api + f"collections/water-level-gauges/items/{first['id']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/geo+json")
    document = response.json()
    assert document["id"] == first["id"] and document["properties"] == first["properties"]
    assert {"self", "collection"} <= set(_rels(document))
    for unknown in ("999999999", "abc", "-1"):
        missing = _get(api + f"collections/water-level-gauges/items/{unknown}")
        assert missing.status_code == 404
        assert unknown in missing.json()["description"]


# --- HTML ----------------------------------------------------------------------------------------


def test_a_browser_gets_html_pages_in_vietnamese_with_an_english_switch(api) -> None:
    for path in ("", "collections", "collections/facilities", "collections/facilities/items"):
        response = requests.get(api + path, headers={"Accept": BROWSER_ACCEPT}, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert '<html lang="vi">' in response.text
        assert "<script" not in response.text  # the Content-Security-Policy allows none inline
        assert "/lang/en" in response.text
    items = requests.get(
        api + "collections/facilities/items?f=html&limit=5", cookies={"lang": "en"}, timeout=10
    )
    assert '<html lang="en">' in items.text and "Features 1–5 of" in items.text


# --- rate limits ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_server(engine):
    """A second gunicorn whose OGC API allows 5 requests a minute per client and worker. Waiting
    for it to start asks for the map's page, which spends none of that allowance."""
    with gunicorn({"CANTHO_OGC_RATE_LIMIT": "5 per minute"}) as (base, _):
        yield base


def test_too_many_requests_get_429_with_retry_after(strict_server) -> None:
    # Two workers count separately: 11 requests exceed 2 × 5 whichever worker takes each.
    responses = [requests.get(strict_server + "/ogc/conformance", timeout=10) for _ in range(11)]
    refused = [r for r in responses if r.status_code == 429]
    assert refused and all(r.status_code in (200, 429) for r in responses)
    assert int(refused[0].headers["Retry-After"]) > 0
    assert refused[0].json()["code"] == "TooManyRequests"
    # Only the open-data API is limited: the map itself still answers.
    assert requests.get(strict_server + "/", timeout=10).status_code == 200


# --- real clients --------------------------------------------------------------------------------


def test_owslib_reads_the_collections_and_pages_through_items(api, engine) -> None:
    client = Features(api)
    assert CORE in client.conformance()["conformsTo"]
    ids = [c["id"] for c in client.collections()["collections"]]
    assert "roads" in ids and "unit-indicators" in ids
    assert client.collection("cameras")["extent"]["spatial"]["bbox"]
    codes: list[str] = []
    offset = 0
    while True:
        page = client.collection_items("cameras", limit=20, offset=offset)
        codes += [f["properties"]["code"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 20
    assert len(codes) == len(set(codes)) == _count(engine, "SELECT count(*) FROM camera")
    one = client.collection_item("cameras", str(page["features"][0]["id"]))
    assert one["properties"]["code"] == codes[-len(page["features"])]


def _ogrinfo(*args: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo (gdal-bin) missing")
def test_gdal_lists_the_collections_and_reads_one(api, engine) -> None:
    source = f"OAPIF:{api}"
    listing = _ogrinfo("-so", source)
    for collection_id in COLLECTIONS:
        assert collection_id in listing
    summary = _ogrinfo("-so", source, "facilities")
    facilities = _count(engine, "SELECT count(*) FROM facility")
    assert f"Feature Count: {facilities}" in summary
    assert "kind: String" in summary and "capacity: Integer" in summary
    # Reading every camera pages through the items by their next links.
    cameras = _ogrinfo("-q", source, "cameras")
    assert cameras.count("OGRFeature(cameras)") == _count(engine, "SELECT count(*) FROM camera")
    # A spatial filter goes to the server as bbox.
    counted = _ogrinfo("-so", source, "roads", "-spat", "105.76", "10.02", "105.78", "10.04")
    inner = json.loads(
        requests.get(
            api + "collections/roads/items", params={"bbox": "105.76,10.02,105.78,10.04",
                                                     "limit": 1}, timeout=10
        ).text
    )["numberMatched"]  # fmt: skip
    assert f"Feature Count: {inner}" in counted
