"""Reading GET requests' parameters as GeoReport v2 says: W3C times (a date alone, or a time
without an offset, in Cần Thơ time), the 90-day window and the 1,000-request default."""

from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from domain.clock import CITY_TZ
from routes import errors
from routes.open311 import MAX_DAYS, MAX_REQUESTS, parse_moment, request_filter, w3c

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=CITY_TZ)


def test_w3c_times_are_read_with_their_offset_or_in_can_tho_time() -> None:
    utc = dt.datetime(2026, 11, 30, 17, tzinfo=dt.UTC)
    assert parse_moment("start_date", "2026-11-30T17:00:00Z", "en") == utc
    assert parse_moment("start_date", "2026-12-01T00:00:00+07:00", "en") == utc
    assert parse_moment("start_date", "2026-12-01", "en") == utc  # midnight in Cần Thơ
    assert parse_moment("start_date", "2026-12-01T00:00", "en") == utc
    with pytest.raises(errors.InvalidParameter, match="start_date"):
        parse_moment("start_date", "1/12/2026", "en")


def test_times_are_written_in_can_tho_time_with_its_offset() -> None:
    assert w3c(dt.datetime(2026, 11, 30, 17, tzinfo=dt.UTC)) == "2026-12-01T00:00:00+07:00"
    assert w3c(None) is None


def test_without_dates_the_last_90_days_and_1000_requests_at_most() -> None:
    wanted = request_filter(MultiDict(), "en", NOW)
    assert (wanted.start, wanted.end, wanted.limit) == (
        NOW - dt.timedelta(days=MAX_DAYS), None, MAX_REQUESTS)  # fmt: skip
    assert MAX_DAYS == 90 and MAX_REQUESTS == 1000


def test_one_date_alone_spans_90_days_from_it() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=CITY_TZ)
    wanted = request_filter(MultiDict({"start_date": "2026-01-01"}), "en", NOW)
    assert (wanted.start, wanted.end) == (start, start + dt.timedelta(days=90))
    wanted = request_filter(MultiDict({"end_date": "2026-01-01"}), "en", NOW)
    assert (wanted.start, wanted.end) == (start - dt.timedelta(days=90), start)


def test_service_request_id_overrides_every_other_parameter() -> None:
    args = MultiDict({"service_request_id": "PA-AAAAAAA, pa-cccdddd", "status": "nonsense",
                      "start_date": "never"})  # fmt: skip
    wanted = request_filter(args, "en", NOW)
    assert list(wanted.codes) == ["PA-AAAAAAA", "pa-cccdddd"]
    assert wanted.start is None and not wanted.statuses
