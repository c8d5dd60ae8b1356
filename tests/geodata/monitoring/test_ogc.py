"""The OGC API collections' queries against a real PostGIS: the public collections read as the
anonymous public (paging, bbox edge cases, datetime intervals, property filters, no personal
data), and the restricted flood reports read in a staff member's scope, walled by the database."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from geodata.db import Scope, get_engine, scope
from geodata.monitoring.catalogue import collections, public_collections
from geodata.monitoring.ogc import (
    ItemsQuery,
    extents,
    feature,
    items_page,
)
from tests.dbutil import add_flood_report

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)
PUBLIC = Scope.public()
COLLECTIONS = collections()
PUBLIC_COLLECTIONS = public_collections()


def _hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def placed(empty_db):
    """Hand-placed features whose relation to the test boxes is known exactly."""
    with empty_db.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO facility (code, source, geom, kind, name, capacity) VALUES
                  ('inside', 't', 'SRID=4326;POINT(105.75 10.05)', 'hospital', 'A', 100),
                  ('on-edge', 't', 'SRID=4326;POINT(105.80 10.05)', 'hospital', 'B', NULL),
                  ('on-corner', 't', 'SRID=4326;POINT(105.80 10.10)', 'clean_water', 'C', 5),
                  ('outside', 't', 'SRID=4326;POINT(105.81 10.05)', 'hospital', 'D', 7),
                  ('west', 't', 'SRID=4326;POINT(105.30 10.20)', 'primary_school', 'E', 300)
                """
            )
        )
        conn.execute(
            text(
                """
                INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh, length_m,
                                          geom) VALUES
                  ('crossing', 't', 'Crosses the edge', 'arterial', 50, 2000,
                   'SRID=4326;LINESTRING(105.79 10.05, 105.85 10.05)'),
                  ('touching', 't', 'Ends on the edge', 'local', 30, 500,
                   'SRID=4326;LINESTRING(105.80 10.02, 105.83 10.02)'),
                  ('beyond', 't', 'Wholly outside', 'local', 30, 500,
                   'SRID=4326;LINESTRING(105.81 10.03, 105.83 10.03)')
                """
            )
        )
        conn.execute(
            text(
                """
                INSERT INTO traffic_incident (code, source, geom, kind, severity, started_at,
                                              ended_at) VALUES
                  ('early', 't', 'SRID=4326;POINT(105.7 10.0)', 'collision', 2, :t0, :t2),
                  ('late', 't', 'SRID=4326;POINT(105.7 10.0)', 'breakdown', 1, :t4, :t6),
                  ('ongoing', 't', 'SRID=4326;POINT(105.7 10.0)', 'roadworks', 3, :t5, NULL)
                """
            ),
            {"t0": _hours(0), "t2": _hours(2), "t4": _hours(4), "t5": _hours(5), "t6": _hours(6)},
        )
    return empty_db


def _page(
    collection_id: str, reader: Scope | None = PUBLIC, **query
) -> tuple[int, int, list[dict]]:
    with scope(reader), get_engine().begin() as conn:
        page = items_page(
            conn, COLLECTIONS[collection_id], ItemsQuery(**{"limit": 100, **query}), TODAY
        )
    features = json.loads(page.features_json)
    assert page.number_returned == len(features)
    return page.number_matched, page.number_returned, features


def _codes(collection_id: str, **query) -> set[str]:
    return {f["properties"]["code"] for f in _page(collection_id, **query)[2]}


BOX = (105.70, 10.00, 105.80, 10.10)


def test_bbox_includes_points_inside_on_the_edge_and_on_the_corner(placed) -> None:
    assert _codes("facilities", bbox=BOX) == {"inside", "on-edge", "on-corner"}


def test_bbox_includes_lines_crossing_or_touching_the_edge_but_not_those_beyond(placed) -> None:
    assert _codes("roads", bbox=BOX) == {"crossing", "touching"}


def test_a_bbox_without_width_or_height_still_finds_what_lies_on_it(placed) -> None:
    assert _codes("facilities", bbox=(105.80, 10.00, 105.80, 10.10)) == {"on-edge", "on-corner"}
    assert _codes("facilities", bbox=(105.75, 10.05, 105.75, 10.05)) == {"inside"}


def test_a_bbox_crossing_the_antimeridian_wraps_round_the_world(placed) -> None:
    # From 170°E eastwards over 180° to 105.5°E: the western facility only.
    assert _codes("facilities", bbox=(170.0, 9.0, 105.5, 11.0)) == {"west"}


def test_a_bbox_elsewhere_matches_nothing(placed) -> None:
    assert _page("facilities", bbox=(0.0, 0.0, 1.0, 1.0)) == (0, 0, [])


def test_paging_returns_every_feature_once_in_id_order(placed) -> None:
    seen: list[int] = []
    offset = 0
    while True:
        matched, returned, features = _page("facilities", limit=2, offset=offset)
        assert matched == 5
        if not returned:
            break
        seen += [f["id"] for f in features]
        offset += 2
    assert len(seen) == 5 and seen == sorted(set(seen))


def test_an_instant_finds_what_was_going_on_then(placed) -> None:
    assert _codes("traffic-incidents", interval=(_hours(1), _hours(1))) == {"early"}
    assert _codes("traffic-incidents", interval=(_hours(5.5), _hours(5.5))) == {"late", "ongoing"}
    assert _codes("traffic-incidents", interval=(_hours(3), _hours(3))) == set()


def test_intervals_closed_and_open_at_either_end(placed) -> None:
    assert _codes("traffic-incidents", interval=(_hours(1), _hours(4.5))) == {"early", "late"}
    assert _codes("traffic-incidents", interval=(None, _hours(1))) == {"early"}
    assert _codes("traffic-incidents", interval=(_hours(7), None)) == {"ongoing"}
    assert _codes("traffic-incidents", interval=(None, None)) == {"early", "late", "ongoing"}


def test_property_filters_match_exactly_and_combine(placed) -> None:
    assert _codes("facilities", filters=(("kind", "hospital"),)) == {
        "inside", "on-edge", "outside",
    }  # fmt: skip
    assert _codes("facilities", filters=(("kind", "hospital"), ("name", "B"))) == {"on-edge"}
    assert _codes("traffic-incidents", filters=(("severity", 3),)) == {"ongoing"}
    assert _codes("facilities", filters=(("kind", "Hospital"),)) == set()


def test_a_feature_by_id_and_an_unknown_id(placed) -> None:
    _, _, features = _page("facilities", filters=(("code", "inside"),))
    fid = features[0]["id"]
    with scope(Scope.public()), get_engine().begin() as conn:
        found = json.loads(feature(conn, COLLECTIONS["facilities"], fid, TODAY) or "null")
        assert feature(conn, COLLECTIONS["facilities"], fid + 1000, TODAY) is None
    with placed.begin() as conn:
        station = conn.scalar(
            text(
                "INSERT INTO sensor (code, source, geom, name, kind) VALUES "
                "('air-1', 't', 'SRID=4326;POINT(105.7 10.0)', 'Air', 'air_station') RETURNING id"
            )
        )
    with scope(Scope.public()), get_engine().begin() as conn:
        # Gauges and air stations share a table: an air station is no gauge.
        assert feature(conn, COLLECTIONS["water-level-gauges"], station, TODAY) is None
        assert feature(conn, COLLECTIONS["air-stations"], station, TODAY) is not None
    assert found["type"] == "Feature" and found["id"] == fid
    assert found["geometry"] == {"type": "Point", "coordinates": [105.75, 10.05]}
    assert found["properties"] == {"code": "inside", "kind": "hospital", "name": "A",
                                   "capacity": 100}  # fmt: skip


def test_extents_cover_the_features_and_their_time(placed) -> None:
    with scope(Scope.public()), get_engine().begin() as conn:
        found = extents(conn, TODAY, PUBLIC_COLLECTIONS)
    assert set(found) == {c.id for c in PUBLIC_COLLECTIONS} == set(COLLECTIONS) - {"flood-reports"}
    assert found["facilities"].bbox == pytest.approx((105.30, 10.05, 105.81, 10.20))
    assert found["facilities"].interval is None
    # One incident is still going on: the span is open at its end.
    assert found["traffic-incidents"].interval == (_hours(0), None)
    assert found["cameras"].bbox is None


@pytest.fixture
def city(monitored_db):
    return monitored_db


def test_every_public_collection_serves_valid_geojson_features_to_the_public(city) -> None:
    for collection in PUBLIC_COLLECTIONS:
        collection_id = collection.id
        matched, returned, features = _page(collection_id, limit=3)
        assert matched > 0, collection_id
        assert returned == min(3, matched)
        for item in features:
            assert item["type"] == "Feature" and isinstance(item["id"], int)
            assert item["geometry"]["type"] == collection.geometry_type, collection_id
            assert "code" in item["properties"]


def test_unit_indicators_carry_latest_values_and_only_a_count_of_flood_reports(city) -> None:
    _, _, features = _page("unit-indicators", filters=(("level", "district"),))
    assert len(features) == 9
    properties = features[0]["properties"]
    assert {"aqi_max", "gauges_above_alert", "congested_share", "flood_reports_24h",
            "coverage_health_station", "hour"} <= set(properties)  # fmt: skip
    assert any(f["properties"]["aqi_max"] is not None for f in features)
    with city.connect() as conn:
        words = list(conn.scalars(text("SELECT description FROM flood_report")))
    assert words and all(words)
    # A citizen's words are in no public collection until staff publish them: the flood
    # reports' are not published, so counts only (citizen-reports shows the report without).
    for collection in PUBLIC_COLLECTIONS:
        collection_id = collection.id
        body = json.dumps(_page(collection_id, limit=10_000)[2], ensure_ascii=False)
        assert not any(w in body for w in words), collection_id
        if collection_id != "citizen-reports":
            assert "description" not in body and "reported_at" not in body, collection_id


def test_admin_units_are_the_current_version_only(city) -> None:
    with city.begin() as conn:
        conn.execute(
            text("UPDATE admin_unit SET valid_to = :end WHERE code = '916'"),
            {"end": TODAY},
        )
    assert _codes("admin-units", filters=(("code", "916"),)) == set()
    assert _codes("admin-units", filters=(("parent_code", "92"),)) == {
        "917", "918", "919", "923", "924", "925", "926", "927",
    }  # fmt: skip


# --- the restricted collection: citizens' flood reports ------------------------------------------


@pytest.fixture
def reports(demo_db):
    """The demo city with reports of its own in Ninh Kiều (916), Ô Môn (917) and Cái Răng (919)."""
    placed = {
        district: [add_flood_report(demo_db, district, _hours(k), f"nhà số {k}, hẻm 5")
                   for k in range(n)]
        for district, n in (("916", 3), ("917", 2), ("919", 1))
    }  # fmt: skip
    return demo_db, placed


def test_only_the_flood_reports_collection_is_restricted() -> None:
    assert [c.id for c in COLLECTIONS.values() if c.restricted] == ["flood-reports"]


def test_the_publics_reader_role_may_not_read_the_flood_reports_at_all(reports) -> None:
    # The second wall: even if the application asked, the database refuses the public's role.
    with pytest.raises(ProgrammingError) as refused:
        _page("flood-reports")
    assert isinstance(refused.value.orig, pg_errors.InsufficientPrivilege)
    with pytest.raises(ProgrammingError), scope(Scope.public()), get_engine().begin() as conn:
        extents(conn, TODAY, [COLLECTIONS["flood-reports"]])


def test_officials_read_every_report_with_the_citizens_words_and_the_unit(reports) -> None:
    _, placed = reports
    matched, _, features = _page("flood-reports", reader=None)
    assert matched == sum(len(codes) for codes in placed.values())
    one = next(f for f in features if f["properties"]["code"] == placed["917"][1])
    assert one["properties"]["description"] == "nhà số 1, hẻm 5"
    assert one["properties"]["parent_code"] == "917"
    assert one["properties"]["reported_at"].startswith("2026-11-25T01:00:00")
    assert one["geometry"]["type"] == "Point"


def _reports_in(engine, unit_codes: list[str]) -> set[str]:
    """What lies in the units, by geometry alone (the owner's view, no application filter)."""
    with engine.connect() as conn:
        return set(
            conn.scalars(
                text(
                    "SELECT r.code FROM flood_report r WHERE EXISTS (SELECT 1 FROM admin_unit u "
                    "WHERE u.code = ANY(:units) AND ST_Covers(u.geom, r.geom))"
                ),
                {"units": unit_codes},
            )
        )


def test_a_ward_scope_reads_only_the_reports_in_its_units_whatever_it_asks(reports) -> None:
    engine, placed = reports
    ward = Scope.ward(["916", "919"])
    expected = _reports_in(engine, ["916", "919"])
    assert expected == set(placed["916"] + placed["919"])
    assert _codes("flood-reports", reader=ward) == expected
    # Asking for Ô Môn by name, or for its box, finds nothing: row-level security decides.
    assert _codes("flood-reports", reader=ward, filters=(("parent_code", "917"),)) == set()
    assert _page("flood-reports", reader=ward, bbox=(105.2, 9.9, 105.9, 10.4))[0] == len(expected)
    with engine.connect() as conn:
        other = conn.scalar(text("SELECT id FROM flood_report WHERE code = :c"),
                            {"c": placed["917"][0]})  # fmt: skip
    with scope(ward), get_engine().begin() as conn:
        assert feature(conn, COLLECTIONS["flood-reports"], other, TODAY) is None
    with scope(None), get_engine().begin() as conn:
        assert feature(conn, COLLECTIONS["flood-reports"], other, TODAY) is not None


def test_the_querys_own_unit_filter_alone_keeps_a_ward_to_its_units(reports) -> None:
    # The first wall without the second: the owner's rights, the units named in the query.
    engine, placed = reports
    assert _codes("flood-reports", reader=None, within_units=("916",)) == _reports_in(
        engine, ["916"]
    ) == set(placed["916"])  # fmt: skip
    with engine.connect() as conn:
        other = conn.scalar(text("SELECT id FROM flood_report WHERE code = :c"),
                            {"c": placed["917"][0]})  # fmt: skip
    collection = COLLECTIONS["flood-reports"]
    with scope(None), get_engine().begin() as conn:
        assert feature(conn, collection, other, TODAY, ["916"]) is None
        assert feature(conn, collection, other, TODAY, ["916", "917"]) is not None
        mine = extents(conn, TODAY, [collection], ["916"])["flood-reports"]
        everyone = extents(conn, TODAY, [collection])["flood-reports"]
    assert mine.interval == (_hours(0), _hours(2)) and mine.bbox != everyone.bbox


def test_flood_reports_filter_by_time_and_unit_and_have_an_extent(reports) -> None:
    _, placed = reports
    early = _codes("flood-reports", reader=None, interval=(None, _hours(0.5)))
    assert early == {placed["916"][0], placed["917"][0], placed["919"][0]}
    assert _codes("flood-reports", reader=None, filters=(("parent_code", "916"),)) == set(
        placed["916"]
    )
    with get_engine().connect() as conn:
        ward_code = conn.scalar(
            text("SELECT u.code FROM flood_report r JOIN admin_unit u ON u.id = r.admin_unit_id "
                 "WHERE r.code = :c"), {"c": placed["919"][0]}
        )  # fmt: skip
    assert _codes("flood-reports", reader=None, filters=(("unit_code", ward_code),)) == set(
        placed["919"]
    )
    with scope(None), get_engine().begin() as conn:
        found = extents(conn, TODAY, [COLLECTIONS["flood-reports"]])["flood-reports"]
    assert found.interval == (_hours(0), _hours(2))
    assert found.bbox is not None
