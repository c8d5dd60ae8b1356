"""Dash callback requests built by hand, exactly as the browser sends them (or a forger could)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geodata.monitoring import catalogue

Prop = tuple[str, str]
Value = tuple[str, str, Any]

# The outputs of callbacks.drilldown.show_selection, in order.
DRILL_OUTPUTS: list[Prop] = [
    ("units-layer", "data"), ("context-layer", "data"), ("breadcrumb", "children"),
    ("unit-panel", "children"), ("unit-children", "children"), ("demo-badge", "hidden"),
    ("map-fit", "data"), ("view-date", "date"), ("page", "className"),
    ("map", "invalidateSize"),
]  # fmt: skip

# The outputs of callbacks.monitor.moment_layers, in order: the catalogue's map layers read with
# the moment, then the time label, the digests sent and the moment drawn.
FLOOD_AIR_OUTPUTS: list[Prop] = [
    *((x.info.map_id, "data") for x in catalogue.on_map() if x.info.refresh == "moment"),
    ("time-label", "children"), ("flood-air-sent", "data"), ("time-shown", "data"),
]  # fmt: skip


def callback_body(
    outputs: Sequence[Prop], inputs: Sequence[Value], state: Sequence[Value] = ()
) -> dict[str, Any]:
    """The JSON body of a POST to ``/_dash-update-component``."""
    many = len(outputs) > 1  # Dash writes one output without the ".." multi-output wrapping
    return {
        "output": (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..")
        if many
        else f"{outputs[0][0]}.{outputs[0][1]}",
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if many
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
