"""Open data over OGC API – Features, over real HTTP against gunicorn: the Core conformance
requirements for each endpoint, paging to the end, bbox edge cases, HTML for browsers, the
restricted flood reports behind personal tokens (and each unit scope), rate limits counted once
for two workers, and two real clients (OWSLib's Features client and GDAL's OAPIF driver)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from owslib.ogcapi.features import Features
from sqlalchemy import text

from geodata.accounts import users
from geodata.accounts.tokens import add_api_token, revoke_api_token
from geodata.demo.sample import write_sample
from geodata.monitoring.catalogue import public_collections
from tests.dbutil import add_flood_report, locked_out_address, truncate_all
from tests.servers import clear_of_window_edge, gunicorn

PUBLIC_COLLECTIONS = public_collections()

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


def _count(engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(sql), params))


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
        "cameras", "facilities", "admin-units", "unit-indicators", "citizen-reports",
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
    missing = _get(api + "collections/flood-report")
    assert missing.status_code == 404
    assert "flood-report" in missing.json()["description"]


def test_no_public_collection_publishes_citizens_flood_reports(api, engine) -> None:
    with engine.connect() as conn:
        words = list(conn.scalars(text("SELECT description FROM flood_report")))
    assert words and all(words)
    ids = [c["id"] for c in _get(api + "collections").json()["collections"]]
    assert "flood-reports" not in ids
    # The published reports' collection names no citizen and carries none of their
    # (unpublished) words; every other collection nothing of a report at all.
    for collection_id in ids:
        body = json.dumps(
            _get(api + f"collections/{collection_id}/items", limit=10000).json(),
            ensure_ascii=False,
        )
        assert not any(w in body for w in words), collection_id
        if collection_id != "citizen-reports":
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


# --- the restricted collection: citizens' flood reports behind personal tokens -------------------

REPORT_URLS = (
    "collections/flood-reports", "collections/flood-reports/items",
    "collections/flood-reports/items/1", "collections/flood-reports/queryables",
)  # fmt: skip
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def staff(api, engine) -> dict[str, str]:
    """Reports of our own in Ninh Kiều (916) and Ô Môn (917), beside the demo's; accounts with
    tokens: an official, a ward staff of Ninh Kiều, and tokens that no longer work."""
    for district, hours_ago in (("916", 1), ("916", 30), ("917", 2), ("917", 50)):
        add_flood_report(engine, district, NOW - dt.timedelta(hours=hours_ago),
                         "Nước ngập tới gối trước nhà số 12")  # fmt: skip
    with engine.begin() as conn:
        users.add_user(conn, "chi.official", "mật-khẩu-dài-1", "official", [])
        users.add_user(conn, "ba.ward", "mật-khẩu-dài-2", "ward_staff", ["916"])
        users.add_user(conn, "tu.gone", "mật-khẩu-dài-3", "official", [])
        tokens = {
            "official": add_api_token(conn, "chi.official", "QGIS")[1],
            "ward": add_api_token(conn, "ba.ward", "QGIS")[1],
            "disabled": add_api_token(conn, "tu.gone")[1],
        }
        users.set_disabled(conn, "tu.gone")
        revoked_id, tokens["revoked"] = add_api_token(conn, "chi.official", "old laptop")
        revoke_api_token(conn, revoked_id)
        expired_id, tokens["expired"] = add_api_token(conn, "chi.official", "last year")
        conn.execute(
            text("UPDATE api_token SET created_at = now() - interval '2 days', "
                 "expires_at = now() - interval '1 day' WHERE id = :id"), {"id": expired_id}
        )  # fmt: skip
    secret = tokens["official"].rpartition(".")[2]
    tokens["wrong"] = tokens["official"].rpartition(".")[0] + "." + secret[::-1]
    tokens["unknown"] = f"pat-999999.{secret}"
    return tokens


def _as(token: str, url: str, **params) -> requests.Response:
    return requests.get(url, params=params, headers={"Authorization": f"Bearer {token}"},
                        timeout=30)  # fmt: skip


def _report_codes(page: dict) -> set[str]:
    return {f["properties"]["code"] for f in page["features"]}


def test_without_a_token_flood_reports_are_unlisted_and_answer_401(api, staff) -> None:
    ids = [c["id"] for c in _get(api + "collections").json()["collections"]]
    assert "flood-reports" not in ids
    for path in REPORT_URLS:
        response = _get(api + path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="cantho-ioc"'
        assert response.json()["code"] == "Unauthorized"
    browser = requests.get(api + REPORT_URLS[1], headers={"Accept": BROWSER_ACCEPT}, timeout=10)
    assert browser.status_code == 401 and browser.headers["Content-Type"].startswith("text/html")
    assert "mã truy cập cá nhân" in browser.text
    definition = _get(api + "api").json()["paths"]["/collections/{collectionId}"]["get"]
    assert "flood-reports" not in definition["parameters"][0]["schema"]["enum"]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("wrong", "wrong_secret"), ("unknown", "unknown_token"), ("revoked", "revoked"),
     ("expired", "expired"), ("disabled", "disabled_user")],
)  # fmt: skip
def test_a_token_that_is_no_good_gets_401_on_any_url_and_is_audited(
    api, staff, engine, kind, reason
) -> None:
    for path in ("collections/flood-reports/items", "collections/facilities/items"):
        response = _as(staff[kind], api + path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert "flood-reports" not in response.text and "features" not in response.json()
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT outcome, address, detail->>'reason' AS reason FROM audit_log "
                 "WHERE action = 'ogc_token' ORDER BY id DESC LIMIT 2")
        ).all()  # fmt: skip
    assert [(r.outcome, r.address, r.reason) for r in logged] == [
        ("denied", "127.0.0.1", reason)
    ] * 2
    assert staff[kind] not in json.dumps([tuple(r) for r in logged])


def test_an_officials_token_reads_every_report_privately(api, staff, engine) -> None:
    total = _count(engine, "SELECT count(*) FROM flood_report")
    listed = {c["id"]: c for c in _as(staff["official"], api + "collections").json()["collections"]}
    assert "flood-reports" in listed and "facilities" in listed
    assert listed["flood-reports"]["extent"]["temporal"]["interval"][0][0] is not None
    response = _as(staff["official"], api + "collections/flood-reports/items", limit=10000)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Authorization" in response.headers["Vary"]
    page = response.json()
    assert page["numberMatched"] == total == len(page["features"]) > 4
    ours = [f for f in page["features"] if f["properties"]["source"] == "test"]
    assert {f["properties"]["description"] for f in ours} == {"Nước ngập tới gối trước nhà số 12"}
    assert set(_as(staff["official"], api + "collections/flood-reports/queryables").json()[
        "properties"]) == {"code", "unit_code", "parent_code", "source"}  # fmt: skip
    # The public collections read with a token are the public's, and only those get CORS.
    public = _get(api + "collections/facilities/items", limit=5)
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert _as(staff["official"], api + "collections/facilities/items", limit=5).json()[
        "features"] == public.json()["features"]  # fmt: skip


def test_reports_page_and_filter_by_datetime_bbox_and_unit(api, staff, engine) -> None:
    url = api + "collections/flood-reports/items"
    since = NOW - dt.timedelta(hours=24)
    day = _as(staff["official"], url, datetime=f"{since.isoformat()}/..")
    # The same bound as asked for (not now(), which runs on while the suite does).
    expected = _count(
        engine, "SELECT count(*) FROM flood_report WHERE reported_at >= :since", since=since
    )
    assert day.json()["numberMatched"] == expected >= 2
    ninh_kieu = _as(staff["official"], url, parent_code="916").json()
    assert ninh_kieu["numberMatched"] == _count(
        engine, "SELECT count(*) FROM flood_report r JOIN admin_unit w ON w.id = r.admin_unit_id "
        "JOIN admin_unit d ON d.id = w.parent_id WHERE d.code = '916'"
    )  # fmt: skip
    boxed = _as(staff["official"], url, bbox="105.2,9.9,105.9,10.4", limit=2).json()
    assert boxed["numberReturned"] == 2
    next_page = next(link["href"] for link in boxed["links"] if link["rel"] == "next")
    assert "bbox=" in next_page and "offset=2" in next_page
    second = requests.get(next_page, headers={"Authorization": f"Bearer {staff['official']}"},
                          timeout=10).json()  # fmt: skip
    assert not _report_codes(second) & _report_codes(boxed)


def test_a_ward_token_reads_only_the_reports_in_its_units(api, staff, engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.id, r.code, EXISTS (SELECT 1 FROM admin_unit u WHERE u.code = '916' "
                "AND ST_Covers(u.geom, r.geom)) AS inside FROM flood_report r"
            )
        ).all()
    inside = {r.code for r in rows if r.inside}
    assert inside and len(inside) < len(rows)
    url = api + "collections/flood-reports/items"
    page = _as(staff["ward"], url, limit=10000).json()
    assert _report_codes(page) == inside and page["numberMatched"] == len(inside)
    # Naming another district or its box changes nothing; its report by id is not found.
    assert _as(staff["ward"], url, parent_code="917").json()["numberMatched"] == 0
    assert _report_codes(_as(staff["ward"], url, bbox="105.2,9.9,105.9,10.4").json()) <= inside
    outside = next(r for r in rows if not r.inside)
    missing = _as(staff["ward"], url + f"/{outside.id}")
    assert missing.status_code == 404
    assert _as(staff["official"], url + f"/{outside.id}").status_code == 200
    mine = next(r for r in rows if r.inside)
    found = _as(staff["ward"], url + f"/{mine.id}")
    assert found.status_code == 200 and found.json()["properties"]["code"] == mine.code
    assert found.headers["Cache-Control"] == "private, no-store"
    # Its extent is its own reports', not the city's.
    collection = _as(staff["ward"], api + "collections/flood-reports").json()
    xmin, ymin, xmax, ymax = collection["extent"]["spatial"]["bbox"][0]
    official = _as(staff["official"], api + "collections/flood-reports").json()
    assert (xmax - xmin) * (ymax - ymin) <= _area(official["extent"]["spatial"]["bbox"][0])


def _area(bbox: list[float]) -> float:
    return (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])


def test_an_address_that_sent_many_bad_tokens_gets_429_without_growing_the_log(
    api, staff, engine
) -> None:
    with locked_out_address(engine, "ogc_token") as logged:
        refused = _as(staff["official"], api + "collections/flood-reports/items")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert refused.json()["code"] == "TooManyRequests"
        assert _as(staff["wrong"], api + "collections").status_code == 429
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM audit_log")) == logged
        # Without a token there is nothing to guess: the public data still answers.
        assert _get(api + "collections/facilities/items", limit=1).status_code == 200
    assert _as(staff["official"], api + "collections/flood-reports/items").status_code == 200


# --- rate limits ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_server(engine):
    """A second gunicorn (two workers) whose OGC API allows 10 requests a minute per client,
    counted in PostgreSQL, the default storage. Waiting for it to start asks for the map's
    page, which spends none of that allowance."""
    with gunicorn({"CANTHO_OGC_RATE_LIMIT": "10 per minute"}) as (base, _):
        yield base


def test_two_workers_count_each_client_once_and_answer_429_with_retry_after(
    strict_server, staff, engine
) -> None:
    url = strict_server + "/ogc/conformance"
    clear_of_window_edge(60, margin=10)
    # 20 requests at once, each on a connection of its own: both workers serve them. Counted
    # per worker (memory://) about 20 would pass; counted once, exactly 10.
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: requests.get(url, timeout=30), range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 10 + [429] * 10
    refused = requests.get(url, timeout=10)  # the 21st, whichever worker takes it
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["code"] == "TooManyRequests"
    with engine.connect() as conn:
        counted = conn.execute(
            text("SELECT key, count FROM rate_limit_counter WHERE key LIKE '%/10/1/minute'")
        ).all()  # fmt: skip
    assert [(row.key.split("/")[2], row.count) for row in counted] == [("127.0.0.1", 10)]
    # A token's account is a client of its own, from the same address.
    assert _as(staff["official"], url).status_code == 200
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
    for collection in PUBLIC_COLLECTIONS:
        assert collection.id in listing
    assert "flood-reports" not in listing
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
