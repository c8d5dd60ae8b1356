"""Downloads per layer and unit, over real HTTP against gunicorn: what the caller may see, as
GeoJSON or CSV with the licence and source; refused (and audited) outside the caller's scope."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import requests
from shapely.geometry import shape
from sqlalchemy import text

from geodata.accounts import users
from geodata.demo.sample import write_sample
from geodata.monitoring import catalogue
from layouts.i18n import CATALOG
from routes.downloads import to_csv
from tests.dashreq import callback_body
from tests.dbutil import truncate_all
from tests.test_http_access import PASSWORD, _sign_in

LAYERS = [x.name for x in catalogue.downloads()]

NINH_KIEU, CO_DO = "916", "925"


@pytest.fixture(scope="module")
def city(engine):
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", [NINH_KIEU])
    return engine


def _exports(engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                text(
                    "SELECT username, outcome, detail FROM audit_log "
                    "WHERE action = 'export' ORDER BY id"
                )
            )
        ]


def _csv_rows(response: requests.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_layer_has_a_label_in_both_languages() -> None:
    assert all(x.info.label in CATALOG for x in catalogue.downloads())


def test_a_layer_of_a_unit_downloads_as_csv_with_the_licence_and_is_logged(server, city) -> None:
    before = len(_exports(city))
    response = requests.get(server + "/download/gauges.csv", params={"unit": NINH_KIEU}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f"cantho-gauges-{NINH_KIEU}-" in response.headers["Content-Disposition"]
    assert response.headers["X-Data-Licence"] == "CC BY 4.0"
    assert 'rel="license"' in response.headers["Link"]
    rows = _csv_rows(response)
    assert rows[0][:2] == ["Kinh độ", "Vĩ độ"] and "Tên" in rows[0]
    assert len(rows) > 1
    exports = _exports(city)
    assert len(exports) == before + 1
    assert (
        exports[-1]["detail"]["layer"] == "gauges"
        and exports[-1]["detail"]["rows"] == len(rows) - 1
    )
    assert exports[-1]["username"] is None  # a visitor


def test_the_geojson_holds_only_features_of_the_unit_and_names_licence_and_source(
    server, city
) -> None:
    response = requests.get(server + "/download/facilities.geojson", params={"unit": NINH_KIEU},
                            timeout=10)  # fmt: skip
    body = response.json()
    assert response.headers["Content-Type"].startswith("application/geo+json")
    assert body["licence"]["name"] == "CC BY 4.0" and "Cần Thơ" in body["source"]
    assert body["unit"] == {"code": NINH_KIEU, "name": "Ninh Kiều"}
    with city.connect() as conn:
        outline = conn.scalar(
            text("SELECT ST_AsGeoJSON(geom) FROM admin_unit WHERE code = :c"), {"c": NINH_KIEU}
        )
        unit = shape(json.loads(outline))
        everywhere = conn.scalar(text("SELECT count(*) FROM facility"))
    points = [shape(f["geometry"]) for f in body["features"]]
    assert 0 < len(points) < everywhere
    assert all(unit.buffer(1e-9).covers(p) for p in points)


def test_lines_and_areas_come_as_wkt_in_csv(server, city) -> None:
    response = requests.get(server + "/download/roads.csv", params={"unit": NINH_KIEU}, timeout=10)
    rows = _csv_rows(response)
    assert rows[0][0] == "Hình học (WKT)" and rows[1][0].startswith("LINESTRING")


def test_the_public_cannot_download_citizens_reports_but_staff_can(server, city) -> None:
    public = requests.get(server + "/download/reports.csv", params={"unit": NINH_KIEU}, timeout=10)
    assert public.status_code == 403
    assert "chỉ dành cho cán bộ đã đăng nhập" in public.text
    staff = _sign_in(server, "nk.staff")
    assert staff.get(server + "/download/reports.csv", params={"unit": NINH_KIEU},
                     timeout=10).status_code == 200  # fmt: skip


def test_ward_staff_cannot_download_another_district(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    with city.connect() as conn:
        denied_before = conn.scalar(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"))
    response = staff.get(server + "/download/gauges.geojson", params={"unit": CO_DO}, timeout=10)
    assert response.status_code == 403 and "features" not in response.text
    with city.connect() as conn:
        denied = conn.scalar(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"))
    assert denied == denied_before + 1


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/download/rivers.csv", {"unit": NINH_KIEU}, 404, "gauges"),
        ("/download/gauges.xlsx", {"unit": NINH_KIEU}, 404, "geojson, csv"),
        ("/download/gauges.csv", {"unit": NINH_KIEU, "at": "yesterday"}, 400, "“at”: “yesterday”"),
        ("/download/gauges.csv", {"unit": "99999"}, 404, "99999"),
    ],
)
def test_a_bad_download_request_says_what_is_wrong(server, city, path, params, status, says):
    before = len(_exports(city))
    response = requests.get(server + path, params=params, timeout=10)
    assert response.status_code == status and says in response.text
    assert len(_exports(city)) == before


def test_the_panel_offers_the_links_for_the_unit_and_moment_shown(server, city) -> None:
    body = callback_body(
        [("downloads", "children")],
        [("url", "search", f"?unit={NINH_KIEU}"),
         ("time-store", "data", {"at": "2026-11-26T10:00", "play": None}),
         ("layers-control", "overlays", ["Ngập lụt", "Chất lượng không khí"]),
         ("choropleth-indicator", "value", "aqi_max"),
         ("service-kind", "value", "health_station")],
    )  # fmt: skip
    public = json.dumps(requests.post(server + "/_dash-update-component", json=body,
                                      timeout=10).json(), ensure_ascii=False)  # fmt: skip
    assert f"/download/gauges.csv?unit={NINH_KIEU}&at=2026-11-26T10%3A00" in public
    assert "CC BY 4.0" in public and "/download/reports." not in public
    staff = _sign_in(server, "nk.staff")
    signed_in = json.dumps(staff.post(server + "/_dash-update-component", json=body,
                                      timeout=10).json(), ensure_ascii=False)  # fmt: skip
    assert "/download/reports.csv" in signed_in


def test_csv_of_points_has_coordinates_then_every_property() -> None:
    features = [
        {"geometry": {"type": "Point", "coordinates": [105.78, 10.03]},
         "properties": {"name": "Cái Răng", "alert_level": 1.2}},
        {"geometry": {"type": "Point", "coordinates": [105.7, 10.0]},
         "properties": {"name": "Ô Môn", "extra": [1, 2]}},
    ]  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(features, "en"))))
    assert rows == [
        ["Longitude", "Latitude", "Name", "Alert level", "extra"],
        ["105.78", "10.03", "Cái Răng", "1.2", ""],
        ["105.7", "10.0", "Ô Môn", "", "[1, 2]"],
    ]


def test_csv_headers_are_in_the_callers_language_for_every_layer(server, city) -> None:
    """Every column of every layer is named in Vietnamese on the Vietnamese page (English on the
    English one), never by the property's code."""
    staff = _sign_in(server, "nk.staff")
    codes = set()
    for layer in LAYERS:
        vi = _csv_rows(staff.get(server + f"/download/{layer}.csv", params={"unit": NINH_KIEU},
                                 timeout=10))[0]  # fmt: skip
        en = _csv_rows(staff.get(server + f"/download/{layer}.csv", params={"unit": NINH_KIEU},
                                 cookies={"lang": "en"}, timeout=10))[0]  # fmt: skip
        assert len(vi) == len(en)
        codes |= {h for h in vi + en if re.fullmatch(r"[a-z0-9_.]+", h)}
        if layer == "facilities":
            assert vi[:3] == ["Kinh độ", "Vĩ độ", "Số hiệu"] and "Tên" in vi and "Quy mô" in vi
            assert en[:3] == ["Longitude", "Latitude", "ID"] and "Capacity" in en
    assert codes == set(), f"columns named by their codes: {sorted(codes)}"


def test_each_pollutant_of_an_air_station_has_its_own_numeric_column(server, city) -> None:
    rows = _csv_rows(requests.get(server + "/download/air.csv", params={"unit": NINH_KIEU},
                                  timeout=10))  # fmt: skip
    header = rows[0]
    for pollutant in ("PM2.5 (µg/m³)", "PM10 (µg/m³)", "NO₂ (µg/m³)", "CO (µg/m³)"):
        assert pollutant in header
        values = [row[header.index(pollutant)] for row in rows[1:]]
        assert values and all(float(v) >= 0 for v in values if v)
        assert any(values)
    assert not any(cell.startswith("{") for row in rows[1:] for cell in row)


def test_a_station_without_readings_leaves_its_pollutant_cells_empty() -> None:
    features = [
        {"geometry": {"type": "Point", "coordinates": [105.78, 10.03]},
         "properties": {"name": "A", "means": None}},
        {"geometry": {"type": "Point", "coordinates": [105.7, 10.0]},
         "properties": {"name": "B", "means": {"pm25": 18.4, "co": 946.9}}},
    ]  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(features, "vi"))))
    assert rows == [
        ["Kinh độ", "Vĩ độ", "Tên", "PM2.5 (µg/m³)", "CO (µg/m³)"],
        ["105.78", "10.03", "A", "", ""],
        ["105.7", "10.0", "B", "18.4", "946.9"],
    ]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_would_start_a_formula_is_written_as_text(lead: str) -> None:
    features = [{"geometry": {"type": "Point", "coordinates": [105.78, 10.03]},
                 "properties": {"name": lead + "1+2", "level": -0.25}}]  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(features, "vi"))))
    assert rows[1] == ["105.78", "10.03", "'" + lead + "1+2", "-0.25"]
