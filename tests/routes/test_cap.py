"""Public warnings in CAP 1.2 over real HTTP: the Atom index, one CAP document per warning in
Vietnamese and English with the unit's polygons, valid against the OASIS schema and read back by
an existing CAP parser (capparselib); only public rules' fired alerts; a finished warning is a
Cancel referring to the first; an unknown id is a clear 404."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from sqlalchemy import text

from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import RuleRefused, add_rule
from geodata.demo.sample import write_sample
from geodata.monitoring.readings import Reading, write_readings
from tests.dbutil import truncate_all
from tests.gauges import add_river_gauge
from tests.servers import gunicorn

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data/cap/CAP-v1.2.xsd")))
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
HOUR = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _gauge(conn: Any, code: str, lon: float, lat: float, metres: float) -> None:
    sensor = add_river_gauge(conn, code, lon, lat, name=f"Trạm {code}")
    quantity = conn.scalar(text("SELECT id FROM quantity WHERE code = 'water_level'"))
    write_readings(conn, [Reading(sensor, quantity, HOUR + dt.timedelta(minutes=5), metres)])


@pytest.fixture(scope="module")
def base(engine) -> Iterator[str]:
    """Báo động III at a gauge in Ninh Kiều (public rule), air "Xấu" in Cái Răng (public rule),
    the same gauge under a staff-only rule, and a public rule still pending: two warnings."""
    truncate_all(engine)
    write_sample()
    with engine.begin() as conn:
        _gauge(conn, "nk", 105.775, 10.03, 2.2)
        cai_rang = conn.scalar(
            text("SELECT id FROM admin_unit WHERE code = '919' AND level = 'district'")
        )
        conn.execute(
            text(
                "INSERT INTO unit_indicator (admin_unit_id, indicator, period, period_start, value)"
                " VALUES (:u, 'aqi_max', 'hour', :h, 180)"
            ),
            {"u": cai_rang, "h": HOUR},
        )
        add_rule(conn, "Lũ từ báo động II", "gauge_level", 2, 1, public=True)
        add_rule(conn, "Không khí xấu", "unit_aqi", 151, 140, public=True)
        add_rule(conn, "Nội bộ: báo động I", "gauge_level", 1, 0)
        add_rule(conn, "Báo động III kéo dài", "gauge_level", 3, 2, pending_s=3600, public=True)
        evaluate(conn, HOUR + dt.timedelta(minutes=10))
    with gunicorn() as (url, _):
        yield url


def _feed(base: str) -> ET.Element:
    answer = requests.get(base + "/cap/", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(answer.content)


def test_the_index_lists_the_two_public_warnings_and_nothing_staff_only_or_pending(base) -> None:
    feed = _feed(base)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    assert sorted(titles) == [
        "Báo động III tại trạm Trạm nk (Ninh Kiều)",
        "Chất lượng không khí Xấu tại Cái Răng (VN_AQI 180)",
    ]
    links = [e.find("a:link", ATOM).get("href") for e in feed.findall("a:entry", ATOM)]
    assert all(link.startswith(base + "/cap/") and link.endswith(".xml") for link in links)


def _documents(base: str) -> list[bytes]:
    feed = _feed(base)
    out = []
    for entry in feed.findall("a:entry", ATOM):
        answer = requests.get(entry.find("a:link", ATOM).get("href"), timeout=10)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/cap+xml")
        out.append(answer.content)
    return out


def test_every_document_is_valid_cap_1_2_in_vietnamese_and_english(base) -> None:
    for body in _documents(base):
        document = etree.fromstring(body)
        SCHEMA.assertValid(document)
        infos = document.findall("cap:info", CAP)
        assert [i.findtext("cap:language", namespaces=CAP) for i in infos] == ["vi-VN", "en-US"]
        for info in infos:
            (area,) = info.findall("cap:area", CAP)
            polygons = [p.text for p in area.findall("cap:polygon", CAP)]
            assert polygons
            for ring in polygons:
                pairs = ring.split()
                assert len(pairs) >= 4 and pairs[0] == pairs[-1]
                lat, lon = map(float, pairs[0].split(","))
                assert 9.0 < lat < 10.6 and 105.0 < lon < 106.5  # lat,lon order, in Cần Thơ


def test_an_existing_cap_parser_reads_them(base) -> None:
    from capparselib.parsers import CAPParser

    read = [CAPParser(body.decode()).as_dict()[0] for body in _documents(base)]
    by_event = {str(a["cap_info"][0]["cap_event"]): a for a in read}
    flood = by_event["Lũ, ngập do triều cường"]
    assert (str(flood["cap_message_type"]), str(flood["cap_scope"])) == ("Alert", "Public")
    assert str(flood["cap_info"][0]["cap_severity"]) == "Severe"
    assert str(flood["cap_info"][1]["cap_event"]) == "River flood and tidal flooding"
    air = by_event["Ô nhiễm không khí"]
    assert str(air["cap_info"][0]["cap_severity"]) == "Moderate"
    area = air["cap_info"][0]["cap_area"][0]
    assert str(area["area_description"]) == "Cái Răng" and area["polygons"]


def test_a_warning_that_is_over_becomes_a_cancel_referring_to_the_first(base, engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE unit_indicator SET value = 90 WHERE indicator = 'aqi_max'"))
        evaluate(conn, HOUR + dt.timedelta(minutes=20))
        alert_id, fired = conn.execute(
            text("SELECT id, fired_at FROM alert WHERE subject_kind = 'unit'")
        ).one()
    body = requests.get(f"{base}/cap/{alert_id}.xml", timeout=10).content
    document = etree.fromstring(body)
    SCHEMA.assertValid(document)
    assert document.findtext("cap:msgType", namespaces=CAP) == "Cancel"
    references = document.findtext("cap:references", namespaces=CAP).split(",")
    assert references[1] == f"urn:cantho-ioc:warning:{alert_id}"
    assert dt.datetime.fromisoformat(references[2]) == fired
    assert document.findtext("cap:info/cap:urgency", namespaces=CAP) == "Past"


def test_an_unknown_or_staff_only_id_is_a_clear_404(base, engine) -> None:
    with engine.connect() as conn:
        staff_only = conn.scalar(
            text(
                "SELECT a.id FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE NOT r.public"
            )
        )
    for alert_id in (999999, staff_only, "abc.xml"):
        path = alert_id if isinstance(alert_id, str) else f"{alert_id}.xml"
        answer = requests.get(f"{base}/cap/{path}", timeout=10)
        assert answer.status_code == 404
        assert f"Không có cảnh báo công khai số {alert_id}." in answer.text, answer.text[:200]


def test_only_flood_from_alert_ii_and_bad_air_may_be_public(engine) -> None:
    refused = pytest.raises(RuleRefused, match="public: only flood at Báo động II or more")
    with refused, engine.begin() as conn:
        add_rule(conn, "Ùn tắc", "unit_congestion", 0.5, 0.3, public=True)
    with pytest.raises(RuleRefused, match="public: only"), engine.begin() as conn:
        add_rule(conn, "Báo động I", "gauge_level", 1, 0, public=True)
