"""The second wall holds alone: with the application's own checks switched off, ward staff still
get nothing of another district through hand-made callback requests, because the database (their
reader role and row-level security) refuses the rows. And the control: with the database wall
also off, the same requests do leak, so these tests fail for the right reason."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine, text

from callbacks import drilldown, monitor
from geodata.accounts import users
from geodata.demo.sample import write_sample
from tests.dashreq import DRILL_OUTPUTS, FLOOD_AIR_OUTPUTS, callback_body
from tests.dbutil import truncate_all
from web import access

PASSWORD = "a long password 1"
NINH_KIEU, CO_DO = "916", "925"
LIVE = {"at": None, "play": None}
ALL_LAYERS = ["Ngập lụt", "Chất lượng không khí", "Giao thông", "Dịch vụ công"]


@pytest.fixture(scope="module")
def city(engine: Engine) -> dict[str, Any]:
    """Two days of demo data and a Ninh Kiều ward_staff; the ids a forger would name."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        users.add_user(conn, "nk.staff", PASSWORD, "ward_staff", [NINH_KIEU])
        wards = list(conn.scalars(text(
            "SELECT id FROM admin_unit WHERE parent_id = "
            "(SELECT id FROM admin_unit WHERE code = :c)"), {"c": CO_DO}))  # fmt: skip
        sensor = conn.scalar(
            text(
                "SELECT s.id FROM sensor s, admin_unit u, sensor_quantity q WHERE u.code = :c "
                "AND ST_Covers(u.geom, s.geom) AND q.sensor_id = s.id LIMIT 1"
            ),
            {"c": CO_DO},
        )
    return {"co_do_wards": wards, "co_do_sensor": sensor}


@pytest.fixture
def app_checks_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every unit, id and sensor a request names is allowed by the application."""
    allow_unit = lambda conn, caller, unit: True  # noqa: E731
    allow_ids = lambda conn, caller, unit_ids: unit_ids  # noqa: E731
    allow_sensor = lambda conn, caller, sensor_id: True  # noqa: E731
    for module in (access, drilldown, monitor):
        for name, fake in (("may_see_unit", allow_unit), ("visible_unit_ids", allow_ids),
                           ("may_see_sensor", allow_sensor)):  # fmt: skip
            if hasattr(module, name):
                monkeypatch.setattr(module, name, fake)


@pytest.fixture
def staff(city):
    """A Flask test client signed in as Ninh Kiều ward staff (through the real sign-in form)."""
    from app import server

    client = server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": "nk.staff", "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


def _forge(client, outputs, inputs, state=()) -> str:
    response = client.post("/_dash-update-component", json=callback_body(outputs, inputs, state))
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


# The callbacks a forger calls, asking for Cờ Đỏ: (outputs, inputs, state) per kind of answer.
FORGED = {
    "units": (
        DRILL_OUTPUTS,
        [("url", "search", f"?unit={CO_DO}")],
        [],
    ),
    "layers": (
        FLOOD_AIR_OUTPUTS,
        [("url", "search", f"?unit={CO_DO}"), ("time-store", "data", LIVE),
         ("refresh-interval", "n_intervals", 0), ("layers-control", "overlays", ALL_LAYERS)],
        [("flood-air-sent", "data", None)],
    ),
    "kpis": (
        [("kpis", "children")],
        [("url", "search", f"?unit={CO_DO}"), ("time-store", "data", LIVE),
         ("refresh-interval", "n_intervals", 0)],
        [],
    ),
}  # fmt: skip


def _forged_requests(client, city) -> dict[str, str]:
    """What ward staff get back when asking for Cờ Đỏ by hand, per kind of request."""
    forged_units = {"features": [{"type": "Feature", "id": i, "properties": {}, "geometry": None}
                                 for i in city["co_do_wards"]]}  # fmt: skip
    answers = {kind: _forge(client, *request) for kind, request in FORGED.items()}
    answers["choropleth"] = _forge(
        client,
        [("units-layer", "hideout")],
        [
            ("units-layer", "data", forged_units),
            ("choropleth-indicator", "value", "aqi_max"),
            ("service-kind", "value", "health_station"),
            ("time-store", "data", LIVE),
            ("refresh-interval", "n_intervals", 0),
        ],
    )
    answers["chart"] = _forge(
        client,
        [("chart", "figure")],
        [
            ("url", "search", f"?unit={NINH_KIEU}"),
            ("time-store", "data", LIVE),
            ("selected-sensor", "data", city["co_do_sensor"]),
        ],
    )
    return answers


def _leaks(answers: dict[str, str]) -> dict[str, bool]:
    """Which answers carry anything of Cờ Đỏ."""
    units = json.loads(answers["units"])["response"] if answers["units"] else {}
    layers = json.loads(answers["layers"])["response"] if answers["layers"] else {}
    hideout = json.loads(answers["choropleth"])["response"]["units-layer"]["hideout"]
    chart = json.loads(answers["chart"] or "{}").get("response", {}).get("chart", {})
    return {
        "units": bool(units.get("units-layer", {}).get("data", {}).get("features")),
        "layers": any(
            (layers.get(key) or {}).get("data", {}).get("features")
            for key in ("gauges-layer", "air-layer", "reports-layer")
        ),
        "kpis": "Trạm vượt báo động"
        in json.dumps(json.loads(answers["kpis"] or "{}"), ensure_ascii=False),
        "choropleth": any(v is not None for v in hideout["values"].values()),
        "chart": any(trace.get("x") for trace in chart.get("figure", {}).get("data", [])),
    }


def test_the_database_alone_refuses_another_districts_rows_to_forged_requests(
    city, staff, app_checks_off
) -> None:
    leaks = _leaks(_forged_requests(staff, city))
    assert leaks == dict.fromkeys(leaks, False)


def test_without_either_wall_the_same_requests_leak(city, staff, app_checks_off, monkeypatch):
    """The control: the requests above do reach Cờ Đỏ's rows when nothing stops them."""
    monkeypatch.setattr(access, "data_scope", lambda caller: None)
    leaks = _leaks(_forged_requests(staff, city))
    assert leaks == dict.fromkeys(leaks, True)
