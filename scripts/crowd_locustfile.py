"""The crowd of the crowd test (``scripts/crowd.py`` runs it): locust users that each behave as one
browser on the dashboard, plus GIS tools and sensors, against a server on loopback.

Each user keeps what its page holds (every component's properties, from ``/_dash-layout``) and
sends the Dash callbacks as the browser's renderer does: when a property changes, every server-side
callback with it as an input, with the current values of their inputs and state, in the body the
renderer writes (the callback map comes from the server's own ``/_dash-dependencies``); the answers
change the page's properties, and the callbacks those changes trigger follow (one more wave, as
the renderer chains them). Tasks, by weight:

- page open (``GET /``, ``/_dash-layout``, ``/_dash-dependencies``; on a user's first page, the
  scripts, styles and fonts it loads, which a browser then keeps) and the callbacks the page fires;
- drill-down: the URL changes to ``?unit=CODE`` (a unit valid today, chosen at random);
- time change: the hour picker moves to a random hour with data (``update_time``, then everything
  the new moment triggers: layers, choropleth, KPIs, chart, download links);
- layer toggle: a theme switched on or off in the layers control;
- OGC pages: ``/ogc/collections/{id}/items`` with a random bbox and limit;
- sensor pushes: ``POST /api/v1/observations`` with a sensor's token, a batch of new readings,
  and every fourth time the previous batch again (the API makes a re-sent batch harmless: 200).

Requests are named by kind, so locust's statistics group them: "page open", "page assets",
"page-open callbacks", "drill-down callbacks", "time-change callbacks", "layer-toggle callbacks",
"OGC pages", "sensor pushes" (with ``CROWD_TOUR`` set, each user makes every kind once first).
Any answer outside 2xx (429 included) is a failure. The plan
(units, sensor tokens) comes from the JSON file named by ``CROWD_PLAN``; per-callback timings go
to ``CROWD_DETAIL`` (JSON) when the run ends.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import threading
from collections import defaultdict
from typing import Any

import requests
from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = {}
DEPS: list[dict[str, Any]] = []  # the server-side callbacks (clientside ones run in the browser)
LAYOUT_PROPS: dict[str, Any] = {}  # "id.prop" -> its value in the layout
ASSETS: list[str] = []
THEMES: list[str] = []  # the layers control's names, in order
COLLECTIONS: list[str] = []
DETAIL: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
_DETAIL_LOCK = threading.Lock()
# dcc loads these chunks once a graph, a dropdown or a date picker is drawn, and plotly.js for
# the graph.
_ASYNC_CHUNKS = ("async-graph", "async-dropdown", "async-datepicker")
_PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"
_DCC = re.compile(r"(/_dash-component-suites/dash/dcc/)dash_core_components(\.v[^.]+)\.js")
CITY_BBOX = (105.23, 9.92, 105.84, 10.33)

# Quantities' values inside their physical range (geodata's quantity table).
_VALUES = {"water_level": (0.5, 2.2), "rainfall": (0, 20), "pm25": (5, 120), "pm10": (10, 200),
           "no2": (5, 150), "o3": (10, 200), "co": (300, 5000), "so2": (2, 80),
           "speed": (5, 60)}  # fmt: skip


def _props(node: Any, found: dict[str, Any]) -> None:
    """Every component's properties in a layout, as "id.prop" -> value."""
    if isinstance(node, list):
        for child in node:
            _props(child, found)
    elif isinstance(node, dict):
        props = node.get("props") or {}
        if isinstance(props.get("id"), str):
            for key, value in props.items():
                if key != "children" or not isinstance(value, (list, dict)):
                    found[f"{props['id']}.{key}"] = value
            if props["id"] == "layers-control":
                THEMES[:] = [o["props"]["name"] for o in props.get("children") or []]
        _props(props.get("children"), found)


def _assets(base: str, session: requests.Session) -> list[str]:
    """What a first visit loads: the page's scripts and styles, the fonts of the style sheet,
    and the dcc chunks drawn on the dashboard."""
    page = session.get(base + "/", timeout=30).text
    refs = re.findall(r'(?:src|href)="(/[^"]+)"', page)
    for ref in list(refs):
        if ref.startswith("/assets/") and ".css" in ref:
            css = session.get(base + ref, timeout=30).text
            refs += [f"/assets/{f}" for f in re.findall(r"url\((fonts/[^)]+)\)", css)]
        if match := _DCC.match(ref):
            refs += [f"{match.group(1)}{chunk}{match.group(2)}.js" for chunk in _ASYNC_CHUNKS]
    return list(dict.fromkeys([*refs, _PLOTLY]))


@events.test_start.add_listener
def _prepare(environment: Any, **_: Any) -> None:
    """Once per run: the plan, the server's callback map, layout and assets, the collections."""
    base = environment.host
    with open(os.environ["CROWD_PLAN"], encoding="utf-8") as f:
        PLAN.update(json.load(f))
    with requests.Session() as session:
        session.trust_env = False  # loopback: never through a proxy
        deps = session.get(base + "/_dash-dependencies", timeout=30).json()
        _props(session.get(base + "/_dash-layout", timeout=30).json(), LAYOUT_PROPS)
        on_page = {key.rsplit(".", 1)[0] for key in LAYOUT_PROPS}
        # The callbacks of this page (the kiosk's have ids of their own) that run on the server.
        DEPS[:] = [
            d for d in deps
            if not d.get("clientside_function") and all(i["id"] in on_page for i in d["inputs"])
        ]  # fmt: skip
        ASSETS[:] = _assets(base, session)
        listed = session.get(
            base + "/ogc/collections", timeout=30, headers={"Accept": "application/json"}
        )
        COLLECTIONS[:] = [c["id"] for c in listed.json()["collections"]]


@events.request.add_listener
def _by_callback(name: str, response_time: float, context: dict | None = None, **_: Any) -> None:
    """Each callback's own times within its kind (which callback is the slow one)."""
    if context and "callback" in context:
        with _DETAIL_LOCK:
            DETAIL[name][context["callback"]].append(response_time)


@events.quitting.add_listener
def _write_detail(**_: Any) -> None:
    path = os.environ.get("CROWD_DETAIL")
    if path:
        with _DETAIL_LOCK, open(path, "w", encoding="utf-8") as f:
            json.dump(DETAIL, f)


def _outputs(dep: dict[str, Any]) -> list[tuple[str, str]]:
    """A callback's outputs as (id, property) with the duplicate marker left out."""
    spec = dep["output"]
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [(p.rsplit(".", 1)[0], p.rsplit(".", 1)[1].split("@")[0]) for p in parts]


def _status(response: Any) -> str:
    """The answer's status, or why there was none (refused, reset, timed out)."""
    if response.status_code:
        return str(response.status_code)
    return f"no answer ({type(response.error).__name__}: {str(response.error)[:120]})"


def _short(dep: dict[str, Any]) -> str:
    """A callback's name in the detail: its first output."""
    ident, prop = _outputs(dep)[0]
    return f"{ident}.{prop}"


class Visitor(HttpUser):
    """One browser on the dashboard, now and then a GIS tool or a sensor, from one address."""

    wait_time = between(
        float(os.environ.get("CROWD_THINK_MIN", 2)), float(os.environ.get("CROWD_THINK_MAX", 8))
    )

    def on_start(self) -> None:
        self.client.trust_env = False
        self.rng = random.Random()
        self.state: dict[str, Any] = {}
        self.cached = False
        self.batch: dict[str, Any] | None = None
        self.sensor = self.rng.choice(PLAN["sensors"])
        self.cursor = 0
        self.open_page()
        if os.environ.get("CROWD_TOUR"):
            # Every kind once, whatever the weights draw (a short run that must show them all).
            for step in (
                self.drill_down, self.change_time, self.toggle_layer, self.ogc_page,
                self.push_readings,
            ):  # fmt: skip
                step()

    # --- the renderer --------------------------------------------------------------------

    def _body(self, dep: dict[str, Any], changed: list[str]) -> dict[str, Any]:
        outs = _outputs(dep)
        many = dep["output"].startswith("..")
        values = lambda items: [  # noqa: E731
            {"id": i["id"], "property": i["property"],
             "value": self.state.get(f"{i['id']}.{i['property']}")}
            for i in items
        ]  # fmt: skip
        return {
            "output": dep["output"],
            "outputs": [{"id": i, "property": p} for i, p in outs]
            if many
            else {"id": outs[0][0], "property": outs[0][1]},
            "inputs": values(dep["inputs"]),
            "state": values(dep["state"]),
            "changedPropIds": changed,
        }

    def _fire(self, dep: dict[str, Any], changed: list[str], kind: str) -> set[str]:
        """Send one callback; apply its answer to the page; the properties it changed."""
        with self.client.post(
            "/_dash-update-component", json=self._body(dep, changed), name=kind,
            context={"callback": _short(dep)}, catch_response=True,
        ) as response:  # fmt: skip
            if not 200 <= response.status_code < 300:
                response.failure(f"{_status(response)} {_short(dep)}: {response.text[:200]}")
                return set()
            response.success()
            if response.status_code == 204:  # PreventUpdate: nothing changes
                return set()
            answer = response.json().get("response", {})
        updated = set()
        for ident, props in answer.items():
            for prop, value in props.items():
                key = f"{ident}.{prop}"
                if self.state.get(key) != value:
                    self.state[key] = value
                    updated.add(key)
        return updated

    def change(self, values: dict[str, Any], kind: str, initial: bool = False) -> None:
        """Set properties as the browser does, and send every callback they trigger, then the
        callbacks that the answers trigger in turn (each callback once per step)."""
        changed = set(values)
        self.state.update(values)
        fired: set[str] = set()
        for wave in range(3):
            due = [
                d for d in DEPS
                if d["output"] not in fired
                and ((initial and wave == 0 and not d.get("prevent_initial_call"))
                     or any(f"{i['id']}.{i['property']}" in changed for i in d["inputs"]))
            ]  # fmt: skip
            if not due:
                return
            answered: set[str] = set()
            for dep in due:
                fired.add(dep["output"])
                triggers = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
                answered |= self._fire(dep, [t for t in triggers if t in changed], kind)
            changed = answered

    # --- what people do ------------------------------------------------------------------

    def _get(self, path: str, kind: str, **kwargs: Any) -> Any:
        with self.client.get(path, name=kind, catch_response=True, **kwargs) as response:
            if 200 <= response.status_code < 300:
                response.success()
                return response
            response.failure(f"{_status(response)} {path}: {response.text[:200]}")
            return None

    @task(2)
    def open_page(self) -> None:
        """A page opened (a new tab, a reload): the page, its layout and callback map, the
        assets on the first visit only (a browser keeps them), and the page's callbacks."""
        unit = self.rng.choice(PLAN["units"]) if self.rng.random() < 0.5 else None
        search = f"?unit={unit}" if unit else ""
        self._get("/" + search, "page open")
        self._get("/_dash-layout", "page open", headers={"Referer": self.host + "/" + search})
        self._get("/_dash-dependencies", "page open")
        if not self.cached:
            for asset in ASSETS:
                self._get(asset, "page assets")
            self.cached = True
        self.state = dict(LAYOUT_PROPS)
        self.change(
            {"url.search": search, "url.pathname": "/"}, "page-open callbacks", initial=True
        )

    @task(5)
    def drill_down(self) -> None:
        """The URL changes to another unit (a click on the map, the breadcrumb or the list)."""
        self.change(
            {"url.search": f"?unit={self.rng.choice(PLAN['units'])}"}, "drill-down callbacks"
        )

    @task(3)
    def change_time(self) -> None:
        """A moment in history: a day and an hour with data, picked in the time control."""
        first = dt.datetime.fromisoformat(PLAN["first_hour"])
        last = dt.datetime.fromisoformat(PLAN["last_hour"])
        hours = max(1, int((last - first).total_seconds() // 3600))
        at = first + dt.timedelta(hours=self.rng.randrange(hours))
        self.state["time-mode.value"] = "history"
        self.state["time-day.date"] = at.date().isoformat()
        self.change({"time-hour.value": at.hour}, "time-change callbacks")

    @task(2)
    def toggle_layer(self) -> None:
        """A theme switched on or off in the layers control."""
        on = list(self.state.get("layers-control.overlays") or [])
        theme = self.rng.choice(THEMES)
        on = [t for t in on if t != theme] if theme in on else [*on, theme]
        self.change({"layers-control.overlays": on}, "layer-toggle callbacks")

    @task(2)
    def ogc_page(self) -> None:
        """A GIS tool reads a page of open data in a box."""
        west, south, east, north = CITY_BBOX
        w = self.rng.uniform(west, east - 0.05)
        s = self.rng.uniform(south, north - 0.05)
        e = min(east, w + self.rng.uniform(0.05, 0.3))
        n = min(north, s + self.rng.uniform(0.05, 0.3))
        box = f"{w:.4f},{s:.4f},{e:.4f},{n:.4f}"
        collection = self.rng.choice(COLLECTIONS)
        limit = self.rng.choice((10, 100, 500))
        self._get(
            f"/ogc/collections/{collection}/items?bbox={box}&limit={limit}",
            "OGC pages",
            headers={"Accept": "application/geo+json"},
        )

    @task(1)
    def push_readings(self) -> None:
        """A sensor sends a batch of new readings; every fourth time it sends the previous batch
        again (its answer was lost, say): stored once, answered 200."""
        code, token, quantities = self.sensor
        if self.batch is None or self.rng.random() >= 0.25:
            now = dt.datetime.now(dt.UTC)
            items = []
            for _ in range(5):
                self.cursor += 1
                # Odd seconds and a fraction: never one of the demo's 5-minute marks, never
                # another user's moment for the same sensor.
                back = dt.timedelta(
                    seconds=self.rng.randrange(60, 6 * 3600),
                    microseconds=self.rng.randrange(1, 999_999),
                )
                at = now - back
                for quantity, unit in quantities:
                    lo, hi = _VALUES.get(quantity, (0, 1))
                    items.append({"sensor": code, "quantity": quantity, "unit": unit,
                                  "value": round(self.rng.uniform(lo, hi), 2),
                                  "observed_at": at.isoformat()})  # fmt: skip
            self.batch = {"observations": items}
        with self.client.post(
            "/api/v1/observations", json=self.batch, name="sensor pushes", catch_response=True,
            headers={"Authorization": f"Bearer {token}"},
        ) as response:  # fmt: skip
            if 200 <= response.status_code < 300:
                response.success()
            else:
                response.failure(f"{_status(response)}: {response.text[:200]}")
