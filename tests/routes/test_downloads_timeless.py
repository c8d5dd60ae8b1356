"""Downloads before any sensor has reported: layers that do not change by the hour (facilities,
roads) still come with their features; layers of an hour's readings come back empty."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from geodata.demo.sample import write_sample
from tests.dbutil import truncate_all


@pytest.fixture
def no_readings_yet(engine):
    """The demo city with its roads, sensors and facilities, before the first reading."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:
        for table in ("reading", "reading_hourly", "reading_daily", "sensor_indicator",
                      "unit_indicator"):  # fmt: skip
            conn.execute(text(f"DELETE FROM {table}"))
    return engine


def _features(path: str) -> list[dict]:
    from app import server

    response = server.test_client().get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.loads(response.get_data(as_text=True))["features"]


def test_facilities_and_roads_download_before_the_first_reading(no_readings_yet) -> None:
    facilities = _features("/download/facilities.geojson?unit=916")
    assert facilities and all(f["properties"]["kind"] for f in facilities)
    roads = _features("/download/roads.geojson?unit=916")
    assert roads, "the roads of Ninh Kiều exist whether or not a detector has reported"
    assert all(f["properties"]["speed_kmh"] is None for f in roads)  # no speeds yet: none made up
    # Readings of an hour: there is no hour yet, so there is nothing to give.
    assert _features("/download/gauges.geojson?unit=916") == []
    assert _features("/download/air.geojson?unit=916") == []
