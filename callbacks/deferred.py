"""What the page adds once the map has drawn its units: the chart.

A ``dcc.Graph`` loads plotly.js as it mounts (1.4 MB compressed, 4.6 MB of script to run), and
Dash holds every callback with the Graph among its outputs until it has. In the first layout it
was fetched and run while the map waited for its units. The chart's box is empty at first; once
the units' data has arrived and their shapes are on the map, the Graph goes in, in the browser
with no request of its own, and the chart's callback (``callbacks/monitor.py``) fires as it
appears.
"""

from __future__ import annotations

import json

from dash import Input, Output, State, clientside_callback

from layouts import ids
from layouts.page import chart

# The Graph as the renderer reads a component: the JSON a server callback would answer with.
_GRAPH = json.dumps(chart().to_plotly_json())
# Leaflet draws a GeoJSON's shapes a moment after Dash hands it the data; the units are the
# only shapes in the map's overlay pane (the outline, rivers and themes have panes of their
# own). Two seconds at most: a unit may have no shape on screen at all.
_DRAWN = "#" + ids.MAP + " .leaflet-overlay-pane path"

clientside_callback(
    f"""function (units, box) {{
        if (!units || box) {{ return window.dash_clientside.no_update; }}
        return new Promise(function (resolve) {{
            var started = Date.now();
            (function drawn() {{
                if (document.querySelector({json.dumps(_DRAWN)}) || Date.now() - started > 2000) {{
                    resolve({_GRAPH});
                }} else {{
                    window.setTimeout(drawn, 30);
                }}
            }})();
        }});
    }}""",
    Output(ids.CHART_BOX, "children"),
    Input(ids.UNITS, "data"),
    State(ids.CHART_BOX, "children"),
)
