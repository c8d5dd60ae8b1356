"""The city's time zone: days, hours of the rollups and every date shown are Cần Thơ's."""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

CITY_TZ_NAME: Final = "Asia/Ho_Chi_Minh"  # as PostgreSQL's AT TIME ZONE reads it
CITY_TZ: Final = ZoneInfo(CITY_TZ_NAME)
