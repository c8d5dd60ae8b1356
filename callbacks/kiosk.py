"""The public kiosk (/kiosk): a lobby screen that turns through the city and each of its
districts, one public layer at a time, on a schedule its URL sets:
``/kiosk?rotate=20&layers=flood,air&lang=vi`` (seconds per step; layers among flood, air,
traffic and services; Vietnamese, English, or ``both`` taking turns step by step).

Which step is on screen follows from the clock alone, step = floor(epoch seconds / rotate) mod
the number of steps: nothing is kept between requests and every screen shows the same step. The
browser counts the steps (assets/kiosk.js); the server turns a step number into a unit and a
layer and reads its data.

No sign-in, so only what KIOSK_LAYERS lists ever leaves the server. When the database cannot be
reached, the screen keeps its last data and says since when; the next step that reaches the
database again clears that by itself.
"""

from __future__ import annotations

import datetime as dt
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

from callbacks.request import CITY_TZ, today
from domain.kpi import Kpi
from domain.tolerance import tolerance_for
from geodata.db import get_engine
from geodata.errors import UnknownUnit
from geodata.monitoring import layers
from geodata.monitoring.queries import DrillView, Unit, children, drill_view, root_unit
from geodata.settings import get_settings
from layouts import ids
from layouts.i18n import LANGUAGES, fmt_date, t, unit_type_label
from layouts.kiosk import kiosk_legend, kiosk_page, status_line, unit_title
from layouts.monitor import choropleth_hideout, kpi_cards, layer_name

DEFAULT_ROTATE = 20  # seconds per step
ROTATE_LIMITS = (2, 3600)
DEFAULT_LAYERS = ("flood", "air")
LANG_MODES = ("vi", "en", "both")
EMPTY = layers.EMPTY


@dataclass(frozen=True)
class KioskLayer:
    """What the kiosk shows of one theme: the map parts drawn, the indicator the units are filled
    by (air only: elsewhere a second palette would compete with the points' and roads' own), and
    the key figures (a key ending in ":" stands for every key it begins)."""

    parts: tuple[str, ...]
    indicator: str | None
    kpis: tuple[str, ...]


# Everything the kiosk may show, and nothing else: public data only. Citizens' flood reports are
# personal data and are never drawn here; of them the kiosk shows a unit's count, nothing more.
KIOSK_LAYERS: dict[str, KioskLayer] = {
    "flood": KioskLayer(
        ("gauges", "inundation"), None, ("gauges_above_alert", "flooded_km2", "flood_reports")
    ),
    # Units filled by their worst AQI, in the stations' own VN_AQI colours: one legend for both.
    "air": KioskLayer(("air",), "aqi_max", ("aqi_max",)),
    "traffic": KioskLayer(("traffic",), None, ("congested_share",)),
    "services": KioskLayer(("facilities",), None, ("coverage:",)),
}


def _tolerance(unit: Unit) -> float:
    """About one screen pixel when the unit fills the map."""
    return tolerance_for(unit.bounds)


# How each map part is read: the main map's own queries, on the hourly rollups.
PARTS: dict[str, Callable[[Connection, Unit, dt.datetime], dict[str, Any]]] = {
    "gauges": lambda conn, unit, at: layers.flood_gauges_geojson(conn, unit.id, at),
    "inundation": lambda conn, unit, at: layers.inundation_geojson(
        conn, unit.id, at, _tolerance(unit)
    ),
    "air": lambda conn, unit, at: layers.air_stations_geojson(conn, unit.id, at),
    # A zoom below ALL_ROADS_ZOOM: arterials only, for a district as for the city.
    "traffic": lambda conn, unit, at: layers.traffic_geojson(
        conn, unit.id, at, unit.bounds, layers.ALL_ROADS_ZOOM - 1, _tolerance(unit)
    ),
    "facilities": lambda conn, unit, at: layers.facilities_geojson(conn, unit.id, None),
}
PART_IDS = {
    "gauges": ids.KIOSK_GAUGES,
    "inundation": ids.KIOSK_INUNDATION,
    "air": ids.KIOSK_AIR,
    "traffic": ids.KIOSK_TRAFFIC,
    "facilities": ids.KIOSK_FACILITIES,
}


def _not_drawn(lang: str) -> set[str]:
    """Legend rows of the main map for what the kiosk does not draw."""
    return {
        t("legend.report", lang),
        t("legend.incident", lang),
        t("legend.camera", lang),
        t("legend.underserved", lang),
    }


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


def step_language(number: int, count: int, mode: str) -> str:
    """The language of a step. With ``both``, Vietnamese and English take turns; in a turn of
    even length they shift by one each turn, so every unit and layer is seen in both."""
    if mode != "both":
        return mode
    shift = number // count if count % 2 == 0 else 0
    return LANGUAGES[(number + shift) % 2]


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
    data = dict.fromkeys(PARTS, EMPTY) | {
        part: PARTS[part](conn, unit, moment) for part in shown.parts
    }
    values: dict[int, float | None] = {}
    if shown.indicator:
        unit_ids = [f["id"] for f in view.shown["features"]]
        values = layers.choropleth_values(conn, unit_ids, shown.indicator, moment)
    kpis = [k for k in layers.unit_kpis(conn, unit.id, moment) if _listed(k.key, shown.kpis)]
    return KioskStep(number, len(steps), layer, view, at, data, values, kpis)


def _listed(key: str, listed: Sequence[str]) -> bool:
    return any(key == k or (k.endswith(":") and key.startswith(k)) for k in listed)


def _viewport(unit: Unit) -> dict[str, Any]:
    xmin, ymin, xmax, ymax = unit.bounds
    return {
        "bounds": [[ymin, xmin], [ymax, xmax]],
        "transition": "flyToBounds",
        "options": {"padding": [40, 40], "duration": 1.5},
    }


def render_step(step: KioskStep, lang: str, now: dt.datetime) -> dict[str, Any]:
    """The step as the kiosk's outputs (see ``show_step``)."""
    unit, indicator = step.view.selected, KIOSK_LAYERS[step.layer].indicator
    updated = now.astimezone(CITY_TZ).strftime("%H:%M")
    hour = (
        t("time.showing", lang, time=step.at.astimezone(CITY_TZ).strftime("%H:%M %d/%m"))
        if step.at
        else t("time.no_data", lang)
    )
    return {
        "units": step.view.shown,
        "colours": choropleth_hideout(indicator, step.values),
        "context": step.view.context,
        **step.data,
        "viewport": _viewport(unit),
        "unit": unit_title(unit.name, unit_type_label(unit.unit_type, lang)),
        "layer": html.Span(layer_name(step.layer, lang), className=f"kiosk-theme {step.layer}"),
        "kpis": kpi_cards(step.kpis, lang)[1:],  # the cards, without the panel's heading
        "legend": kiosk_legend(step.layer, lang, _not_drawn(lang)),
        "status": status_line(
            t("kiosk.updated", lang, time=updated), hour, step.view.is_demo, lang
        ),
        "lang": lang,
        "last_good": {
            "step": step.number,
            "steps": step.count,
            "time": updated,
            "banner": t("kiosk.offline", lang, time=updated),
        },
        "banner": "",
        "offline": True,
    }


OUTPUTS = {
    "units": Output(ids.KIOSK_UNITS, "data"),
    "colours": Output(ids.KIOSK_UNITS, "hideout"),
    "context": Output(ids.KIOSK_CONTEXT, "data"),
    **{part: Output(PART_IDS[part], "data") for part in PARTS},
    "viewport": Output(ids.KIOSK_MAP, "viewport"),
    "unit": Output(ids.KIOSK_UNIT, "children"),
    "layer": Output(ids.KIOSK_LAYER, "children"),
    "kpis": Output(ids.KIOSK_KPIS, "children"),
    "legend": Output(ids.KIOSK_LEGEND, "children"),
    "status": Output(ids.KIOSK_STATUS, "children"),
    "lang": Output(ids.KIOSK_PAGE, "lang"),
    "last_good": Output(ids.KIOSK_LAST_GOOD, "data"),
    "banner": Output(ids.KIOSK_BANNER, "children"),
    "offline": Output(ids.KIOSK_BANNER, "hidden"),
}


_HH_MM = re.compile(r"^\d{2}:\d{2}$")


def fault(number: int, mode: str, last_good: Any, message: str | None = None) -> dict[str, Any]:
    """Outputs when the data cannot be read: everything on screen stays, and a banner says since
    when (the time of the last good data, which the browser keeps in KIOSK_LAST_GOOD)."""
    good = last_good if isinstance(last_good, dict) else {}
    count, since = good.get("steps"), good.get("time")
    lang = step_language(number, count if isinstance(count, int) and count > 0 else 1, mode)
    if message is None:
        known = isinstance(since, str) and _HH_MM.match(since)
        message = (
            t("kiosk.offline", lang, time=since) if known else t("kiosk.offline_no_data", lang)
        )
    return dict.fromkeys(OUTPUTS, no_update) | {"banner": message, "offline": False}


@callback(
    output=OUTPUTS,
    inputs={"step": Input(ids.KIOSK_STEP, "data"), "search": Input(ids.KIOSK_URL, "search")},
    state={"last_good": State(ids.KIOSK_LAST_GOOD, "data")},
)
def show_step(step: Any, search: str | None, last_good: Any) -> dict[str, Any]:
    """The unit and layer of the step on screen, with their public data; on a database fault
    the data stays as it is and a banner says since when."""
    req = parse_kiosk_search(search)
    number = step if isinstance(step, int) else step_number(time.time(), req.rotate)
    now = dt.datetime.now(dt.UTC)
    try:
        with get_engine().connect() as conn:
            shown = read_step(conn, number, req.layers, today(), now)
    except DBAPIError:
        return fault(number, req.lang, last_good)
    except UnknownUnit:
        lang = step_language(number, 1, req.lang)
        return fault(number, req.lang, last_good,
                     t("error.no_units", lang, date=fmt_date(today(), lang)))  # fmt: skip
    return render_step(shown, step_language(number, shown.count, req.lang), now)


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
    prevent_initial_call="initial_duplicate",
)


def kiosk_layout(search: str | None) -> html.Div:
    """The kiosk page for a URL query: the browser's timer needs its rotation period."""
    settings = get_settings()
    rotate = parse_kiosk_search(search).rotate
    return kiosk_page(rotate, settings.tile_url, settings.tile_attribution)
