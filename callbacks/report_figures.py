"""The panel's section "Phản ánh của người dân": the selected unit's figures of citizens' reports
for the last 30 days, beside the KPI cards, and their weekly trend.

The unit is decided as for every callback (``web.access.authorised_unit``); the figures are then
read as the public reads them (``public_report``), so a ward's staff, an official and a resident
see the same numbers for a unit, and the statistics page and the kiosk agree with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dash import Input, Output, callback, dcc, html, no_update
from sqlalchemy.exc import DBAPIError

from domain.report_figures import PERIODS
from geodata.db import Scope, reading, scope
from geodata.errors import UnknownUnit
from geodata.reports.figures import last_days, unit_figures, weekly
from layouts import ids
from layouts.i18n import t
from layouts.report_figures import figure_cards, period_label, shown_figures, trend_chart
from web.access import AccessDenied, authorised_unit, current_caller
from web.request import current_language

DAYS = PERIODS[0]


@callback(
    Output(ids.REPORT_FIGURES, "children"),
    Input(ids.URL, "search"),
    Input(ids.REFRESH, "n_intervals"),
)
def show_report_figures(search: str | None, _refresh: int | None) -> Any:
    """The unit's figures of the last 30 days, up to now."""
    lang = current_language()
    now = dt.datetime.now(dt.UTC)
    try:
        with reading() as conn:
            unit = authorised_unit(conn, current_caller(), search)
        start, end = last_days(now, DAYS)
        with scope(Scope.public()), reading() as conn:
            figures = unit_figures(conn, unit.id, start, end, now)
            weeks = weekly(conn, unit.id, start, end)
    except (UnknownUnit, AccessDenied):
        return []
    except DBAPIError:
        return no_update
    heading = html.H3(
        [t("figures.title", lang), html.Small(period_label(DAYS, lang), className="period")]
    )
    link = dcc.Link(
        t("figures.stats_link", lang),
        href=f"/thong-ke-phan-anh?unit={unit.code}",
        refresh=True,  # a server page, not one of the map's views
        className="stats-link",
    )
    cards = html.Div(figure_cards(shown_figures(figures, DAYS, lang)), className="kpis")
    if not figures.received:  # every share and time then says why it has no value
        return [heading, html.P(t("figures.none_received", lang), className="hint"), cards, link]
    return [heading, cards, trend_chart(weeks, lang), link]
