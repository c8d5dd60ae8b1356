"""A layer registered in the layer catalogue alone is on the map, in the OGC API, in downloads and
on the printed map, with its visibility rule applied in each.

A real gunicorn loads tests/plugins/extra_layer.py through the ``layer_modules`` setting, as a
city would add a layer of its own: one catalogue entry (a staff-only layer of the hospitals and
their beds, in a theme of its own) and its names in the translation catalog. Nothing else in the
code names it. The public is refused it everywhere; an official gets it everywhere.
"""

from __future__ import annotations

import io
import json

import pytest
import requests
from pypdf import PdfReader

from geodata.accounts import users
from geodata.accounts.tokens import add_api_token
from geodata.demo.sample import write_sample
from tests.dashreq import callback_body
from tests.dbutil import truncate_all
from tests.servers import gunicorn
from tests.test_http_access import PASSWORD, _sign_in

# The plugin's layer name and title, written out: importing tests.plugins.extra_layer here would
# register the layer in this test process as well, and every other test would see it.
NAME, TITLE_VI = "hospital-beds", "Giường bệnh (lớp thêm)"
STATIC_OUTPUTS = [("facilities-layer", "data"), ("underserved-layer", "data"),
                  (f"{NAME}-layer", "data")]  # fmt: skip


@pytest.fixture(scope="module")
def extra(engine):
    """Demo data, an official with a personal API token, and a server with the extra layer."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        users.add_user(conn, "official", PASSWORD, "official", [])
        token = add_api_token(conn, "official", "QGIS")[1]
    with gunicorn({"CANTHO_LAYER_MODULES": json.dumps(["tests.plugins.extra_layer"])}) as (
        base,
        _,
    ):
        yield base, token


def _map_data(session: requests.Session, base: str) -> dict:
    """What the map's static-layers callback sends for the extra layer, its theme switched on."""
    body = callback_body(
        STATIC_OUTPUTS,
        [("url", "search", ""), ("layers-control", "overlays", [TITLE_VI]),
         ("service-kind", "value", "hospital")],
    )  # fmt: skip
    answer = session.post(base + "/_dash-update-component", json=body, timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["response"][f"{NAME}-layer"]["data"]


def test_the_map_draws_the_extra_layer_for_staff_and_not_for_the_public(extra) -> None:
    base, _ = extra
    layout = json.dumps(requests.get(base + "/_dash-layout", timeout=30).json(), ensure_ascii=False)
    # Its own overlay in the layers control and its own component, from the catalogue alone.
    assert f"{NAME}-layer" in layout and TITLE_VI in layout
    assert _map_data(requests.Session(), base)["features"] == []
    drawn = _map_data(_sign_in(base, "official"), base)["features"]
    assert drawn and all(f["properties"]["kind"] == "hospital" for f in drawn)


def test_the_legend_shows_the_extra_layer_to_staff_only(extra) -> None:
    base, _ = extra
    body = callback_body(
        [("legend", "children")],
        [("layers-control", "overlays", [TITLE_VI]), ("choropleth-indicator", "value", None),
         ("service-kind", "value", "hospital")],
    )  # fmt: skip
    public = requests.post(base + "/_dash-update-component", json=body, timeout=30)
    staff = _sign_in(base, "official").post(base + "/_dash-update-component", json=body)
    shown = [json.dumps(a.json(), ensure_ascii=False) for a in (public, staff)]
    assert TITLE_VI not in shown[0] and TITLE_VI in shown[1]


def test_the_ogc_api_publishes_the_extra_collection_to_a_staff_token_only(extra) -> None:
    base, token = extra
    listed = requests.get(base + "/ogc/collections", params={"f": "json"}, timeout=30).json()
    assert NAME not in [c["id"] for c in listed["collections"]]
    refused = requests.get(base + f"/ogc/collections/{NAME}/items", timeout=30)
    assert refused.status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    listed = requests.get(base + "/ogc/collections", headers=auth, timeout=30).json()
    assert NAME in [c["id"] for c in listed["collections"]]
    items = requests.get(base + f"/ogc/collections/{NAME}/items", headers=auth, timeout=30).json()
    assert items["numberMatched"] > 0
    assert set(items["features"][0]["properties"]) == {"code", "name", "beds"}


def test_downloads_offer_the_extra_layer_to_staff_only(extra) -> None:
    base, _ = extra
    assert requests.get(base + f"/download/{NAME}.geojson", timeout=30).status_code == 403
    official = _sign_in(base, "official")
    answer = official.get(base + f"/download/{NAME}.geojson", timeout=30)
    assert answer.status_code == 200 and answer.json()["features"]
    # The side panel's links: the official's list has it, the public's does not.
    body = callback_body(
        [("downloads", "children")],
        [("url", "search", ""), ("time-store", "data", {"at": None, "play": None}),
         ("layers-control", "overlays", []), ("choropleth-indicator", "value", None),
         ("service-kind", "value", "hospital")],
    )  # fmt: skip
    public = requests.post(base + "/_dash-update-component", json=body, timeout=30).json()
    staff = official.post(base + "/_dash-update-component", json=body, timeout=30).json()
    assert f"/download/{NAME}.geojson" in json.dumps(staff)
    assert f"/download/{NAME}.geojson" not in json.dumps(public)


def _printed(session: requests.Session, base: str) -> str:
    answer = session.get(base + "/print/map.pdf", params={"layers": NAME, "indicator": ""},
                         timeout=60)  # fmt: skip
    assert answer.status_code == 200, answer.text[:300]
    return PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()


def test_the_printed_map_draws_the_extra_layer_for_staff_only(extra) -> None:
    base, _ = extra
    # Its legend section (named after its theme) says it is drawn; the public's print has none.
    assert TITLE_VI in _printed(_sign_in(base, "official"), base)
    assert TITLE_VI not in _printed(requests.Session(), base)
