"""The bench's reform at scale (``geodata bench --communes N``): the city split into N units
directly under it, covering it without overlaps, with their rollups computed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from geodata.ops.bench import split_into_communes
from geodata.units.lifecycle import tree_on


def test_the_city_is_split_into_communes_that_tile_it_and_have_their_indicators(
    monitored_db: Engine,
) -> None:
    day = dt.date.today() - dt.timedelta(days=1)
    with monitored_db.begin() as conn:
        ids = split_into_communes(conn, 12, day)
    with monitored_db.connect() as conn:
        tree = tree_on(conn, dt.date.today())
        city, parts = conn.execute(
            text(
                "SELECT (SELECT ST_Area(geom) FROM admin_unit WHERE level = 'city'), "
                "(SELECT sum(ST_Area(geom)) FROM admin_unit WHERE id = ANY (:ids))"
            ),
            {"ids": ids},
        ).one()
        with_indicators = conn.scalar(
            text(
                "SELECT count(DISTINCT admin_unit_id) FROM unit_indicator "
                "WHERE admin_unit_id = ANY (:ids)"
            ),
            {"ids": ids},
        )
    assert len(ids) == 12
    assert [line.level for line in tree] == ["city"] + ["ward"] * 12
    assert parts == pytest.approx(city, rel=1e-6)  # the cells tile the city
    assert with_indicators >= 1  # those holding sensors
