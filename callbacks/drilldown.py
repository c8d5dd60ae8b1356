"""Drill-down: the URL says which unit is selected; the map, breadcrumb and panel follow it."""

from __future__ import annotations

import time
from typing import Any

from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    no_update,
)
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import DBAPIError

from domain.units import DrillView
from geodata.db import reading
from geodata.errors import UnknownUnit
from geodata.monitoring.queries import unit_by_code, unit_view
from geodata.units.succession import gone
from layouts import ids
from layouts.i18n import fmt_date, t
from layouts.panel import breadcrumb, children_panel, error_panel, gone_panel, unit_panel
from web.access import (
    AccessDenied,
    Caller,
    authorised_unit,
    current_caller,
    home_code,
    trail_for,
    visible_unit_ids,
)
from web.request import current_language, parse_search, today

_EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}
# The page's class: "refused" hides the map, its controls, the KPIs and the chart (style.css).
_SHOWN, _REFUSED = "page", "page refused"


def _viewport(view: DrillView, remembered: tuple[float, float, float] | None) -> dict[str, Any]:
    """The user's own view when the URL remembers one, else the selected unit's bounds."""
    if remembered:
        lat, lon, zoom = remembered
        return {"center": [lat, lon], "zoom": zoom, "transition": "setView"}
    xmin, ymin, xmax, ymax = view.selected.bounds
    # The padding that keeps the unit clear of the legend and layers control depends on the
    # map's size on the screen: the browser adds it (cantho.fitMap).
    return {"bounds": [[ymin, xmin], [ymax, xmax]], "transition": "fitBounds"}


def _home_label(caller: Caller, lang: str) -> str:
    """The link home on a refused page, naming where it goes: the caller's unit, or the city."""
    try:
        with reading() as conn:
            on_date = today()
            home = unit_by_code(conn, home_code(conn, caller, on_date), on_date)
    except (UnknownUnit, DBAPIError):
        return t("refusal.home", lang)
    return t("refusal.home_unit", lang, name=home.name)


def _refused(panel: list, shown_date: Any) -> tuple:
    """A unit the caller may not see, or none on the day: the panel saying why, with a way on,
    and nothing else (an empty map, KPIs or chart would say nothing true)."""
    return _EMPTY, no_update, [], panel, [], True, no_update, shown_date, _REFUSED, no_update


def _refusal(message: str, caller: Caller, lang: str) -> list:
    """The panel of a refusal: the message and a way home."""
    return error_panel(message, _home_label(caller, lang))


def _gone(code: str, on_date: Any, date_given: bool, caller: Caller, lang: str) -> list | None:
    """The panel for a code whose unit ended before the day shown (or begins after it), with
    the units that took over; None if the code was never a unit's, or the database is away."""
    try:
        with reading() as conn:
            found = gone(conn, code, on_date)
    except DBAPIError:
        return None
    if found is None:
        return None
    return gone_panel(found, lang, on_date if date_given else None, _home_label(caller, lang))


# What the selection sets, in show_selection's order: the page's layout is built holding them
# (prefill_selection), and the callback sets them again when the URL changes.
SELECTION = (
    (ids.UNITS, "data"),
    (ids.CONTEXT, "data"),
    (ids.BREADCRUMB, "children"),
    (ids.PANEL, "children"),
    (ids.CHILDREN, "children"),
    (ids.DEMO_BADGE, "hidden"),
    (ids.MAP_FIT, "data"),
    (ids.DATE, "date"),
    (ids.PAGE, "className"),
    (ids.MAP, "invalidateSize"),
)


@callback(
    *(Output(component, prop) for component, prop in SELECTION),
    Input(ids.URL, "search"),
    State(ids.PREFILLED, "data"),
)
def show_selection(search: str | None, prefilled: str | None = None) -> tuple:
    """Everything that depends on the selected unit and date, from one query of PostGIS.
    ``prefilled``: the query the layout was built for, whose first call has nothing to add."""
    if prefilled is not None and prefilled == (search or "") and ctx.triggered_id is None:
        raise PreventUpdate
    req = parse_search(search)
    lang = current_language()
    caller = current_caller()
    shown_date = req.on_date.isoformat() if req.date_given else no_update
    try:
        with reading() as conn:
            # Refused (and audited once for all the page's requests refused alike) as by every
            # other callback and route: one decision, in web.access.
            view = unit_view(conn, authorised_unit(conn, caller, search), req.on_date)
            # Ward staff get only their own units drawn, even beside a selected ward.
            visible = set(visible_unit_ids(conn, caller, [f["id"] for f in view.shown["features"]]))
    except AccessDenied:
        return _refused(_refusal(t("error.denied", lang), caller, lang), shown_date)
    except UnknownUnit:
        if req.unit and (panel := _gone(req.unit, req.on_date, req.date_given, caller, lang)):
            return _refused(panel, shown_date)
        key = "error.unknown_unit" if req.unit else "error.no_units"
        message = t(key, lang, code=req.unit, date=fmt_date(req.on_date, lang))
        return _refused(_refusal(message, caller, lang), shown_date)
    except DBAPIError:
        # Keep what is on screen; say why nothing changed.
        return (no_update,) * 3 + (error_panel(t("error.database", lang)),) + (no_update,) * 6
    link_date = req.on_date if req.date_given else None
    parent = view.trail[-1] if view.trail else None
    shown = {**view.shown, "features": [f for f in view.shown["features"] if f["id"] in visible]}
    return (
        shown,
        view.context,
        breadcrumb(trail_for(caller, view.trail), view.selected, link_date, lang),
        unit_panel(view.selected, parent, lang),
        children_panel(view.children, lang, link_date),
        not view.is_demo,
        _viewport(view, req.view),
        shown_date,
        _SHOWN,
        # A new value makes Leaflet measure the map again: it may have been hidden (refused)
        # while the window changed size, and would then fit the unit into a stale size.
        time.time_ns(),
    )


def prefill_selection(layout: Component, search: str) -> None:
    """Build ``layout`` (the page) already holding what ``show_selection`` sets for ``search``:
    the units are drawn as soon as the page's scripts have run, without waiting for a callback
    after the layout (about a quarter of the time to a drawn map). The callback's first call
    for the same query is then skipped. The database away leaves the layout as it was, for the
    callback to try again."""
    values = show_selection(search)
    if values[0] is no_update:
        return
    found = {getattr(c, "id", None): c for c in layout._traverse()}
    for (component, prop), value in zip(SELECTION, values, strict=True):
        # The map measures its size again once it is on screen anyway.
        if value is not no_update and component in found and component != ids.MAP:
            setattr(found[component], prop, value)
    if ids.PREFILLED in found:
        found[ids.PREFILLED].data = search


clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="fitMap"),
    Output(ids.MAP, "viewport"),
    Input(ids.MAP_FIT, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="drillTo"),
    Output(ids.NAV_SYNC, "data", allow_duplicate=True),
    Input(ids.UNITS, "clickData"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="rememberView"),
    Output(ids.VIEW_SYNC, "data"),
    Input(ids.MAP, "center"),
    Input(ids.MAP, "zoom"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="setDate"),
    Output(ids.NAV_SYNC, "data", allow_duplicate=True),
    Input(ids.DATE, "date"),
    prevent_initial_call=True,
)
