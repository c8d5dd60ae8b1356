"""The public kiosk (/kiosk): a lobby screen that turns through the city and each of its
districts, one public layer at a time, on a schedule its URL sets:
``/kiosk?rotate=20&layers=flood,air&lang=vi`` (seconds per step; layers among flood, air,
traffic, services and reports — the figures of citizens' reports, as the statistics page shows
them; Vietnamese, English, or ``both`` side by side).

Which step is on screen follows from the clock alone, step = floor(epoch seconds / rotate) mod
the number of steps: nothing is kept between requests and every screen shows the same step. The
browser counts the steps (assets/kiosk.js); the server turns a step number into a unit and a
layer and reads its data, into the one of the page's two frames that is not on screen; the
browser shows that frame once its map is drawn and fitted (assets/kiosk.js).

No sign-in, so only what KIOSK_LAYERS lists ever leaves the server. When the database cannot be
reached, the screen keeps its last data and says since when; the next step that reaches the
database again clears that by itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    html,
    no_update,
)
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from domain.clock import CITY_TZ
from domain.kpi import Kpi
from domain.report_figures import PERIODS, Figures, Week
from domain.units import DrillView
from geodata.alerts.warnings import PublicWarning
from geodata.alerts.warnings import current as current_warnings
from geodata.db import Scope, reading, scope
from geodata.errors import UnknownUnit
from geodata.monitoring import catalogue, layers
from geodata.monitoring.queries import children, drill_view, root_unit
from geodata.reports.figures import last_days, unit_figures, weekly
from geodata.settings import get_settings
from layouts import ids
from layouts.i18n import fmt_date, t, unit_type_label
from layouts.kiosk import bilingual, kiosk_legend, kiosk_page, status_line, unit_title
from layouts.monitor import choropleth_hideout, kpi_cards, layer_name
from layouts.report_figures import figure_cards, period_label, shown_figures, trend_chart
from layouts.warnings import warning_words
from web.request import today

DEFAULT_ROTATE = 20  # seconds per step
ROTATE_LIMITS = (2, 3600)
DEFAULT_LAYERS = ("flood", "air")
LANG_MODES = ("vi", "en", "both")
EMPTY = layers.EMPTY


@dataclass(frozen=True)
class KioskTheme:
    """What the kiosk shows of one theme besides its layers: the indicator the units are filled
    by (air only: elsewhere a second palette would compete with the points' and roads' own), and
    the key figures (a key ending in ":" stands for every key it begins)."""

    indicator: str | None = None
    kpis: tuple[str, ...] = ()
    report_figures: bool = False  # the unit's figures of citizens' reports, not layer KPIs


# The themes' indicators and key figures. The layers drawn are the catalogue's public layers
# offered to the kiosk (catalogue.kiosk_layers): citizens' flood reports are personal data and
# are never drawn here; of them the kiosk shows a unit's count, nothing more.
KIOSK_THEMES: dict[str, KioskTheme] = {
    "flood": KioskTheme(None, ("gauges_above_alert", "flooded_km2", "flood_reports")),
    # Units filled by their worst AQI, in the stations' own VN_AQI colours: one legend for both.
    "air": KioskTheme("aqi_max", ("aqi_max",)),
    "traffic": KioskTheme(None, ("congested_share",)),
    "services": KioskTheme(None, ("coverage:",)),
    # No layer: the unit's handling of citizens' reports in large cards (public figures, as the
    # statistics page shows them: counts, shares, times and ratings, never a report itself).
    "reports": KioskTheme(report_figures=True),
}
# Every layer the kiosk draws, and nothing else: public data only.
PARTS = catalogue.kiosk_layers()
KIOSK_LAYERS: dict[str, KioskTheme] = {
    theme: KIOSK_THEMES.get(theme, KioskTheme())
    for theme in dict.fromkeys(x.info.theme for x in PARTS if x.info.theme)
} | {"reports": KIOSK_THEMES["reports"]}
REPORT_DAYS = PERIODS[0]  # the period of the reports' figures: the dashboard's
# The six read from across a lobby (the statistics page has them all).
KIOSK_FIGURES = ("received", "overdue", "ack_on_time", "resolved_on_time", "median_resolve",
                 "rating")  # fmt: skip


def parts_of(theme: str) -> list[catalogue.Layer]:
    """The layers the kiosk draws for a theme."""
    return [x for x in PARTS if x.info.theme == theme]


# --- the schedule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskRequest:
    """What a kiosk URL asks for."""

    rotate: int  # seconds per step
    layers: tuple[str, ...]  # among KIOSK_LAYERS, in the order asked
    lang: str  # "vi", "en" or "both"


def parse_kiosk_search(search: str | None) -> KioskRequest:
    """Read ``?rotate=&layers=&lang=``: unknown layers are dropped, anything else malformed
    falls back to the default."""
    params = parse_qs((search or "").lstrip("?"))
    try:
        rotate = int(params.get("rotate", [""])[0])
        rotate = min(max(rotate, ROTATE_LIMITS[0]), ROTATE_LIMITS[1])
    except ValueError:
        rotate = DEFAULT_ROTATE
    asked = ",".join(params.get("layers", [])).lower().split(",")
    chosen = tuple(dict.fromkeys(name.strip() for name in asked if name.strip() in KIOSK_LAYERS))
    lang = params.get("lang", ["vi"])[0].lower()
    return KioskRequest(rotate, chosen or DEFAULT_LAYERS, lang if lang in LANG_MODES else "vi")


def step_number(epoch_seconds: float, rotate: int) -> int:
    """The step a moment falls in, counted from the epoch: the same on every screen."""
    return math.floor(epoch_seconds / rotate)


T = TypeVar("T")


def schedule(units: Sequence[T], layer_names: Sequence[str]) -> list[tuple[T, str]]:
    """The steps of one turn: the city with each layer, then each district with each layer."""
    return [(unit, layer) for unit in units for layer in layer_names]


def in_language(mode: str, build: Callable[[str], Any]) -> Any:
    """What ``build`` makes for a language, in the language mode of the screen: with ``both``,
    Vietnamese and English side by side (every viewer reads every step in their language)."""
    if mode != "both":
        return build(mode)
    vi, en = build("vi"), build("en")
    if isinstance(vi, str) and isinstance(en, str):
        return vi if vi == en else f"{vi}\n{en}"  # the banner: one line each (kiosk.css)
    return bilingual(vi, en)


# --- one step -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskStep:
    """Everything one step shows, read from the database."""

    number: int
    count: int  # steps in one turn
    layer: str
    view: DrillView  # the unit, the units drawn in it, the context
    at: dt.datetime | None  # the hour shown (the latest with readings); None without readings
    data: dict[str, dict[str, Any]]  # part → FeatureCollection, every part present
    values: dict[int, float | None]  # the layer's indicator per unit drawn
    kpis: list[Kpi]
    report_figures: Figures | None = None  # the "reports" theme's
    weeks: tuple[Week, ...] = ()


def read_step(
    conn: Connection, number: int, layer_names: Sequence[str], on_date: dt.date, now: dt.datetime
) -> KioskStep:
    """The unit and layer of step ``number`` and their public data at the latest hour."""
    city = root_unit(conn, on_date)
    steps = schedule([city, *children(conn, city, on_date)], layer_names)
    unit, layer = steps[number % len(steps)]
    view = drill_view(conn, unit.code, on_date)
    shown = KIOSK_LAYERS[layer]
    at = layers.latest_hour(conn, now)
    # Without any readings yet, the stations still show (as "no data") and the facilities too.
    moment = at or now
    data = {x.name: EMPTY for x in PARTS} | {
        x.name: x.features(conn, catalogue.View.of(x.info, "kiosk", unit, moment, on_date=on_date))
        for x in parts_of(layer)
    }
    values: dict[int, float | None] = {}
    if shown.indicator:
        unit_ids = [f["id"] for f in view.shown["features"]]
        values = layers.choropleth_values(conn, unit_ids, shown.indicator, moment)
    kpis = [k for k in layers.unit_kpis(conn, unit.id, moment) if _listed(k.key, shown.kpis)]
    if not shown.report_figures:
        return KioskStep(number, len(steps), layer, view, at, data, values, kpis)
    start, end = last_days(now, REPORT_DAYS)
    figures = unit_figures(conn, unit.id, start, end, now)
    weeks = tuple(weekly(conn, unit.id, start, end))
    return KioskStep(number, len(steps), layer, view, at, data, values, [], figures, weeks)


def _listed(key: str, listed: Sequence[str]) -> bool:
    return any(key == k or (k.endswith(":") and key.startswith(k)) for k in listed)


def _stamped(units: dict[str, Any], number: int) -> dict[str, Any]:
    """The units drawn, each marked with the step, and the collection with the step too: the
    browser shows a frame once the units of its own step are drawn (assets/kiosk.js)."""
    features = [
        {**f, "properties": {**f.get("properties", {}), "kiosk_step": number}}
        for f in units["features"]
    ]
    return {**units, "features": features, "kiosk_step": number}


# Map parts whose points are the stations behind a key figure: a unit without any says so.
STATIONS = {"gauges_above_alert": "gauges", "aqi_max": "air"}


def render_step(step: KioskStep, mode: str, now: dt.datetime) -> dict[str, Any]:
    """The step as the kiosk's outputs for one frame (see ``show_step``), in the language mode
    ``mode`` ("vi", "en", or "both": side by side)."""
    unit, indicator = step.view.selected, KIOSK_LAYERS[step.layer].indicator
    updated = now.astimezone(CITY_TZ).strftime("%H:%M")
    shown = [x.name for x in parts_of(step.layer)]
    stations = {
        key: len(step.data[part]["features"]) for key, part in STATIONS.items() if part in shown
    }

    def hour(lang: str) -> str:
        if step.report_figures is not None:
            return period_label(REPORT_DAYS, lang)
        if step.at is None:
            return t("time.no_data", lang)
        return t("time.showing", lang, time=step.at.astimezone(CITY_TZ).strftime("%H:%M %d/%m"))

    return {
        "units": _stamped(step.view.shown, step.number),
        "colours": choropleth_hideout(indicator, step.values),
        "context": step.view.context,
        **step.data,
        "unit": in_language(
            mode, lambda lang: unit_title(unit.name, unit_type_label(unit.unit_type, lang))
        ),
        "layer": in_language(
            mode,
            lambda lang: html.Span(
                layer_name(step.layer, lang), className=f"kiosk-theme {step.layer}"
            ),
        ),
        # The cards, without the panel's heading.
        "kpis": in_language(mode, lambda lang: _cards(step, lang, stations)),
        "legend": in_language(mode, lambda lang: _legend(step, lang)),
        "status": in_language(
            mode,
            lambda lang: status_line(
                t("kiosk.updated", lang, time=updated), hour(lang), step.view.is_demo, lang
            ),
        ),
        "last_good": {
            "step": step.number,
            "steps": step.count,
            "time": updated,
            "banner": in_language(mode, lambda lang: t("kiosk.offline", lang, time=updated)),
        },
        "banner": "",
        "offline": True,
    }


def _cards(step: KioskStep, lang: str, stations: dict[str, int]) -> list[Any]:
    if step.report_figures is None:
        return kpi_cards(step.kpis, lang, stations)[1:]
    shown = shown_figures(step.report_figures, REPORT_DAYS, lang)
    return figure_cards([s for s in shown if s.key in KIOSK_FIGURES])


def _legend(step: KioskStep, lang: str) -> list[Any]:
    """The legend of the layers drawn; for the reports' figures, their weekly trend."""
    if step.report_figures is None:
        return kiosk_legend([x.info for x in parts_of(step.layer)], lang)
    if not step.report_figures.received:
        return [html.P(t("figures.none_received", lang), className="kiosk-none")]
    return [trend_chart(step.weeks, lang)]


# What one step writes into a frame: component id and property, by name.
FRAME_OUTPUTS = {
    "units": (ids.KIOSK_UNITS, "data"),
    "colours": (ids.KIOSK_UNITS, "hideout"),
    "context": (ids.KIOSK_CONTEXT, "data"),
    **{x.name: (x.info.kiosk_id, "data") for x in PARTS},
    "unit": (ids.KIOSK_UNIT, "children"),
    "layer": (ids.KIOSK_LAYER, "children"),
    "kpis": (ids.KIOSK_KPIS, "children"),
    "legend": (ids.KIOSK_LEGEND, "children"),
    "status": (ids.KIOSK_STATUS, "children"),
}
# And what is the page's, whichever frame is on screen.
PAGE_OUTPUTS = {
    "last_good": Output(ids.KIOSK_LAST_GOOD, "data"),
    "banner": Output(ids.KIOSK_BANNER, "children"),
    "offline": Output(ids.KIOSK_BANNER, "hidden"),
}
OUTPUTS = {
    f"{name}@{frame}": Output(ids.kiosk_frame(id_, frame), prop)
    for frame in ids.KIOSK_FRAMES
    for name, (id_, prop) in FRAME_OUTPUTS.items()
} | PAGE_OUTPUTS


_HH_MM = re.compile(r"^\d{2}:\d{2}$")


def fault(mode: str, last_good: Any, message: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Outputs when the data cannot be read: everything on screen stays, and a banner says since
    when (the time of the last good data, which the browser keeps in KIOSK_LAST_GOOD)."""
    good = last_good if isinstance(last_good, dict) else {}
    since = good.get("time")
    if message is None:
        known = isinstance(since, str) and _HH_MM.match(since)

        def message(lang: str) -> str:
            if known:
                return t("kiosk.offline", lang, time=since)
            return t("kiosk.offline_no_data", lang)

    kept = dict.fromkeys(FRAME_OUTPUTS, no_update) | dict.fromkeys(PAGE_OUTPUTS, no_update)
    return kept | {"banner": in_language(mode, message), "offline": False}


def step_outputs(number: int, search: str | None, last_good: Any) -> dict[str, Any]:
    """The unit and layer of step ``number``, with their public data, as one frame's outputs
    (FRAME_OUTPUTS) and the page's; on a database fault the data stays as it is and a banner
    says since when."""
    req = parse_kiosk_search(search)
    now = dt.datetime.now(dt.UTC)
    try:
        with reading() as conn:
            shown = read_step(conn, number, req.layers, today(), now)
    except DBAPIError:
        return fault(req.lang, last_good)
    except UnknownUnit:
        day = today()
        return fault(
            req.lang, last_good, lambda lang: t("error.no_units", lang, date=fmt_date(day, lang))
        )
    return render_step(shown, req.lang, now)


@callback(
    output=OUTPUTS,
    inputs={"step": Input(ids.KIOSK_STEP, "data"), "search": Input(ids.KIOSK_URL, "search")},
    state={"last_good": State(ids.KIOSK_LAST_GOOD, "data")},
)
def show_step(step: Any, search: str | None, last_good: Any) -> dict[str, Any]:
    """The step the browser asks for, ``{"step": number, "frame": "a" or "b"}``, drawn into that
    frame (the one not on screen); the other frame stays as it is."""
    asked = step if isinstance(step, dict) else {}
    number = asked.get("step")
    if not isinstance(number, int):
        number = step_number(time.time(), parse_kiosk_search(search).rotate)
    frame = asked.get("frame") if asked.get("frame") in ids.KIOSK_FRAMES else ids.KIOSK_FRAMES[0]
    out = step_outputs(number, search, last_good)
    return {
        f"{name}@{f}": out[name] if f == frame else no_update
        for f in ids.KIOSK_FRAMES
        for name in FRAME_OUTPUTS
    } | {name: out[name] for name in PAGE_OUTPUTS}


# The browser counts the steps from its clock and aims the interval just past the next step
# boundary; it also raises the banner when no step has come back for a while (server or network
# down, where no callback can answer at all).
clientside_callback(
    ClientsideFunction(namespace="canthoKiosk", function_name="tick"),
    Output(ids.KIOSK_STEP, "data"),
    Output(ids.KIOSK_TICK, "interval"),
    Output(ids.KIOSK_BANNER, "hidden", allow_duplicate=True),
    Output(ids.KIOSK_BANNER, "children", allow_duplicate=True),
    Input(ids.KIOSK_TICK, "n_intervals"),
    State(ids.KIOSK_CONFIG, "data"),
    State(ids.KIOSK_STEP, "data"),
    State(ids.KIOSK_LAST_GOOD, "data"),
    State(ids.KIOSK_SHOWN, "data"),
    prevent_initial_call="initial_duplicate",
)

# A frame is shown once the units of its step are drawn and the map fitted to them, in place of
# the other (assets/kiosk.js): until then the screen keeps the previous step, whole.
clientside_callback(
    ClientsideFunction(namespace="canthoKiosk", function_name="present"),
    Output(ids.KIOSK_PAGE, "className"),
    Output(ids.KIOSK_SHOWN, "data"),
    *(Input(ids.kiosk_frame(ids.KIOSK_UNITS, frame), "data") for frame in ids.KIOSK_FRAMES),
    State(ids.KIOSK_SHOWN, "data"),
    prevent_initial_call=True,
)


def kiosk_layout(search: str | None) -> html.Div:
    """The kiosk page for a URL query: the browser's timer needs its rotation period."""
    settings = get_settings()
    req = parse_kiosk_search(search)
    return kiosk_page(
        req.rotate, req.lang, settings.tile_url, settings.tile_attribution, [x.info for x in PARTS]
    )


# --- public warnings, above everything --------------------------------------------------------


def warning_lines(conn: Connection, mode: str, now: dt.datetime) -> list[Any]:
    """One line per public warning in force (firing), in the screen's language(s)."""
    found = [w for w in current_warnings(conn, now) if w.state == "firing"]

    def line(w: PublicWarning, lang: str) -> str:
        words = warning_words(w.kind, w.value, w.detail, w.area_name, w.subject_name,
                              w.rule_name, w.fired_at, None, lang)  # fmt: skip
        return "⚠ " + words["headline"]

    return [
        html.P(in_language(mode, functools.partial(line, w)), className="kiosk-warning")
        for w in found
    ]


@callback(
    Output(ids.KIOSK_WARNINGS, "children"),
    Output(ids.KIOSK_WARNINGS, "hidden"),
    Input(ids.KIOSK_STEP, "data"),
    State(ids.KIOSK_URL, "search"),
)
def show_warnings(_step: Any, search: str | None) -> tuple[Any, Any]:
    """The public warnings in force, read again at every step; kept as they are when the
    database does not answer (the banner of the step says so)."""
    mode = parse_kiosk_search(search).lang
    try:
        # The public's scope, as the feed: only public rules' fired alerts exist for it.
        with scope(Scope.public()), reading() as conn:
            lines = warning_lines(conn, mode, dt.datetime.now(dt.UTC))
    except DBAPIError:
        return no_update, no_update
    return lines, not lines
