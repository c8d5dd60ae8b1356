"""Date and hour pickers that show dates the way the page's language writes them.

A native ``<input type="date">`` shows the browser's format, not the page's: an official
reading the Vietnamese page in an English browser saw 11/27/2026. Dash's own date picker is
told the format (``date.format`` in the catalog: 27/11/2026 in Vietnamese, 27 Nov 2026 in
English) and names months and weekdays from the date-fns locale the page keeps
(``assets/dates.js``). Its value stays ISO (``YYYY-MM-DD``) for the callbacks and the URL.
"""

from __future__ import annotations

from dash import dcc

from layouts.i18n import t


def date_picker(
    component_id: str, lang: str, value: str | None, class_name: str
) -> dcc.DatePickerSingle:
    """A date picker for ``lang``: the week starts on Monday, as in Vietnam."""
    return dcc.DatePickerSingle(
        id=component_id,
        date=value,
        display_format=t("date.format", lang),
        placeholder=t("date.placeholder", lang),
        first_day_of_week=1,
        className=class_name,
    )


def hour_picker(component_id: str, lang: str) -> dcc.Dropdown:
    """The hour of the day, 00:00 to 23:00: the rollups behind the map are hourly."""
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": f"{hour:02d}:00", "value": hour} for hour in range(24)],
        value=None,
        clearable=False,
        searchable=False,
        placeholder=t("time.hour", lang),
        className="time-hour",
    )
