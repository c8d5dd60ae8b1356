"""The printable map over real HTTP against gunicorn: the view of a unit as an A4 PNG or PDF with
its legend, moment, source and licence; scoped like the downloads and logged like them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import requests
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text

from domain.clock import CITY_TZ
from geodata.accounts import users
from geodata.demo.sample import write_sample
from geodata.monitoring import layers
from geodata.settings import get_settings
from layouts.i18n import fmt_date, t
from tests.dashreq import callback_body
from tests.dbutil import truncate_all
from tests.test_http_access import PASSWORD, _sign_in

NINH_KIEU, CO_DO = "916", "925"
ALL = "flood,air,traffic,services"


@pytest.fixture(scope="module")
def city(engine):
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", [NINH_KIEU])
    return engine


@pytest.fixture(scope="module")
def latest(city) -> dt.datetime:
    """The latest hour with data, in Cần Thơ time."""
    with city.connect() as conn:
        hour = layers.latest_hour(conn, dt.datetime.now(dt.UTC))
    assert hour is not None
    return hour.astimezone(CITY_TZ)


def _exports(engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                text("SELECT username, detail FROM audit_log WHERE action = 'export' ORDER BY id")
            )
        ]


def _pdf_text(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_the_city_prints_as_an_a4_png_and_the_print_is_logged(server, city) -> None:
    before = len(_exports(city))
    response = requests.get(server + "/print/map.png", params={"layers": ALL}, timeout=60)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1754, 1240)
    assert 'filename="cantho-map-92-' in response.headers["Content-Disposition"]
    exports = _exports(city)
    assert len(exports) == before + 1 and exports[-1]["username"] is None
    detail = exports[-1]["detail"]
    assert (detail["layer"], detail["format"], detail["unit"]) == ("print", "png", "92")
    assert detail["layers"] == ["flood", "air", "traffic", "services"]


def test_the_pdf_is_one_a4_landscape_page_naming_unit_moment_source_and_licence(
    server, city, latest
) -> None:
    at = latest.strftime("%Y-%m-%dT%H:%M")
    response = requests.get(server + "/print/map.pdf", timeout=60,
                            params={"unit": NINH_KIEU, "at": at, "layers": ALL})  # fmt: skip
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((841.89, 595.28), abs=0.05)
    text_ = _pdf_text(response)
    moment = t("print.moment", "vi", hour=latest.strftime("%H:%M"), date=fmt_date(latest, "vi"))
    settings = get_settings()
    shown = ("Quận Ninh Kiều", "Hưng Lợi", moment, settings.data_source, settings.data_licence,
             "Chú giải", "Chỉ số VN_AQI", "Tình trạng giao thông")  # fmt: skip
    for expected in shown:
        assert expected in text_
    assert _exports(city)[-1]["detail"]["at"] == latest.isoformat()


def test_the_language_can_be_asked_for(server, city) -> None:
    response = requests.get(server + "/print/map.pdf", timeout=60,
                            params={"unit": NINH_KIEU, "lang": "en"})  # fmt: skip
    text_ = _pdf_text(response)
    assert "Ninh Kiều (Urban district)" in text_ and "Legend" in text_
    assert "Shown:" in text_ and "· live" in text_


def test_the_public_print_never_shows_citizens_reports_but_staff_prints_do(server, city) -> None:
    params = {"unit": NINH_KIEU, "layers": "flood"}
    public = _pdf_text(requests.get(server + "/print/map.pdf", params=params, timeout=60))
    assert "Trạm đo mực nước" in public and "Phản ánh ngập" not in public
    staff = _sign_in(server, "nk.staff")
    signed_in = _pdf_text(staff.get(server + "/print/map.pdf", params=params, timeout=60))
    assert "Phản ánh ngập của người dân" in signed_in


def test_ward_staff_cannot_print_another_district(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    with city.connect() as conn:
        denied_before = conn.scalar(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"))
    before = len(_exports(city))
    response = staff.get(server + "/print/map.png", params={"unit": CO_DO}, timeout=60)
    assert response.status_code == 403 and not response.content.startswith(b"\x89PNG")
    with city.connect() as conn:
        denied = conn.scalar(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"))
    assert denied == denied_before + 1 and len(_exports(city)) == before


def test_ward_staff_print_their_own_unit_by_default(server, city) -> None:
    staff = _sign_in(server, "nk.staff")
    assert "Quận Ninh Kiều" in _pdf_text(staff.get(server + "/print/map.pdf", timeout=60))


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/print/map.png", {"layers": "flood,rivers"}, 400, "“layers”: không có lớp “rivers”"),
        ("/print/map.png", {"indicator": "pm25"}, 400, "“indicator”"),
        ("/print/map.png", {"at": "yesterday"}, 400, "“at”: “yesterday”"),
        ("/print/map.png", {"lang": "fr"}, 400, "“lang”: “fr”"),
        ("/print/map.png", {"kind": "zoo"}, 400, "“kind”: không có loại cơ sở “zoo”"),
        ("/print/map.png", {"unit": "9/../1"}, 400, "“unit”"),
        ("/print/map.pdf", {"unit": "99999"}, 404, "99999"),
        ("/print/map.svg", {}, 404, "png, pdf"),
    ],
)
def test_a_bad_print_request_says_what_is_wrong(server, city, path, params, status, says) -> None:
    before = len(_exports(city))
    response = requests.get(server + path, params=params, timeout=60)
    assert response.status_code == status and says in response.text
    assert len(_exports(city)) == before


def test_the_panel_offers_print_links_for_the_view_shown(server, city) -> None:
    body = callback_body(
        [("downloads", "children")],
        [("url", "search", f"?unit={NINH_KIEU}"),
         ("time-store", "data", {"at": "2026-11-26T10:00", "play": None}),
         ("layers-control", "overlays", ["Ngập lụt", "Giao thông"]),
         ("choropleth-indicator", "value", "congested_share"),
         ("service-kind", "value", "health_station")],
    )  # fmt: skip
    answer = json.dumps(requests.post(server + "/_dash-update-component", json=body,
                                      timeout=10).json(), ensure_ascii=False)  # fmt: skip
    query = (
        f"unit={NINH_KIEU}&at=2026-11-26T10%3A00&layers=flood%2Ctraffic&indicator=congested_share"
    )
    assert "In bản đồ:" in answer
    assert f"/print/map.png?{query}" in answer and f"/print/map.pdf?{query}" in answer
