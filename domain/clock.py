"""The city's time zone: days, hours of the rollups and every date shown are Cần Thơ's; and the
moments a ``datetime-local`` input or a ``?at=`` parameter carries, read as Cần Thơ time."""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

CITY_TZ_NAME: Final = "Asia/Ho_Chi_Minh"  # as PostgreSQL's AT TIME ZONE reads it
CITY_TZ: Final = ZoneInfo(CITY_TZ_NAME)


def parse_local(value: str | None) -> dt.datetime | None:
    """A ``datetime-local`` value ("2026-11-26T14:00") as an aware time in Cần Thơ."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=CITY_TZ) if moment.tzinfo is None else moment


def local_iso(moment: dt.datetime) -> str:
    """The value a ``datetime-local`` input shows for an aware time."""
    return moment.astimezone(CITY_TZ).strftime("%Y-%m-%dT%H:%M")
