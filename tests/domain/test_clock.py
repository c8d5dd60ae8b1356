"""The city's clock: a moment as a ``datetime-local`` input or an ``?at=`` parameter carries it."""

from __future__ import annotations

import datetime as dt

from domain.clock import CITY_TZ, local_iso, parse_local


def test_a_local_moment_reads_as_can_tho_time_and_back() -> None:
    moment = parse_local("2026-11-26T14:00")
    assert moment == dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    assert local_iso(moment) == "2026-11-26T14:00"
    assert parse_local("yesterday") is None and parse_local(None) is None


def test_a_moment_with_its_own_offset_keeps_it() -> None:
    moment = parse_local("2026-11-26T14:00+00:00")
    assert moment == dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
    assert local_iso(moment) == "2026-11-26T21:00"
    assert moment.astimezone(CITY_TZ).hour == 21
