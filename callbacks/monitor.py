"""Monitoring callbacks: the four layers, the choropleth, legend, time control, KPIs and charts.

Every callback reads the selection from the URL and the moment from the time store, decides on
the server what to query, and reads rollups only. In live mode the refresh interval re-reads the
data without touching the map's view or open popups (only layer data changes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import parse_qs

import orjson
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    html,
    no_update,
)
from dash.exceptions import MissingCallbackContextException
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from domain import indicators, themes
from domain.clock import CITY_TZ, local_iso, parse_local
from domain.names import localised
from domain.units import Unit
from geodata.db import reading
from geodata.errors import UnknownUnit
from geodata.forecast.issue import Stored, latest
from geodata.monitoring import catalogue, layers
from layouts import ids
from layouts.i18n import CATALOG, fmt_moment, fmt_number, isolated, t
from layouts.monitor import (
    add_forecast,
    add_note,
    choropleth_hideout,
    kpi_cards,
    layer_name,
    legend,
    series_figure,
)
from web.access import (
    AccessDenied,
    authorised_unit,
    current_caller,
    may_read,
    may_see_sensor,
    refuse,
    visible_unit_ids,
)
from web.request import current_language, parse_search

EMPTY = layers.EMPTY
PLAY_STEPS = {ids.PLAY_24H: (24, 1), ids.PLAY_7D: (7 * 24, 6)}  # hours back, hours per step


# --- time -------------------------------------------------------------------------------------


def moment(conn: Connection, time: dict[str, Any] | None) -> tuple[dt.datetime | None, bool]:
    """The moment to show and whether it is live: live means the latest hour with data."""
    at = parse_local((time or {}).get("at"))
    if at is None:
        return layers.latest_hour(conn, dt.datetime.now(dt.UTC)), True
    return at, False


def selected_unit(conn: Connection, search: str | None) -> Unit:
    """The unit the URL selects (the caller's home unit when none), if the caller may see it.

    The selection callback, fired by the same URL, says why a unit is refused; these send
    nothing. Each audits the refusal, which is written once for the page's requests alike, and
    once for a forged request made on its own."""
    return authorised_unit(conn, current_caller(), search)


def moment_value(day: str | None, hour: int | None) -> str | None:
    """The moment the day and hour pickers show, as local ISO text (None without a day; the
    day's first hour until an hour is picked)."""
    if not day:
        return None
    return f"{day[:10]}T{hour or 0:02d}:00"


def moment_pickers(at: str | None) -> tuple[str | None, int | None]:
    """What the day and hour pickers show for a local ISO moment."""
    moment = parse_local(at)
    return (moment.date().isoformat(), moment.hour) if moment else (None, None)


def picked_moment(day: str | None, hour: int | None, current: dt.datetime | None) -> str | None:
    """The moment the pickers mean. A day picked alone keeps the hour of the moment shown
    (``current``): the map does not jump to midnight while the hour box is still empty."""
    if day and hour is None and current is not None:
        hour = current.astimezone(CITY_TZ).hour
    return moment_value(day, hour)


Span = tuple[dt.datetime, dt.datetime]  # the first and the latest hour with data


def date_limits(span: Span | None) -> tuple[str | None, str | None]:
    """The first and the last day the day picker offers: the days with data, in Cần Thơ."""
    if span is None:
        return None, None
    first, last = span
    return first.astimezone(CITY_TZ).date().isoformat(), last.astimezone(CITY_TZ).date().isoformat()


def hour_options(day: str | None, span: Span | None) -> list[dict[str, Any]]:
    """The hour picker's 24 hours; on ``day``, those before the first or after the latest data
    cannot be picked."""
    options: list[dict[str, Any]] = []
    for hour in range(24):
        option: dict[str, Any] = {"label": f"{hour:02d}:00", "value": hour}
        at = parse_local(moment_value(day, hour))
        if at is not None and span is not None and not span[0] <= at <= span[1]:
            option["disabled"] = True
        options.append(option)
    return options


@callback(
    Output(ids.TIME_MODE, "value"),
    Output(ids.TIME_DAY, "date"),
    Output(ids.TIME_HOUR, "value"),
    Input(ids.URL, "search"),
)
def time_from_url(search: str | None) -> tuple[str, str | None, int | None]:
    """A shared link with ``at=`` opens on that moment; without it, live."""
    values = parse_qs((search or "").lstrip("?")).get("at") or [""]
    at = parse_local(values[0])
    return ("history", *moment_pickers(local_iso(at))) if at else ("live", None, None)


@callback(
    Output(ids.TIME_DAY, "min_date_allowed"),
    Output(ids.TIME_DAY, "max_date_allowed"),
    Output(ids.TIME_HOUR, "options"),
    Input(ids.URL, "search"),
    Input(ids.REFRESH, "n_intervals"),
    Input(ids.TIME_DAY, "date"),
)
def time_limits(_search, _refresh, day):
    """The pickers offer only the days and hours that have data (the latest grows when live)."""
    try:
        with reading() as conn:
            span = layers.data_range(conn, dt.datetime.now(dt.UTC))
    except DBAPIError:
        return no_update, no_update, no_update
    return (*date_limits(span), hour_options(day, span))


LIVE: dict[str, Any] = {"at": None, "play": None}


def _stopped(play: dict[str, Any], at: str | None) -> dict[str, Any]:
    """Where a play ends or is stopped: a play started live goes back to live; one started from
    a moment stays at the moment reached."""
    return dict(LIVE) if play.get("from") == "live" else {"at": at, "play": None}


def next_time_state(
    trigger: str | None,
    mode: str,
    at_value: str | None,
    state: dict[str, Any] | None,
    latest: dt.datetime | None,
    first: dt.datetime | None = None,
) -> dict[str, Any]:
    """The time store after a control changed: live, a fixed moment, or one step of play.

    Play runs up to the moment shown (or the latest data when live) from 24 h or 7 days before,
    but not from before the first data (``first``). Played from live, it ends back in live, and
    Stop goes back to live; played from a moment, Stop pauses at the moment reached.
    """
    state = dict(state or LIVE)
    play = state.get("play")
    if trigger in PLAY_STEPS:
        hours_back, step = PLAY_STEPS[trigger]
        if play:  # pressed again while playing: the same end, and back to the same place
            last, origin = parse_local(play["end"]), play.get("from", "history")
        elif mode == "history":
            last = parse_local(at_value) or parse_local(state.get("at")) or latest
            origin = "history"
        else:
            last, origin = latest, "live"
        if last is None:
            return state
        start = last - dt.timedelta(hours=hours_back)
        if first is not None and first < last:
            start = max(start, first)
        return {
            "at": local_iso(start),
            "play": {"end": local_iso(last), "step": step, "from": origin},
        }
    if trigger == ids.PLAYER:
        if not play:
            return state
        current = parse_local(state.get("at"))
        stop_at = parse_local(play["end"])
        if current is None or stop_at is None:
            return _stopped(play, state.get("at"))
        nxt = current + dt.timedelta(hours=play["step"])
        if nxt >= stop_at:
            return _stopped(play, local_iso(stop_at))
        return {"at": local_iso(nxt), "play": play}
    if trigger == ids.STOP:
        if play:
            return _stopped(play, state.get("at"))
        return dict(LIVE) if mode == "live" else {"at": state.get("at"), "play": None}
    if trigger in (ids.TIME_DAY, ids.TIME_HOUR) and at_value == state.get("at"):
        return state  # the pickers caught up with the moment shown (as during play): nothing new
    if mode == "live":
        return dict(LIVE)
    if at_value is None:  # history chosen, no moment picked yet: start from the one shown
        at_value = state.get("at") or (local_iso(latest) if latest else None)
    return {"at": at_value if parse_local(at_value) else None, "play": None}


@callback(
    Output(ids.TIME, "data"),
    Output(ids.PLAYER, "disabled"),
    Output(ids.TIME_MODE, "value", allow_duplicate=True),
    Output(ids.TIME_DAY, "date", allow_duplicate=True),
    Output(ids.TIME_HOUR, "value", allow_duplicate=True),
    Input(ids.TIME_MODE, "value"),
    Input(ids.TIME_DAY, "date"),
    Input(ids.TIME_HOUR, "value"),
    Input(ids.PLAY_24H, "n_clicks"),
    Input(ids.PLAY_7D, "n_clicks"),
    Input(ids.STOP, "n_clicks"),
    Input(ids.PLAYER, "n_intervals"),
    State(ids.TIME, "data"),
    State(ids.TIME_SHOWN, "data"),
    prevent_initial_call=True,
)
def update_time(mode, day, hour, _p24, _p7, _stop, _tick, state, shown=None):
    """Keep the time store, the mode and the pickers in step; play advances one step per tick
    once the step before is on the map."""
    trigger = _trigger()
    state = state or dict(LIVE)
    if trigger == ids.PLAYER and state.get("play") and shown != state.get("at"):
        # The step before is not drawn yet: wait, so the label, the boxes and the map keep step.
        return (no_update,) * 5
    span = None
    if trigger != ids.PLAYER:
        try:
            with reading() as conn:
                span = layers.data_range(conn, dt.datetime.now(dt.UTC))
        except DBAPIError:
            pass  # no range: live stays live and a play cannot start; the label says why
    first, latest = span or (None, None)
    at_value = picked_moment(day, hour, parse_local(state.get("at")) or latest)
    new = next_time_state(trigger, mode, at_value, state, latest, first)
    new_mode = "history" if new["at"] else "live"
    # During play the boxes follow the moment drawn (cantho.showMoment), not the one asked for.
    pickers: tuple[Any, Any] = (no_update, no_update)
    if not new["play"] and moment_pickers(new["at"]) != ((day or "")[:10] or None, hour):
        pickers = moment_pickers(new["at"])
    return (
        no_update if new == state else new,
        new["play"] is None,
        no_update if new_mode == mode else new_mode,
        *pickers,
    )


@callback(
    Output(ids.TIME_DAY, "disabled"),
    Output(ids.TIME_HOUR, "disabled"),
    Input(ids.TIME_MODE, "value"),
)
def enable_moment(mode: str) -> tuple[bool, bool]:
    """The moment can be picked in history mode only; live always shows the latest hour."""
    return mode != "history", mode != "history"


clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="rememberTime"),
    Output(ids.TIME_SYNC, "data"),
    Input(ids.TIME, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="showMoment"),
    Output(ids.TIME_DAY, "date", allow_duplicate=True),
    Output(ids.TIME_HOUR, "value", allow_duplicate=True),
    Input(ids.TIME_SHOWN, "data"),
    State(ids.TIME, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="cantho", function_name="rememberLayers"),
    Output(ids.LAYERS_SYNC, "data"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    Input(ids.URL, "search"),  # links (breadcrumb, child list) lead to URLs without them
    State(ids.LAYER_KEYS, "data"),
    prevent_initial_call=True,
)


def _time_label(at: dt.datetime | None, live: bool, lang: str, measured: bool = True) -> str:
    if at is None:
        return t("time.no_data", lang)
    shown = fmt_moment(at.astimezone(CITY_TZ), lang)
    if not measured:
        return t("time.no_data_at", lang) + f" · {shown}"
    return ("● " if live else "") + t("time.showing", lang, time=shown)


# --- layers -----------------------------------------------------------------------------------


def active_layers(overlays: list[str] | None, lang: str) -> list[str]:
    """The themes switched on in the layers control (it reports their translated names)."""
    names = {layer_name(k, lang): k for k in catalogue.themes()}
    return [names[o] for o in overlays or [] if o in names]


def _trigger() -> Any:
    """The id of the input that fired, or None when called as a plain function (tests)."""
    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None


def _skip_refresh(time: dict[str, Any] | None) -> bool:
    """The refresh interval only matters when live."""
    return _trigger() == ids.REFRESH and bool((time or {}).get("at"))


_DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def only_changed(payloads: list[Any], sent: list[str] | None) -> tuple[list[Any], list[str]]:
    """``no_update`` for every layer whose data the browser already has, so a refresh that
    brings nothing new leaves those layers (and their open popups) alone; plus the digests."""
    digests = [
        # orjson: a city's roads are half a megabyte; json.dumps took a quarter of the callback.
        hashlib.sha1(orjson.dumps(p, option=_DIGEST_OPTIONS, default=str)).hexdigest()
        for p in payloads
    ]
    previous = sent or []
    shown = [
        no_update if k < len(previous) and previous[k] == d else p
        for k, (p, d) in enumerate(zip(payloads, digests, strict=True))
    ]
    return shown, digests


def _group(refresh: str) -> list[catalogue.Layer]:
    """The map's layers that are read again on the same inputs (``LayerInfo.refresh``)."""
    return [x for x in catalogue.on_map() if x.info.refresh == refresh]


# The map's layers by what makes them change; each group is one callback (one request).
MOMENT_LAYERS = _group("moment")
VIEW_LAYERS = _group("view")
STATIC_LAYERS = _group("static")


def read_layers(
    conn: Connection,
    group: list[catalogue.Layer],
    active: list[str],
    unit: Unit,
    at: dt.datetime,
    bbox: layers.BBox | None = None,
    zoom: float | None = None,
    kind: str | None = None,
    on_date: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Each layer of the group in the unit at the moment: its features when its theme is on
    and the caller may read it, else nothing."""
    caller = current_caller()
    return [
        x.features(conn, catalogue.View.of(x.info, "map", unit, at, bbox, zoom, kind, on_date))
        if x.info.theme in active and may_read(caller, x.info.visibility)
        else EMPTY
        for x in group
    ]


@callback(
    *(Output(x.info.map_id, "data") for x in MOMENT_LAYERS),
    Output(ids.TIME_LABEL, "children"),
    Output(ids.FLOOD_AIR_SENT, "data"),
    Output(ids.TIME_SHOWN, "data"),
    Input(ids.URL, "search"),
    Input(ids.TIME, "data"),
    Input(ids.REFRESH, "n_intervals"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    State(ids.FLOOD_AIR_SENT, "data"),
)
def moment_layers(search, time, _refresh, overlays, sent=None):
    """The layers of the moment (gauges, inundated areas, flood reports, air stations…) for the
    unit; the label says which moment (or that it has no data), and the moment drawn goes back
    to the time control (a play waits for it)."""
    count = len(MOMENT_LAYERS)
    if _skip_refresh(time):
        return (no_update,) * (count + 3)
    lang = current_language()
    active = active_layers(overlays, lang)
    drawn = (time or {}).get("at")
    measured = True
    try:
        with reading() as conn:
            unit = selected_unit(conn, search)
            at, live = moment(conn, time)
            measured = at is None or live or layers.has_data(conn, at)
            if at is None or not measured:
                data = [EMPTY] * count
            else:
                data = read_layers(conn, MOMENT_LAYERS, active, unit, at)
    except (UnknownUnit, AccessDenied):
        # The selection callback says why; the page hides the map. The moment is drawn, so
        # a play does not wait for it.
        return (no_update,) * (count + 2) + (drawn,)
    except DBAPIError:
        return (no_update,) * count + (t("error.database", lang), no_update, drawn)
    shown, digests = only_changed(data, sent)
    return (*shown, _time_label(at, live, lang, measured), digests, drawn)


@callback(
    *(Output(x.info.map_id, "data") for x in VIEW_LAYERS),
    Output(ids.TRAFFIC_SENT, "data"),
    Input(ids.URL, "search"),
    Input(ids.TIME, "data"),
    Input(ids.REFRESH, "n_intervals"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    Input(ids.MAP, "bounds"),
    Input(ids.MAP, "zoom"),
    State(ids.TRAFFIC_SENT, "data"),
)
def view_layers(search, time, _refresh, overlays, bounds, zoom, sent=None):
    """The layers read for the part of the map on screen (roads: arterials only at city zoom;
    incidents and cameras)."""
    count = len(VIEW_LAYERS)
    if _skip_refresh(time):
        return (no_update,) * (count + 1)
    data = [EMPTY] * count
    active = active_layers(overlays, current_language())
    if any(x.info.theme in active for x in VIEW_LAYERS):
        try:
            with reading() as conn:
                unit = selected_unit(conn, search)
                at, _ = moment(conn, time)
                if at is not None:
                    box = _bbox(bounds) or unit.bounds
                    data = read_layers(conn, VIEW_LAYERS, active, unit, at, box, float(zoom or 10))
        except (UnknownUnit, AccessDenied, DBAPIError):
            return (no_update,) * (count + 1)
    shown, digests = only_changed(data, sent)
    return (*shown, digests)


def _bbox(bounds: Any) -> layers.BBox | None:
    """Leaflet's [[south, west], [north, east]] as (west, south, east, north), if well-formed."""
    try:
        (south, west), (north, east) = bounds
        return float(west), float(south), float(east), float(north)
    except (TypeError, ValueError):
        return None


@callback(
    *(Output(x.info.map_id, "data") for x in STATIC_LAYERS),
    Input(ids.URL, "search"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    Input(ids.SERVICE_KIND, "value"),
)
def static_layers(search, overlays, kind):
    """The layers that do not change by the hour: facilities of the chosen kind and the
    residents beyond their service distance."""
    count = len(STATIC_LAYERS)
    active = active_layers(overlays, current_language())
    if not any(x.info.theme in active for x in STATIC_LAYERS):
        return tuple([EMPTY] * count) if count > 1 else EMPTY
    try:
        with reading() as conn:
            unit = selected_unit(conn, search)
            now, on_date = dt.datetime.now(dt.UTC), parse_search(search).on_date
            data = read_layers(conn, STATIC_LAYERS, active, unit, now, kind=kind, on_date=on_date)
    except (UnknownUnit, AccessDenied, DBAPIError):
        return (no_update,) * count if count > 1 else no_update
    return tuple(data) if count > 1 else data[0]


@callback(
    Output(ids.UNITS, "hideout"),
    Input(ids.UNITS, "data"),
    Input(ids.CHOROPLETH, "value"),
    Input(ids.SERVICE_KIND, "value"),
    Input(ids.TIME, "data"),
    Input(ids.REFRESH, "n_intervals"),
)
def choropleth(units, indicator, kind, time, _refresh):
    """The chosen indicator per drawn unit, for the client-side style (data stays as it is)."""
    if _skip_refresh(time):
        return no_update
    unit_ids = [f["id"] for f in (units or {}).get("features", []) if isinstance(f.get("id"), int)]
    if not indicator or indicator not in themes.CHOROPLETH_INDICATORS or not unit_ids:
        return choropleth_hideout(None, {})
    try:
        with reading() as conn:
            # The ids come from the browser: only those the caller may see are answered.
            unit_ids = visible_unit_ids(conn, current_caller(), unit_ids)
            at, live = moment(conn, time)
            if at is None or not (live or layers.has_data(conn, at)):
                return choropleth_hideout(indicator, dict.fromkeys(unit_ids))
            values = layers.choropleth_values(conn, unit_ids, indicator, at, kind)
    except DBAPIError:
        return no_update
    return choropleth_hideout(indicator, values)


@callback(
    Output(ids.LEGEND, "children"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    Input(ids.CHOROPLETH, "value"),
    Input(ids.SERVICE_KIND, "value"),
)
def show_legend(overlays, indicator, kind=None):
    """A legend for what is on the map, in the caller's language."""
    lang = current_language()
    chosen = indicator if indicator in themes.CHOROPLETH_INDICATORS else None
    # What the caller is not given (citizens' reports, for the public) has no legend entry.
    caller, active = current_caller(), active_layers(overlays, lang)
    shown = [
        x.info
        for x in catalogue.on_map()
        if x.info.theme in active and may_read(caller, x.info.visibility)
    ]
    return legend(shown, chosen, lang, kind)


# --- KPIs and charts --------------------------------------------------------------------------


@callback(
    Output(ids.KPIS, "children"),
    Input(ids.URL, "search"),
    Input(ids.TIME, "data"),
    Input(ids.REFRESH, "n_intervals"),
)
def show_kpis(search, time, _refresh):
    """KPI cards of the selected unit at the moment, with their change over 24 hours."""
    if _skip_refresh(time):
        return no_update
    lang = current_language()
    try:
        with reading() as conn:
            unit = selected_unit(conn, search)
            at, live = moment(conn, time)
            if at is None:
                return []
            if not (live or layers.has_data(conn, at)):
                # Not zero floods and no alerts: nothing was measured then.
                message = html.P(t("time.no_data_at", lang), style={"gridColumn": "1 / -1"})
                return [html.H3(t("kpi.title", lang)), message]
            return kpi_cards(layers.unit_kpis(conn, unit.id, at), lang)
    except (UnknownUnit, AccessDenied, DBAPIError):
        return no_update


@callback(
    Output(ids.SENSOR, "data"),
    Input(ids.GAUGES, "clickData"),
    Input(ids.AIR, "clickData"),
    Input(ids.URL, "search"),
    prevent_initial_call=True,
)
def select_sensor(gauge, air, _search):
    """A click on a station shows its series; a new selection goes back to the unit's."""
    trigger = _trigger()
    if trigger == ids.URL:
        return None
    feature = gauge if trigger == ids.GAUGES else air
    sensor_id = ((feature or {}).get("properties") or {}).get("id")
    return sensor_id if isinstance(sensor_id, int) else None


@callback(
    Output(ids.CHART, "figure"),
    Input(ids.URL, "search"),
    Input(ids.TIME, "data"),
    Input(ids.SENSOR, "data"),
)
def show_chart(search, time, sensor_id):
    """Seven days up to the moment: the clicked station's series, else the unit's indicators."""
    lang = current_language()
    try:
        with reading() as conn:
            unit = selected_unit(conn, search)
            at, _ = moment(conn, time)
            end = at or dt.datetime.now(dt.UTC)
            start = end - dt.timedelta(days=7)
            if isinstance(sensor_id, int):
                caller = current_caller()
                if not may_see_sensor(conn, caller, sensor_id):
                    raise refuse(caller, "view_sensor", {"sensor": sensor_id})
                return _sensor_figure(conn, sensor_id, start, end, lang)
            series = layers.unit_series(conn, unit.id, start, end)
            names = {k: t(f"choropleth.{k}", lang) for k in series}
            units = {k: t(f"chart.axis.{k}", lang) for k in series if f"chart.axis.{k}" in CATALOG}
            if "congested_share" in series:  # a share, drawn in per cent as its axis says
                series["congested_share"] = [
                    (hour, None if v is None else v * 100) for hour, v in series["congested_share"]
                ]
            return series_figure(
                t("chart.unit", lang, name=isolated(unit.name)), series, names, lang, units=units
            )
    except (UnknownUnit, AccessDenied, DBAPIError):
        return no_update


def _sensor_figure(
    conn: Connection, sensor_id: int, start: dt.datetime, end: dt.datetime, lang: str
) -> Any:
    sensor = conn.execute(
        text("SELECT name, alert_1, alert_2, alert_3 FROM sensor WHERE id = :id"),
        {"id": sensor_id},
    ).one_or_none()
    if sensor is None:
        return no_update
    series = layers.sensor_series(conn, sensor_id, start, end)
    names = {k: t(f"quantity.{k}", lang) for k in series}
    levels = [
        (value, localised(a, lang), a.colour)
        for value, a in zip(
            (sensor.alert_1, sensor.alert_2, sensor.alert_3),
            indicators.FLOOD_ALERT_LEVELS[1:],
            strict=True,
        )
        if value is not None
    ]
    title = t("chart.sensor", lang, name=isolated(sensor.name))
    stored = latest(conn, sensor_id, end) if "water_level" in series else None
    if stored is None:
        return series_figure(title, series, names, lang, levels)
    if stored.no_forecast:
        figure = series_figure(title, series, names, lang, levels)
        add_note(figure, _no_forecast_text(stored, lang), colour="#922b21")
        return figure
    # The week up to the moment shown and, past it, the forecast issued by then: at a past
    # moment, what was expected then (and the readings after it are not drawn).
    title = t("chart.sensor_forecast", lang, name=isolated(sensor.name), hours=len(stored.value))
    figure = series_figure(title, series, names, lang, levels)
    issued = t("chart.issued", lang, time=fmt_moment(stored.issued_at.astimezone(CITY_TZ), lang))
    bands = {k: getattr(stored, k) for k in ("value", "lower80", "upper80", "lower95", "upper95")}
    return add_forecast(figure, stored.valid_at, bands, issued, lang)


def _no_forecast_text(stored: Stored, lang: str) -> str:
    """Why a gauge has no forecast, in the page's language."""
    detail = dict(stored.detail)
    if "days" in detail:
        detail["days"] = fmt_number(float(str(detail["days"])), lang, 1)
    if "last" in detail:
        last = dt.datetime.fromisoformat(str(detail["last"])).astimezone(CITY_TZ)
        detail["last"] = fmt_moment(last, lang)
    reason = stored.no_forecast or "unknown"
    key = _NO_FORECAST.get(reason, "chart.forecast")
    return t(key, lang, **detail)


# The reasons geodata.forecast.model.NoForecast gives, as the page says them.
_NO_FORECAST = {
    "short_history": "forecast.none.short_history",
    "stale": "forecast.none.stale",
    "gap": "forecast.none.gap",
}
