"""What a request asks for, read on the server: language (cookie) and URL parameters.

Nothing about the user is kept in process memory; everything comes with each request, so any
worker can serve any request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

import flask

from domain.clock import CITY_TZ
from layouts.i18n import DEFAULT_LANGUAGE, language

LANG_COOKIE = "lang"
_CODE = re.compile(r"^[0-9A-Za-z._-]{1,32}$")


def current_language() -> str:
    """The caller's language from the ``lang`` cookie; Vietnamese when absent or unknown."""
    if not flask.has_request_context():
        return DEFAULT_LANGUAGE
    return language(flask.request.cookies.get(LANG_COOKIE))


def today() -> dt.date:
    """Today in Cần Thơ (UTC+7), whatever the server's clock zone."""
    return dt.datetime.now(CITY_TZ).date()


@dataclass(frozen=True)
class MapRequest:
    """The selection a URL carries: ``?unit=916&date=2024-05-01&view=10.03,105.76,13``."""

    unit: str | None
    on_date: dt.date
    date_given: bool
    view: tuple[float, float, float] | None  # lat, lon, zoom the user last looked at


def parse_search(search: str | None) -> MapRequest:
    """Read the URL query; anything malformed is ignored rather than trusted."""
    params = parse_qs((search or "").lstrip("?"))

    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    unit = first("unit")
    if unit is not None and not _CODE.match(unit):
        unit = None
    on_date, date_given = today(), False
    raw_date = first("date")
    if raw_date:
        with contextlib.suppress(ValueError):
            on_date, date_given = dt.date.fromisoformat(raw_date), True
    view = None
    raw_view = first("view")
    if raw_view:
        try:
            lat, lon, zoom = (float(v) for v in raw_view.split(","))
            if -90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 22:
                view = (lat, lon, zoom)
        except ValueError:
            pass
    return MapRequest(unit=unit, on_date=on_date, date_given=date_given, view=view)
