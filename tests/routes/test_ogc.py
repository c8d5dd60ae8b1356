"""Reading the OGC API's query parameters: every bad value is refused with a message naming it."""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.monitoring.catalogue import collections
from routes.ogc import BadRequest, parse_bbox, parse_datetime, parse_items_query

COLLECTIONS = collections()

UTC = dt.UTC
ICT = dt.timezone(dt.timedelta(hours=7))


def test_a_bbox_of_four_or_six_numbers() -> None:
    assert parse_bbox("105.7,10,105.8,10.1", "en") == (105.7, 10.0, 105.8, 10.1)
    assert parse_bbox("105.7,10,0,105.8,10.1,50", "en") == (105.7, 10.0, 105.8, 10.1)
    # West above east: the box crosses the antimeridian, which is allowed.
    assert parse_bbox("170,9,105.5,11", "en") == (170.0, 9.0, 105.5, 11.0)


@pytest.mark.parametrize(
    "raw",
    ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "105.7,10,105.8,nan", "105.7,10.1,105.8,10",
     "105.7,-91,105.8,10", "181,10,182,11", "105.7,10,105.8,inf"],
)  # fmt: skip
def test_a_bad_bbox_is_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(BadRequest, match="bbox"):
        parse_bbox(raw, "en")


def test_instants_days_and_intervals() -> None:
    moment = dt.datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert parse_datetime("2026-11-25T10:00:00Z", "en") == (moment, moment)
    assert parse_datetime("2026-11-25T17:00:00+07:00/..", "en") == (moment, None)
    assert parse_datetime("../2026-11-25T10:00:00Z", "en") == (None, moment)
    assert parse_datetime("/2026-11-25T10:00:00Z", "en") == (None, moment)
    # A day is the whole day in Cần Thơ time.
    start, end = parse_datetime("2026-11-25", "en")
    assert start == dt.datetime(2026, 11, 25, tzinfo=ICT)
    assert end is not None and end < dt.datetime(2026, 11, 26, tzinfo=ICT) < end + dt.timedelta(
        seconds=1
    )


@pytest.mark.parametrize(
    "raw",
    ["", "..", "../..", "yesterday", "2026-11-25T10:00:00", "2026-11-26T00:00Z/2026-11-25T00:00Z",
     "2026-11-25T10:00:00Z/2026-11-26T10:00:00Z/2026-11-27T10:00:00Z", "2026-13-01"],
)  # fmt: skip
def test_a_bad_datetime_is_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(BadRequest, match="datetime"):
        parse_datetime(raw, "en")


def _query(collection: str, **args: str):
    return parse_items_query(COLLECTIONS[collection], args, "en")


def test_items_parameters_are_read_with_defaults() -> None:
    query = _query("traffic-incidents", severity="2", kind="collision", bbox="105,9,106,11")
    assert (query.limit, query.offset, query.bbox) == (100, 0, (105.0, 9.0, 106.0, 11.0))
    assert query.filters == (("kind", "collision"), ("severity", 2))
    assert _query("facilities", limit="50000").limit == 10_000  # the maximum, not an error


@pytest.mark.parametrize(
    ("args", "named"),
    [({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"), ({"limit": "-5"}, "limit"),
     ({"offset": "-1"}, "offset"), ({"offset": "1.5"}, "offset"),
     ({"bbox-crs": "EPSG:3405"}, "bbox-crs"), ({"colour": "red"}, "colour"),
     ({"datetime": "2026-11-25T10:00:00Z"}, "datetime"), ({"capacity": "5"}, "capacity")],
)  # fmt: skip
def test_bad_or_unknown_items_parameters_are_refused_by_name(args, named) -> None:
    # Facilities have no time and capacity is not one of their queryables.
    with pytest.raises(BadRequest, match=named):
        _query("facilities", **args)


def test_an_integer_queryable_takes_only_integers() -> None:
    with pytest.raises(BadRequest, match="severity"):
        _query("traffic-incidents", severity="high")
